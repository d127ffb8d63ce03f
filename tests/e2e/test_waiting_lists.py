"""A waiting list under concurrency, on PostgreSQL with the real services and two instances
of bookings (both run the offers' expiry timer): a full slot of 2 places, 5 families waiting
(the last two joining at once get the last two positions, one each); two cancellations
offer the places to the first two in line, in order; the first accepts (confirmed through
the saga), the second lets its offer run out, which expires once and offers the places to
the third."""
import collections

import pytest

from devtools.processes import wait_until
from seibiant_common.errors import Conflict, InvalidInput, NotFound

pytestmark = pytest.mark.postgres
OFFER_SECONDS = 6  # the answers below take well under it; the lapse waits for it


def offer_of(rpc, family, slot_id):
    """The family's entry once it holds an offer (its booking `offered`)."""
    def offered():
        entry = rpc.bookings.get_waiting_place(family, slot_id)
        return entry if entry["status"] == "offered" and entry["booking_id"] else None
    return wait_until(offered, 15, message="an offer to {}".format(family["user_id"]))


def test_five_waiting_two_cancellations_one_offer_runs_out_and_the_third_is_offered(
        start_saga):
    saga = start_saga("postgresql", services=("providers", "bookings", "bookings"),
                      WAITING_LIST_OFFER_HOURS=OFFER_SECONDS / 3600,
                      WAITING_LIST_TIMER_SECONDS=0.2)
    world, rpc = saga.world(), saga.rpc
    provider = world.provider()
    slot_id = world.slot_of(provider, capacity=2, price_pence=0, category="hospitality_meal")
    booked = [world.book(world.family(), slot_id) for _ in range(2)]
    assert [world.settled(b["id"])["status"] for b in booked] == ["confirmed"] * 2

    waiting = [world.family() for _ in range(5)]
    # with places left there is no list to join: book instead
    spare = world.slot_of(provider, capacity=1, price_pence=0, category="hospitality_meal")
    with pytest.raises(Conflict, match="places_available"):
        rpc.bookings.join_waiting_list(waiting[0], spare, 1)
    with pytest.raises(NotFound):
        rpc.bookings.join_waiting_list(waiting[0], "slot-unknown", 1)
    for family in waiting[:3]:
        assert rpc.bookings.join_waiting_list(family, slot_id, 1)["created"]
    # the last two join at once: one position each, never the same
    calls = [rpc.bookings.join_waiting_list.call_async(family, slot_id, 1)
             for family in waiting[3:]]
    assert sorted(call.result()["entry"]["position"] for call in calls) == [4, 5]
    places = [rpc.bookings.get_waiting_place(family, slot_id)["place_in_line"]
              for family in waiting]
    assert places[:3] == [1, 2, 3] and set(places[3:]) == {4, 5}

    # two cancellations: the first two in line are offered the places, in order
    rpc.bookings.cancel_booking(_family_of(booked[0]), booked[0]["id"])
    first = offer_of(rpc, waiting[0], slot_id)
    rpc.bookings.cancel_booking(_family_of(booked[1]), booked[1]["id"])
    second = offer_of(rpc, waiting[1], slot_id)
    offers = [world.booking(entry["booking_id"]) for entry in (first, second)]
    assert [o["status"] for o in offers] == ["offered", "offered"]
    assert offers[0]["created_at"] <= offers[1]["created_at"]
    assert rpc.bookings.get_waiting_place(waiting[2], slot_id)["place_in_line"] == 1
    wait_until(lambda: world.places_taken(slot_id) == 2, 15,
               message="the offers' places held")

    # the first accepts: a request, confirmed through the saga
    accepted = rpc.bookings.accept_offer(waiting[0], first["booking_id"])
    assert accepted["status"] == "requested"
    assert world.settled(first["booking_id"])["status"] == "confirmed"
    # the second lets it run out: it expires once, and the third is offered the place
    third = offer_of(rpc, waiting[2], slot_id)
    # the third declines at once (before its own offer could run out): the place goes to
    # the fourth in line
    rpc.bookings.cancel_booking(waiting[2], third["booking_id"])
    assert world.booking(second["booking_id"])["status"] == "expired"
    assert rpc.bookings.get_waiting_place(waiting[1], slot_id)["status"] == "lapsed"
    with pytest.raises(Conflict, match="not_offered"):
        rpc.bookings.accept_offer(waiting[1], second["booking_id"])
    expired = saga.query("SELECT aggregate_id FROM outbox_messages "
                         "WHERE event_type = 'booking_offer_expired'")
    # once, by two timers
    assert [row[0] for row in expired].count(second["booking_id"]) == 1
    assert world.booking(third["booking_id"])["status"] == "cancelled"
    fourth, fifth = sorted(waiting[3:], key=lambda family: places[waiting.index(family)])
    offer_of(rpc, fourth, slot_id)
    assert rpc.bookings.get_waiting_place(waiting[2], slot_id)["status"] == "declined"
    assert rpc.bookings.get_waiting_place(fifth, slot_id)["place_in_line"] == 1
    rows = saga.query("SELECT family_id FROM bookings WHERE slot_id = :slot", slot=slot_id)
    offers_to = collections.Counter(row.family_id for row in rows)
    # one offer each, in the order of the line (the last two joined at once, so theirs is
    # the order their positions came out in), whatever the two instances did
    in_line = [*waiting[:3], fourth, fifth]
    assert [offers_to[family["user_id"]] for family in in_line] == [1, 1, 1, 1, 0]


def _family_of(booking):
    return {"user_id": booking["family_id"], "role": "family", "council": booking["council"],
            "provider_id": None}


def test_a_waiting_list_is_refused_clearly_where_there_is_nothing_to_wait_for(start_saga):
    saga = start_saga("sqlite", services=("providers", "bookings"))
    world, rpc = saga.world(), saga.rpc
    provider, family = world.provider(), world.family()
    free = world.slot_of(provider, capacity=2, price_pence=0, category="hospitality_meal")
    with pytest.raises(Conflict, match="places_available"):
        rpc.bookings.join_waiting_list(family, free, 2)
    with pytest.raises(NotFound):
        rpc.bookings.join_waiting_list(family, "slot-unknown", 1)
    rpc.providers.withdraw_slot(provider, free)
    with pytest.raises(Conflict, match="slot_not_bookable"):
        rpc.bookings.join_waiting_list(family, free, 3)
    priced = world.slot_of(provider, capacity=1)
    referrer = {"user_id": "referrer-1", "role": "referrer", "council": world.council,
                "provider_id": None, "carer_ids": [family["user_id"]]}
    with pytest.raises(InvalidInput, match="slot_id"):
        rpc.bookings.join_waiting_list(referrer, priced, 2, family["user_id"])
    with pytest.raises(NotFound):
        rpc.bookings.leave_waiting_list(family, priced)
    joined = rpc.bookings.join_waiting_list(family, priced, 2)["entry"]
    assert (joined["status"], joined["place_in_line"]) == ("waiting", 1)
    left = rpc.bookings.leave_waiting_list(family, priced)
    assert left["status"] == "left" and left["place_in_line"] is None
