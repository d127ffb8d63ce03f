"""The bookings service's handlers and use cases in milliseconds (Cosmic Python's
`test_handlers.py`): each event of `EVENT_HANDLERS` fed as an envelope to its handler, over a
real unit of work on SQLite, with no broker; what it decided is read back from the booking
and from the outbox it wrote. The same code answers the queues in `service.py`."""
import datetime

import pytest

from seibiant_common.contracts import bookings as booking_events
from seibiant_common.contracts import budgets, providers
from seibiant_common.errors import Conflict
from seibiant_common.outbox import envelope
from services.bookings import application, handlers, models, waitlisting
from tests.handler_support import Service

from .factories import FAMILY, OFFICER, TIMEOUTS

START = datetime.datetime(2099, 6, 5, 17, 0, tzinfo=datetime.timezone.utc)
END = START + datetime.timedelta(hours=3)
NOW = datetime.datetime(2099, 6, 1, 9, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def service(tmp_path):
    return Service("bookings", models, handlers.EVENT_HANDLERS, tmp_path, timeouts=TIMEOUTS)


def publish_slot(service, price_pence=1500, category="overnight_stay"):
    service.hear(providers.SERVICE, providers.SLOTS_PUBLISHED, offer_id="offer-1",
                 provider_id="provider-1", category=category, price_pence=price_pence,
                 slots=[{"id": "slot-1", "start": START, "end": END}])


def request(service, key="key-1", places=2, budget_id="budget-1"):
    with service.unit_of_work() as uow:
        return application.request_known_slot(uow, FAMILY, {
            "idempotency_key": key, "slot_id": "slot-1", "places": places,
            "budget_id": budget_id, "family_id": None}, NOW, TIMEOUTS)


def status(service, booking_id):
    with service.unit_of_work() as uow:
        return application.get_booking(uow, FAMILY, booking_id).status


def test_the_table_answers_providers_and_budgets_and_every_row_is_tested_here():
    assert set(handlers.EVENT_HANDLERS) == {
        (providers.SERVICE, event_type) for event_type in (
            providers.PLACES_RESERVED, providers.RESERVATION_REFUSED, providers.SLOT_WITHDRAWN,
            providers.PLACES_RELEASED, providers.SLOTS_PUBLISHED, providers.PROVIDER_APPROVED,
            providers.PROVIDER_SUSPENDED)} | {
        (budgets.SERVICE, event_type) for event_type in (
            budgets.FUNDS_HELD, budgets.APPROVAL_REQUIRED, budgets.SPEND_APPROVED,
            budgets.SPEND_DECLINED, budgets.HOLD_REFUSED)}


def test_a_request_for_a_published_slot_starts_the_saga_without_asking_providers(service):
    publish_slot(service)
    booking = request(service)
    assert (booking.status, booking.total_pence) == ("requested", 3000)
    [(event_type, payload)] = service.emitted()
    assert event_type == booking_events.BOOKING_REQUESTED
    assert (payload["booking_id"], payload["places"], payload["budget_id"]) == (
        booking.id, 2, "budget-1")


def test_the_same_key_is_the_same_booking_and_another_body_with_it_a_conflict(service):
    publish_slot(service)
    first = request(service)
    assert request(service).id == first.id
    with pytest.raises(Conflict):
        request(service, places=3)
    assert len(service.emitted()) == 1


def test_an_unheard_of_slot_is_none_so_that_the_service_asks_providers(service):
    assert request(service) is None
    assert service.emitted() == []


def test_both_answers_confirm_in_either_order_and_a_repeat_changes_nothing(service):
    publish_slot(service)
    booking = request(service)
    held = service.hear(budgets.SERVICE, budgets.FUNDS_HELD, booking_id=booking.id,
                        budget_id="budget-1", hold_id="hold-1", amount_pence=3000, approval="auto")
    assert status(service, booking.id) == "requested"
    service.hear(providers.SERVICE, providers.PLACES_RESERVED, booking_id=booking.id,
                 slot_id="slot-1", offer_id="offer-1", provider_id="provider-1", places=2,
                 unit_price_pence=1500, total_pence=3000, category="overnight_stay",
                 slot_start=START, slot_end=END)
    assert status(service, booking.id) == "confirmed"
    service.handle(budgets.SERVICE, budgets.FUNDS_HELD, held)  # redelivered
    types_emitted = [event_type for event_type, _ in service.emitted()]
    assert types_emitted == [booking_events.BOOKING_REQUESTED,
                             booking_events.BOOKING_CONFIRMED]


def test_sold_out_rejects_and_gives_back_the_funds_already_held(service):
    publish_slot(service)
    booking = request(service)
    service.hear(budgets.SERVICE, budgets.FUNDS_HELD, booking_id=booking.id,
                 budget_id="budget-1", hold_id="hold-1", amount_pence=3000, approval="auto")
    service.hear(providers.SERVICE, providers.RESERVATION_REFUSED, booking_id=booking.id,
                 slot_id="slot-1", reason="sold_out")
    with service.unit_of_work() as uow:
        rejected = application.get_booking(uow, FAMILY, booking.id)
    assert (rejected.status, rejected.reason) == ("rejected", "sold_out")
    rejection = dict(service.emitted())[booking_events.BOOKING_REJECTED]
    assert rejection["reason"] == "sold_out"


def test_a_spend_awaiting_approval_waits_then_an_officers_decline_rejects_it(service):
    publish_slot(service)
    booking = request(service)
    service.hear(providers.SERVICE, providers.PLACES_RESERVED, booking_id=booking.id,
                 slot_id="slot-1", offer_id="offer-1", provider_id="provider-1", places=2,
                 unit_price_pence=1500, total_pence=3000, category="overnight_stay",
                 slot_start=START, slot_end=END)
    service.hear(budgets.SERVICE, budgets.APPROVAL_REQUIRED, booking_id=booking.id,
                 budget_id="budget-1", council="powys", amount_pence=3000,
                 category="overnight_stay")
    assert status(service, booking.id) == "awaiting_approval"
    with service.unit_of_work() as uow:
        waiting = application.list_awaiting_approval(uow, OFFICER, 10, None)
    assert [item.id for item in waiting["items"]] == [booking.id]
    service.hear(budgets.SERVICE, budgets.SPEND_DECLINED, booking_id=booking.id,
                 budget_id="budget-1", decided_by=OFFICER["user_id"], reason="Not in the plan")
    assert status(service, booking.id) == "rejected"


def test_a_withdrawn_slot_cancels_its_live_bookings_and_refuses_new_requests(service):
    publish_slot(service)
    booking = request(service)
    service.hear(providers.SERVICE, providers.SLOT_WITHDRAWN, slot_id="slot-1",
                 offer_id="offer-1", provider_id="provider-1", booking_ids=[booking.id])
    assert status(service, booking.id) == "cancelled"
    with service.unit_of_work() as uow:
        assert application.known_slot(uow, "slot-1").bookable is False


def test_a_refused_hold_rejects_the_booking_with_the_reason(service):
    publish_slot(service)
    booking = request(service)
    service.hear(budgets.SERVICE, budgets.HOLD_REFUSED, booking_id=booking.id,
                 budget_id="budget-1", reason="insufficient_funds")
    with service.unit_of_work() as uow:
        rejected = application.get_booking(uow, FAMILY, booking.id)
    assert (rejected.status, rejected.reason) == ("rejected", "insufficient_funds")
    [(event_type, rejection)] = service.emitted()[1:]
    assert event_type == booking_events.BOOKING_REJECTED
    assert (rejection["booking_id"], rejection["reason"], rejection["officer_reason"],
            rejection["family_id"]) == (booking.id, "insufficient_funds", None, "family-1")


def test_an_officers_approval_confirms_a_booking_whose_places_are_reserved(service):
    publish_slot(service)
    booking = request(service)
    service.hear(providers.SERVICE, providers.PLACES_RESERVED, booking_id=booking.id,
                 slot_id="slot-1", offer_id="offer-1", provider_id="provider-1", places=2,
                 unit_price_pence=1500, total_pence=3000, category="overnight_stay",
                 slot_start=START, slot_end=END)
    service.hear(budgets.SERVICE, budgets.APPROVAL_REQUIRED, booking_id=booking.id,
                 budget_id="budget-1", council="powys", amount_pence=3000,
                 category="overnight_stay")
    service.hear(budgets.SERVICE, budgets.SPEND_APPROVED, booking_id=booking.id,
                 budget_id="budget-1", decided_by=OFFICER["user_id"], reason="agreed")
    assert status(service, booking.id) == "confirmed"
    assert [event_type for event_type, _ in service.emitted()] == [
        booking_events.BOOKING_REQUESTED, booking_events.BOOKING_AWAITING_APPROVAL,
        booking_events.BOOKING_CONFIRMED]


def bookable(service):
    with service.unit_of_work() as uow:
        return application.known_slot(uow, "slot-1").bookable


def test_a_providers_latest_decision_says_whether_its_slots_take_bookings(service):
    """Decisions travel on separate queues: one heard late changes nothing when bookings
    knows a later one (by the envelope's time)."""
    publish_slot(service)
    suspended = service.hear(providers.SERVICE, providers.PROVIDER_SUSPENDED, "provider-1",
                             provider_id="provider-1", reason="complaint received")
    assert bookable(service) is False
    older = envelope(providers.PROVIDER_APPROVED, {"provider_id": "provider-1"}, "provider-1",
                     None)
    older["occurred_at"] = (datetime.datetime.fromisoformat(suspended["occurred_at"])
                            - datetime.timedelta(minutes=1)).isoformat()
    service.handle(providers.SERVICE, providers.PROVIDER_APPROVED, older)
    assert bookable(service) is False
    service.hear(providers.SERVICE, providers.PROVIDER_APPROVED, "provider-1",
                 provider_id="provider-1")
    assert bookable(service) is True
    assert service.emitted() == []


# --- waiting lists (waitlisting.py) --------------------------------------------------------

def join(service, family_id, places=1, remaining=0):
    actor = dict(FAMILY, user_id=family_id)
    with service.unit_of_work() as uow:
        return waitlisting.join(uow, actor, "slot-1", places, None, remaining, NOW)[0]


def released(service, booking_id, places=1):
    return service.hear(providers.SERVICE, providers.PLACES_RELEASED, booking_id=booking_id,
                        slot_id="slot-1", places=places)


def offers(service):
    return [(payload["family_id"], payload["booking_id"])
            for event_type, payload in service.emitted()
            if event_type == booking_events.BOOKING_OFFERED]


def test_places_released_are_offered_to_the_first_in_line_once_per_release(service):
    publish_slot(service)
    for family in ("family-a", "family-b", "family-c"):
        join(service, family)
    event = released(service, "gone-1")
    [(family, offer_id)] = offers(service)
    assert family == "family-a"
    service.handle(providers.SERVICE, providers.PLACES_RELEASED, event)  # redelivered
    released(service, "gone-1")  # announced again by providers (a new event)
    assert len(offers(service)) == 1
    with service.unit_of_work() as uow:
        offer = application._locked(uow, offer_id)
        assert (offer.status, offer.places) == ("offered", 1)
        mine = waitlisting.place(uow, dict(FAMILY, user_id="family-b"), "slot-1", None)
    assert (mine["status"], mine["place_in_line"]) == ("waiting", 1)
    released(service, "gone-2")
    assert [family for family, _ in offers(service)] == ["family-a", "family-b"]


def test_a_release_on_a_slot_nobody_waits_for_offers_nothing(service):
    publish_slot(service)
    released(service, "gone-1")
    assert offers(service) == []


def test_an_offer_whose_places_were_taken_first_puts_its_family_back_in_line(service):
    publish_slot(service)
    join(service, "family-a")
    released(service, "gone-1")
    [(_, offer_id)] = offers(service)
    service.hear(providers.SERVICE, providers.RESERVATION_REFUSED, booking_id=offer_id,
                 slot_id="slot-1", reason="sold_out")
    with service.unit_of_work() as uow:
        mine = waitlisting.place(uow, dict(FAMILY, user_id="family-a"), "slot-1", None)
        assert application._locked(uow, offer_id).status == "expired"
    assert (mine["status"], mine["place_in_line"]) == ("waiting", 1)
    types = [event_type for event_type, _ in service.emitted()]
    assert types[-1] == booking_events.BOOKING_OFFER_EXPIRED
