"""A ballot under concurrency, on PostgreSQL with two instances of bookings (both run the
draw's timer): 20 carers apply at once for a gifted slot of 3 places. At the close it is
drawn once: exactly 3 confirmed through the saga, the carers without a gift this year before
those with one, the others told (`ballot_lost`), and the record's seed gives the same draw
again."""
import collections
import datetime

import pytest

from devtools.processes import wait_until
from seibiant_common.errors import Conflict, InvalidInput, NotFound
from seibiant_common.types import utcnow
from services.bookings import ballots

from .world import HOURS, new_id

pytestmark = pytest.mark.postgres
CARERS, PLACES, FRESH = 20, 3, 5  # FRESH of the carers have had no gift this year


def publish_ballot(rpc, provider, offer_id, capacity, close_in):
    start = utcnow() + 48 * HOURS
    return rpc.providers.publish_slots(provider, offer_id, {"slots": [{
        "start": start.isoformat(), "end": (start + 4 * HOURS).isoformat(),
        "capacity": capacity, "allocation": "ballot",
        "applications_close_at": (utcnow() + close_in).isoformat()}]})["items"][0]


def test_twenty_carers_apply_for_three_places_and_the_draw_favours_the_fewest_gifts(
        start_saga):
    saga = start_saga("postgresql", services=("budgets", "providers", "bookings", "bookings"),
                      BALLOT_TIMER_SECONDS=0.2)
    world, rpc = saga.world(), saga.rpc
    rpc.bookings.set_gifted_allowance(world.officer, world.council, 2)
    provider = world.provider()
    carers = [world.family() for _ in range(CARERS)]
    fresh, gifted = carers[:FRESH], carers[FRESH:]
    # a gift this year for each of the others (a first-come gifted slot)
    first_come = world.slot_of(provider, capacity=CARERS, price_pence=0,
                               category="hospitality_meal")
    for booking in [world.book(carer, first_come) for carer in gifted]:
        assert world.settled(booking["id"])["status"] == "confirmed"

    offer_id = world.offer(provider, price_pence=0, category="hospitality_stay")
    slot = publish_ballot(rpc, provider, offer_id, PLACES, datetime.timedelta(seconds=6))
    assert (slot["allocation"], slot["remaining"]) == ("ballot", PLACES)
    calls = [rpc.bookings.apply_for_places.call_async(carer, slot["id"], 1)
             for carer in carers]
    assert all(call.result()["created"] for call in calls)
    # the ballot's places are not booked first come
    with pytest.raises(Conflict, match="by_ballot"):
        world.book(fresh[0], slot["id"])

    record = wait_until(lambda: (lambda r: r if r["status"] == "drawn" else None)(
        rpc.bookings.get_ballot(provider, slot["id"])), 30, message="the draw")
    with pytest.raises(Conflict, match="applications_closed"):
        rpc.bookings.apply_for_places(fresh[0], slot["id"], 1)

    rows = saga.query("SELECT id, family_id, status FROM bookings WHERE slot_id = :slot",
                      slot=slot["id"])
    assert len(rows) == PLACES  # one draw, whatever the two instances did
    settled = [world.settled(row.id) for row in rows]
    assert collections.Counter(b["status"] for b in settled) == {"confirmed": PLACES}
    assert world.places_taken(slot["id"]) == PLACES
    fresh_ids = {carer["user_id"] for carer in fresh}
    assert {row.family_id for row in rows} <= fresh_ids  # no gift this year beats one

    entries = record["entries"]
    assert len(entries) == CARERS
    assert collections.Counter(e["outcome"] for e in entries) == {
        "won": PLACES, "lost": CARERS - PLACES}
    assert [e["gifts"] for e in entries] == [0] * FRESH + [1] * (CARERS - FRESH)
    # the record's seed draws the same again
    again = ballots.draw(record["seed"], [
        ballots.Entrant(e["application_id"], e["places"], e["gifts"], 1) for e in entries],
        record["capacity"])
    assert [(d.entrant.application_id, d.position, d.outcome) for d in again] == [
        (e["application_id"], e["position"], e["outcome"]) for e in entries]
    assert {e["booking_id"] for e in entries if e["outcome"] == "won"} == {r.id for r in rows}
    lost = saga.query("SELECT count(*) FROM outbox_messages WHERE event_type = 'ballot_lost'")
    assert lost[0][0] == CARERS - PLACES


def test_an_application_is_refused_clearly_where_there_is_no_ballot(start_saga):
    saga = start_saga("sqlite", services=("providers", "bookings"))
    world, rpc = saga.world(), saga.rpc
    provider, carer = world.provider(), world.family()
    first_come = world.slot_of(provider, price_pence=0, category="hospitality_meal")
    with pytest.raises(Conflict, match="not_a_ballot"):
        rpc.bookings.apply_for_places(carer, first_come, 1)
    with pytest.raises(NotFound):
        rpc.bookings.apply_for_places(carer, new_id("slot"), 1)
    offer_id = world.offer(provider, price_pence=0, category="hospitality_stay")
    slot = publish_ballot(rpc, provider, offer_id, 2, datetime.timedelta(hours=1))
    with pytest.raises(InvalidInput, match="places"):
        rpc.bookings.apply_for_places(carer, slot["id"], 3)
    applied = rpc.bookings.apply_for_places(carer, slot["id"], 2)["application"]
    assert (applied["places"], applied["status"]) == (2, "applied")
    again = rpc.bookings.apply_for_places(carer, slot["id"], 1)
    assert (again["created"], again["application"]["id"]) == (False, applied["id"])
    assert rpc.bookings.withdraw_application(carer, slot["id"])["status"] == "withdrawn"
    with pytest.raises(NotFound):
        rpc.bookings.withdraw_application(carer, slot["id"])
    with pytest.raises(InvalidInput, match="allocation"):
        publish_ballot(rpc, provider, world.offer(provider), 2, datetime.timedelta(hours=1))
