"""The providers service against the real broker and a real database."""
import datetime
import zoneinfo

import pytest
import sqlalchemy as sa

from seibiant_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from devtools.processes import wait_until

from .conftest import HOUR, OFFICER, iso, later

PLACES_RESERVED_KEYS = {"booking_id", "slot_id", "offer_id", "provider_id", "places",
                        "unit_price_pence", "total_pence", "category", "slot_start", "slot_end"}


def test_a_provider_is_registered_pending_and_decided_by_an_officer_of_its_council(world_of):
    world = world_of("postgresql")
    rpc = world.rpc
    provider, actor = world.provider(regions=("powys", "ceredigion"), approve=False,
                                     accessibility=["hoist"], supports_needs=["autism"])
    assert provider["status"] == "pending"
    assert provider["regions"] == ["ceredigion", "powys"]
    with pytest.raises(Conflict) as refused:
        rpc.register_provider({"user_id": provider["user_id"], "name": "Again",
                               "kind": "hospitality", "regions": ["powys"]})
    assert refused.value.code == "provider_exists"

    with pytest.raises(Forbidden):
        rpc.approve_provider(dict(OFFICER, role="family"), provider["id"])
    with pytest.raises(NotFound):  # another council's officer does not learn it exists
        rpc.approve_provider(dict(OFFICER, council="flintshire"), provider["id"])
    ceredigion = dict(OFFICER, user_id="officer-ceredigion", council="ceredigion")
    assert rpc.approve_provider(ceredigion, provider["id"])["status"] == "approved"
    assert rpc.approve_provider(OFFICER, provider["id"])["status"] == "approved"  # no-op
    assert rpc.get_provider(provider["id"])["status"] == "approved"

    assert [p["id"] for p in rpc.list_providers(OFFICER)["items"]] == [provider["id"]]
    assert rpc.list_providers(dict(OFFICER, council="flintshire"))["items"] == []
    assert rpc.list_providers(OFFICER, status="pending")["items"] == []
    assert [p["id"] for p in rpc.list_providers(actor)["items"]] == [provider["id"]]

    with pytest.raises(InvalidInput) as invalid:
        rpc.suspend_provider(OFFICER, provider["id"], "")
    assert "reason" in invalid.value.errors
    assert rpc.suspend_provider(OFFICER, provider["id"], "complaint")["status"] == "suspended"

    assert [(e["event_type"], e["payload"]) for e in world.outbox()] == [
        ("provider_approved", {"provider_id": provider["id"], "name": provider["name"],
                               "contact_email": None, "contact_phone": None}),
        ("provider_suspended", {"provider_id": provider["id"], "reason": "complaint"})]
    audit = world.execute(sa.text(
        "SELECT action, actor_user_id FROM audit_entries WHERE subject_id = :id ORDER BY id"
    ).bindparams(id=provider["id"]))
    assert [tuple(row) for row in audit] == [
        ("registered", provider["user_id"]), ("approved", "officer-ceredigion"),
        ("suspended", "officer-powys")]


def test_providers_are_listed_a_page_at_a_time(world_of):
    world = world_of("sqlite")
    ids = [world.provider(approve=False)[0]["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = world.rpc.list_providers(OFFICER, status="pending", limit=2, cursor=cursor)
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    with pytest.raises(InvalidInput):
        world.rpc.list_providers(OFFICER, cursor="not-a-cursor")
    with pytest.raises(Forbidden):
        world.rpc.list_providers(dict(OFFICER, role="family"))


def test_a_provider_lists_its_own_offers_with_or_without_slots(world_of):
    world = world_of("sqlite")
    rpc = world.rpc
    provider, actor = world.provider()
    offers = [world.offer(actor, title="Offer {}".format(n)) for n in range(3)]
    world.slots(actor, offers[0]["id"], (later(1), 2))
    seen, cursor = [], None
    while True:
        page = rpc.list_offers(actor, provider["id"], limit=2, cursor=cursor)
        seen += [offer["id"] for offer in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [offer["id"] for offer in offers]  # slots or none, oldest first
    assert [o["id"] for o in rpc.list_offers(OFFICER, provider["id"])["items"]] == seen
    admin = dict(OFFICER, user_id="admin", role="admin", council=None)
    assert len(rpc.list_offers(admin, provider["id"])["items"]) == 3
    _, other = world.provider()
    for stranger in (other, dict(OFFICER, council="flintshire")):
        with pytest.raises(NotFound):
            rpc.list_offers(stranger, provider["id"])
    with pytest.raises(NotFound):
        rpc.list_offers(OFFICER, "no-such-provider")
    with pytest.raises(Forbidden):
        rpc.list_offers(dict(OFFICER, role="family"), provider["id"])
    with pytest.raises(InvalidInput):
        rpc.list_offers(actor, provider["id"], cursor="not-a-cursor")


def test_only_an_approved_provider_publishes_and_only_on_its_own_offers(world_of):
    world = world_of("postgresql")
    rpc = world.rpc
    _, pending = world.provider(approve=False)
    with pytest.raises(Conflict) as refused:
        world.offer(pending)
    assert refused.value.code == "provider_not_approved"

    _, actor = world.provider(regions=("powys",))
    with pytest.raises(InvalidInput) as invalid:
        world.offer(actor, region="flintshire")
    assert "powys" in invalid.value.errors["region"][0]
    offer = world.offer(actor, title_cy="Prynhawn tawel", price_pence=0)
    assert offer["price_pence"] == 0 and offer["bookable"] and offer["title_cy"] == "Prynhawn tawel"
    slot, = world.slots(actor, offer["id"], (later(3), 4))

    _, stranger = world.provider(regions=("powys",))
    with pytest.raises(NotFound):
        world.slots(stranger, offer["id"], (later(4), 4))
    with pytest.raises(NotFound):
        rpc.change_capacity(stranger, slot["id"], 10)
    with pytest.raises(NotFound):
        rpc.withdraw_slot(stranger, slot["id"])
    with pytest.raises(Forbidden):
        rpc.create_offer(OFFICER, {"title": "x", "category": "overnight_stay",
                                   "price_pence": 1, "region": "powys"})
    assert rpc.get_slot(slot["id"])["capacity"] == 4


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(world_of, kind):
    world = world_of(kind)
    rpc = world.rpc
    _, actor = world.provider()
    offer = world.offer(actor)
    before = {table: world.count(table) for table in
              ("providers", "offers", "slots", "outbox_messages", "audit_entries")}

    def refused(call, *args):
        with pytest.raises(InvalidInput) as invalid:
            call(*args)
        return invalid.value.errors

    good = {"title": "Overnight", "category": "overnight_stay", "price_pence": 9000,
            "region": "powys"}
    assert "category" in refused(rpc.create_offer, actor, dict(good, category="spa"))
    assert "accessibility" in refused(rpc.create_offer, actor, dict(good, accessibility=["lift"]))
    assert "supports_needs" in refused(rpc.create_offer, actor, dict(good, supports_needs=["x"]))
    assert "price_pence" in refused(rpc.create_offer, actor, dict(good, price_pence=90.5))
    assert "price_pence" in refused(rpc.create_offer, actor, dict(good, price_pence=-5))
    assert "title" in refused(rpc.create_offer, actor, dict(good, title="nul\x00"))
    assert "kind" in refused(rpc.register_provider, {"user_id": "u", "name": "n",
                                                     "kind": "castle", "regions": ["powys"]})
    start = later(5)
    slot = {"start": iso(start), "end": iso(start + HOUR), "capacity": 3}
    errors = refused(rpc.publish_slots, actor, offer["id"], {"slots": [
        slot, dict(slot, start=iso(start + 2 * HOUR), end=iso(start + HOUR))]})
    # The first slot was fine, but a publication is all or nothing.
    assert errors == {"slots": {"1": {"end": ["must be after start"]}}}
    errors = refused(rpc.publish_slots, actor, offer["id"], {"slots": [dict(slot, capacity=-1)]})
    assert list(errors["slots"]["0"]) == ["capacity"]
    errors = refused(rpc.publish_slots, actor, offer["id"], {"slots": [dict(slot, capacity=2.5)]})
    assert list(errors["slots"]["0"]) == ["capacity"]
    errors = refused(rpc.publish_slots, actor, offer["id"],
                     {"slots": [dict(slot, start=iso(later(-1)), end=iso(later(-1) + HOUR))]})
    assert errors == {"slots": {"0": {"start": ["must be in the future"]}}}
    errors = refused(rpc.publish_slots, actor, offer["id"], {"pattern": {
        "start_date": later(1).date().isoformat(), "weekdays": ["monday"],
        "start_time": "16:00", "end_time": "10:00", "weeks": 2, "capacity": 2}})
    assert list(errors["pattern"]) == ["end_time"]
    assert "places" in refused(rpc.reserve_places, "b1", "s1", 1.0)
    assert "places" in refused(rpc.reserve_places, "b1", "s1", 0)
    assert "slot_id" in refused(rpc.get_slot, 42)
    assert "to" in refused(rpc.search, {"from": iso(start), "to": iso(start)})
    assert "category" in refused(rpc.search, {"category": "spa"})
    assert "cursor" in refused(rpc.search, {}, 10, "forged")

    after = {table: world.count(table) for table in before}
    assert after == before


def test_slots_are_published_in_bulk_and_by_pattern(world_of):
    world = world_of("postgresql")
    rpc = world.rpc
    _, actor = world.provider()
    offer = world.offer(actor, category="group_specialist")
    listed = world.slots(actor, offer["id"], (later(1), 3), (later(2), 3), (later(3, 14), 8))
    assert [(s["capacity"], s["remaining"]) for s in listed] == [(3, 3), (3, 3), (8, 8)]

    first = later(7).date()
    weekday = first.strftime("%A").lower()
    pattern = rpc.publish_slots(actor, offer["id"], {"pattern": {
        "start_date": first.isoformat(), "weekdays": [weekday], "start_time": "10:00",
        "end_time": "16:00", "weeks": 12, "capacity": 5}})["items"]
    assert len(pattern) == 12
    assert pattern[0]["start"] == iso(later(7)) and pattern[0]["end"] == iso(later(7, 16))
    assert pattern[-1]["start"] == iso(later(7 + 77))
    uk = rpc.publish_slots(actor, offer["id"], {"pattern": {
        "start_date": first.isoformat(), "weekdays": [weekday], "start_time": "18:30",
        "end_time": "20:00", "weeks": 30, "capacity": 5, "time_zone": "Europe/London"}})["items"]
    london = zoneinfo.ZoneInfo("Europe/London")  # 30 weeks cross a change of the clocks
    assert {datetime.datetime.fromisoformat(s["start"]).astimezone(london).time()
            for s in uk} == {datetime.time(18, 30)}

    with pytest.raises(InvalidInput) as invalid:  # the same time again would double places
        world.slots(actor, offer["id"], (later(9), 2), (later(2), 3))
    assert list(invalid.value.errors["slots"]) == ["1"]
    # each publication is announced once, with what bookings keeps of the slots; the
    # refused one announced nothing
    announced = [e["payload"] for e in world.outbox("slots_published")]
    assert [len(a["slots"]) for a in announced] == [3, 12, 30]
    assert {(a["offer_id"], a["provider_id"], a["category"], a["price_pence"])
            for a in announced} == {(offer["id"], actor["provider_id"], "group_specialist",
                                     offer["price_pence"])}
    assert {(a["title"], a["region"]) for a in announced} == {(offer["title"], offer["region"])}
    assert announced[0]["slots"][2] == {"id": listed[2]["id"], "start": listed[2]["start"],
                                        "end": listed[2]["end"], "capacity": 8,
                                        "allocation": "first_come",
                                        "applications_close_at": None}
    assert announced[1]["slots"] == [{"id": s["id"], "start": s["start"], "end": s["end"],
                                      "capacity": 5, "allocation": "first_come",
                                      "applications_close_at": None} for s in pattern]
    shown = rpc.get_offer(offer["id"])
    assert len(shown["slots"]) == 45 and not shown["more_slots"]
    assert [s["start"] for s in shown["slots"]] == sorted(s["start"] for s in shown["slots"])
    with pytest.raises(NotFound):
        rpc.get_offer("no-such-offer")
    # titles of many offers in one call (a donor's impact page): those that exist, only
    assert rpc.get_offer_titles([offer["id"], "no-such-offer"]) == {offer["id"]: offer["title"]}
    assert rpc.get_offer_titles([]) == {}
    with pytest.raises(InvalidInput, match="offer_ids"):
        rpc.get_offer_titles(["x" * 65])
    with pytest.raises(InvalidInput, match="offer_ids"):
        rpc.get_offer_titles("o-1")


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_places_are_reserved_once_per_booking_and_released_once(world_of, recorder, kind):
    world = world_of(kind)
    rpc = world.rpc
    provider, actor = world.provider()
    offer = world.offer(actor, price_pence=2500, category="hospitality_activity")
    slot, = world.slots(actor, offer["id"], (later(2), 5))

    reserved = rpc.reserve_places("b1", slot["id"], 3)
    assert reserved == {
        "booking_id": "b1", "slot_id": slot["id"], "status": "reserved", "reason": None,
        "places": 3, "offer_id": offer["id"], "provider_id": provider["id"],
        "unit_price_pence": 2500, "total_pence": 7500, "category": "hospitality_activity",
        "slot_start": slot["start"], "slot_end": slot["end"]}
    assert rpc.reserve_places("b1", slot["id"], 3) == reserved  # the same answer, again
    assert rpc.get_slot(slot["id"])["remaining"] == 2
    refused = rpc.reserve_places("b2", slot["id"], 3)
    assert (refused["status"], refused["reason"]) == ("refused", "sold_out")

    # Capacity changes, but never below the places taken.
    with pytest.raises(InvalidInput) as invalid:
        rpc.change_capacity(actor, slot["id"], 2)
    assert invalid.value.errors == {"capacity": ["cannot be below the 3 places already reserved"]}
    assert rpc.change_capacity(actor, slot["id"], 3)["remaining"] == 0
    assert rpc.change_capacity(actor, slot["id"], 6)["remaining"] == 3
    with pytest.raises(InvalidInput):
        rpc.change_capacity(actor, slot["id"], -1)
    # A refusal is final too, even now that there would be room.
    assert rpc.reserve_places("b2", slot["id"], 3)["status"] == "refused"

    released = rpc.release_places("b1")
    assert released["status"] == "released"
    assert rpc.release_places("b1") == released
    assert rpc.get_slot(slot["id"])["remaining"] == 6
    assert rpc.reserve_places("b1", slot["id"], 3)["status"] == "released"
    assert rpc.release_places("b2")["status"] == "refused"
    assert rpc.get_slot(slot["id"])["remaining"] == 6

    unknown = rpc.reserve_places("b3", "no-such-slot", 1)
    assert (unknown["status"], unknown["reason"]) == ("refused", "slot_not_bookable")

    # Every request asked again is answered again (an answer may have been dead-lettered);
    # the released booking's late request and the refused one's release announce nothing.
    wait_until(lambda: len(recorder) == 8, 10, message="the events")
    outcomes = [(e["event_type"], e["payload"]["booking_id"]) for e in recorder
                if e["event_type"] != "provider_approved"]
    assert sorted(outcomes) == sorted([("places_reserved", "b1")] * 2
                                      + [("reservation_refused", "b2")] * 2
                                      + [("places_released", "b1")] * 2
                                      + [("reservation_refused", "b3")])
    assert len({e["event_id"] for e in recorder}) == 8
    by_type = {e["event_type"]: e["payload"] for e in recorder
               if e["payload"].get("booking_id") in ("b1", "b2")}
    assert set(by_type["places_reserved"]) == PLACES_RESERVED_KEYS
    assert by_type["places_released"] == {"booking_id": "b1", "slot_id": slot["id"], "places": 3}
    assert by_type["reservation_refused"] == {"booking_id": "b2", "slot_id": slot["id"],
                                              "reason": "sold_out"}
    audit = world.execute(sa.text("SELECT detail FROM audit_entries WHERE action = "
                                  "'capacity_changed' ORDER BY id"))
    assert len(audit) == 2


def test_a_past_slot_and_a_suspended_provider_take_no_bookings(world_of):
    world = world_of("postgresql")
    rpc = world.rpc
    provider, actor = world.provider()
    offer = world.offer(actor)
    past, future = world.slots(actor, offer["id"], (later(1), 5), (later(2), 5))
    world.execute(sa.text("UPDATE slots SET starts_at = :start WHERE id = :id")
                  .bindparams(sa.bindparam("start", type_=sa.DateTime(timezone=True)),
                              start=later(-1), id=past["id"]))
    assert rpc.reserve_places("b1", past["id"], 1)["reason"] == "slot_not_bookable"
    assert rpc.get_slot(past["id"])["bookable"] is False
    assert [s["id"] for s in rpc.get_offer(offer["id"])["slots"]] == [future["id"]]

    assert [o["id"] for o in rpc.search({"region": "powys"})["items"]] == [offer["id"]]
    rpc.suspend_provider(OFFICER, provider["id"], "inspection")
    assert rpc.search({"region": "powys"})["items"] == []
    assert rpc.reserve_places("b2", future["id"], 1)["reason"] == "provider_not_approved"
    assert rpc.get_slot(future["id"])["bookable"] is False
    assert rpc.get_offer(offer["id"])["bookable"] is False
    with pytest.raises(Conflict):
        world.slots(actor, offer["id"], (later(3), 1))
    rpc.approve_provider(OFFICER, provider["id"])
    assert rpc.reserve_places("b3", future["id"], 1)["status"] == "reserved"


def test_a_withdrawn_slot_announces_its_bookings_and_takes_no_more(world_of):
    world = world_of("postgresql")
    rpc = world.rpc
    provider, actor = world.provider()
    offer = world.offer(actor)
    slot, = world.slots(actor, offer["id"], (later(2), 5))
    rpc.reserve_places("b1", slot["id"], 1)
    rpc.reserve_places("b2", slot["id"], 2)
    rpc.reserve_places("b3", slot["id"], 1)
    rpc.release_places("b3")

    withdrawn = rpc.withdraw_slot(actor, slot["id"])
    assert withdrawn["status"] == "withdrawn" and withdrawn["booking_ids"] == ["b1", "b2"]
    assert rpc.withdraw_slot(actor, slot["id"])["booking_ids"] == ["b1", "b2"]  # no new event
    assert rpc.reserve_places("b4", slot["id"], 1)["reason"] == "slot_not_bookable"
    with pytest.raises(Conflict):
        rpc.change_capacity(actor, slot["id"], 9)
    assert rpc.get_slot(slot["id"])["bookable"] is False

    # bookings cancels them; the places go back.
    world.dispatch("booking_cancelled", {"booking_id": "b1", "by": "system"}, "b1")
    world.dispatch("booking_cancelled", {"booking_id": "b2", "by": "system"}, "b2")
    wait_until(lambda: rpc.get_slot(slot["id"])["remaining"] == 5, 10, message="the releases")
    withdrawals = [e["payload"] for e in world.outbox("slot_withdrawn")]
    assert withdrawals == [{"slot_id": slot["id"], "offer_id": offer["id"],
                            "provider_id": provider["id"], "booking_ids": ["b1", "b2"]}]
    # A new slot may take the withdrawn one's time.
    assert world.slots(actor, offer["id"], (later(2), 3))[0]["start"] == slot["start"]


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_the_booking_saga_events_reserve_and_release_places_once(world_of, kind):
    world = world_of(kind)
    rpc = world.rpc
    _, actor = world.provider()
    offer = world.offer(actor, price_pence=0, category="hospitality_stay")
    slot, = world.slots(actor, offer["id"], (later(2), 2))

    def requested(booking_id, places=1):
        return world.dispatch("booking_requested", {
            "booking_id": booking_id, "family_id": "f1", "council": "powys",
            "slot_id": slot["id"], "places": places, "budget_id": None}, booking_id)

    event = requested("b1")
    world.redeliver("booking_requested", event)  # the same event twice
    world.dispatch("booking_requested", event["payload"], "b1")  # a new event, same booking
    requested("b2", places=2)
    # A cancellation that overtakes its request: the late request reserves nothing.
    world.dispatch("booking_cancelled", {"booking_id": "b3", "by": "family"}, "b3")
    wait_until(lambda: world.count("reservations") == 3, 10, message="the cancellation")
    requested("b3")
    wait_until(lambda: len(world.outbox()) == 5, 10, message="the answers")
    answers = {(e["event_type"], e["payload"].get("booking_id")) for e in world.outbox()}
    assert answers == {("provider_approved", None), ("slots_published", None),
                       ("places_reserved", "b1"), ("reservation_refused", "b2")}
    # The request asked again (not the redelivery) is answered again, by a new event.
    reserved, again = world.outbox("places_reserved")
    assert reserved["payload"]["total_pence"] == 0
    assert set(reserved["payload"]) == PLACES_RESERVED_KEYS
    assert again["payload"] == reserved["payload"]
    assert again["event_id"] != reserved["event_id"]

    for event_type in ("booking_rejected", "booking_expired"):  # refused: nothing to release
        world.dispatch(event_type, {"booking_id": "b2", "reason": "sold_out"}, "b2")
    released = world.dispatch("booking_expired", {"booking_id": "b1"}, "b1")
    world.dispatch("booking_expired", released["payload"], "b1")
    wait_until(lambda: world.outbox("places_released"), 10, message="the release")
    wait_until(lambda: world.count("processed_events") == 9, 10, message="every event")
    assert rpc.get_slot(slot["id"])["remaining"] == 2
    assert sorted(e["event_type"] for e in world.outbox()) == [
        "places_released", "places_released", "places_reserved", "places_reserved",
        "provider_approved", "reservation_refused", "slots_published"]
