"""The providers service's handlers and use cases in milliseconds (Cosmic Python's
`test_handlers.py`): each event of `EVENT_HANDLERS` fed as an envelope to its handler, and the
providers' and officers' use cases called, over a real unit of work on SQLite, with no
broker; what providers decided is read back from the slot, the booking's reservation, the
audit trail and the events it wrote to its outbox. The same code answers the queues and the
RPCs in `service.py`."""
import datetime

import pytest
import sqlalchemy as sa

from seibiant_common.contracts import bookings
from seibiant_common.contracts import providers as events
from seibiant_common.types import utcnow
from services.providers import application, domain, handlers, models, schemas
from tests.handler_support import Service

OFFICER = {"user_id": "officer-p", "role": "officer", "council": "powys", "provider_id": None}
PRICE = 1500
ENDINGS = {  # each event that ends a booking, with its payload
    bookings.BOOKING_REJECTED: {"reason": "hold_refused"},
    bookings.BOOKING_CANCELLED: {"by": "family-1"},
    bookings.BOOKING_EXPIRED: {},
}


@pytest.fixture
def service(tmp_path):
    return Service("providers", models, handlers.EVENT_HANDLERS, tmp_path)


def register(service, user_id="provider-user"):
    data = schemas.parse(schemas.RegisterProviderSchema(), {
        "user_id": user_id, "name": "Tŷ Gwyn", "kind": "short_break", "regions": ["powys"]})
    with service.unit_of_work() as uow:
        provider_id = application.register_provider(uow, data)["id"]
    return provider_id, {"user_id": user_id, "role": "provider", "council": None,
                         "provider_id": provider_id}


def decide(service, provider_id, action, reason=None):
    with service.unit_of_work() as uow:
        return application.decide_provider(uow, OFFICER, provider_id, action, reason)["status"]


@pytest.fixture
def provider(service):
    """An approved provider's actor, with an offer of hospitality meals at 1500 pence."""
    provider_id, actor = register(service)
    decide(service, provider_id, "approve")
    data = schemas.parse(schemas.CreateOfferSchema(), {
        "title": "Quiet afternoon", "category": "hospitality_meal", "price_pence": PRICE,
        "region": "powys"})
    with service.unit_of_work() as uow:
        actor["offer_id"] = application.create_offer(uow, actor, data)["id"]
    return actor


def start_in(days):
    """A whole hour `days` from now, in UTC (slots must start in the future)."""
    return utcnow().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=days)


def publish(service, actor, *capacities):
    """Two-hour slots of the offer, a day apart from tomorrow; their views."""
    starts = [(start_in(days), capacity) for days, capacity in enumerate(capacities, start=1)]
    data = schemas.parse(schemas.PublishSlotsSchema(), {"slots": [
        {"start": start.isoformat(), "end": (start + datetime.timedelta(hours=2)).isoformat(),
         "capacity": capacity} for start, capacity in starts]})
    with service.unit_of_work() as uow:
        return application.publish_slots(uow, actor, actor["offer_id"], data)["items"]


@pytest.fixture
def slot(service, provider):
    """A slot of three places (its view, with its provider as `places_reserved` names it)."""
    [published] = publish(service, provider, 3)
    return dict(published, provider_id=provider["provider_id"])


def booking_requested(service, slot_id, places=2, booking_id="booking-1"):
    start = start_in(1)
    return service.hear(
        bookings.SERVICE, bookings.BOOKING_REQUESTED, booking_id, booking_id=booking_id,
        family_id="family-1", council="powys", slot_id=slot_id, places=places,
        budget_id="budget-1", amount_pence=PRICE * places, category="hospitality_meal",
        break_start=start, break_end=start + datetime.timedelta(hours=2))


def booking_ended(service, event_type, booking_id="booking-1"):
    return service.hear(bookings.SERVICE, event_type, booking_id, booking_id=booking_id,
                        **ENDINGS[event_type])


def remaining(service, slot_id):
    with service.unit_of_work() as uow:
        return application.get_slot(uow, slot_id)["remaining"]


def reservation(service, booking_id="booking-1"):
    """(status, reason, places) of the booking's reservation, None if never heard of."""
    with service.unit_of_work() as uow:
        found = uow.session.get(domain.Reservation, booking_id)
        return found and (found.status, found.reason, found.places)


def audit(service, subject_id):
    """(action, actor, detail) of what was done to a provider, offer or slot, oldest first."""
    entries = models.audit_entries
    with service.store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.select(entries.c.action, entries.c.actor_user_id, entries.c.detail)
            .where(entries.c.subject_id == subject_id).order_by(entries.c.id))]


def places_reserved(slot, places=2, booking_id="booking-1"):
    return (events.PLACES_RESERVED, {
        "booking_id": booking_id, "slot_id": slot["id"], "offer_id": slot["offer_id"],
        "provider_id": slot["provider_id"], "places": places, "unit_price_pence": PRICE,
        "total_pence": PRICE * places, "category": "hospitality_meal",
        "slot_start": slot["start"].isoformat(), "slot_end": slot["end"].isoformat()})


def test_the_table_answers_the_request_and_every_end_of_a_booking():
    assert set(handlers.EVENT_HANDLERS) == {(bookings.SERVICE, event_type) for event_type in (
        bookings.BOOKING_REQUESTED, bookings.BOOKING_OFFERED, *bookings.ENDED,
        bookings.BOOKING_OFFER_EXPIRED)}
    assert set(bookings.ENDED) == set(ENDINGS)


def booking_offered(service, slot_id, places=2, booking_id="offer-1"):
    return service.hear(bookings.SERVICE, bookings.BOOKING_OFFERED, booking_id,
                        booking_id=booking_id, slot_id=slot_id, places=places,
                        offer_expires_at=start_in(1))


def test_a_waiting_lists_offer_holds_its_places_as_a_request_would(service, slot):
    booking_offered(service, slot["id"], places=2)
    assert service.emitted()[2:] == [places_reserved(slot, 2, booking_id="offer-1")]
    assert reservation(service, "offer-1") == ("reserved", None, 2)
    assert remaining(service, slot["id"]) == 1
    # more than remain: refused as sold out (the first come took them)
    booking_offered(service, slot["id"], places=2, booking_id="offer-2")
    assert reservation(service, "offer-2") == ("refused", "sold_out", 2)


def test_an_offer_that_expired_gives_its_places_back(service, slot):
    booking_offered(service, slot["id"], places=2)
    service.hear(bookings.SERVICE, bookings.BOOKING_OFFER_EXPIRED, "offer-1",
                 booking_id="offer-1", slot_id=slot["id"], reason=None)
    assert service.emitted()[3:] == [(events.PLACES_RELEASED, {
        "booking_id": "offer-1", "slot_id": slot["id"], "places": 2})]
    assert remaining(service, slot["id"]) == 3


def test_an_officers_approval_and_suspension_are_announced_once_each_and_audited(service):
    provider_id, _actor = register(service)
    assert decide(service, provider_id, "approve") == "approved"
    assert decide(service, provider_id, "approve") == "approved"  # again: nothing new
    assert decide(service, provider_id, "suspend", "complaint received") == "suspended"
    assert decide(service, provider_id, "suspend", "complaint received") == "suspended"
    assert decide(service, provider_id, "approve") == "approved"
    # what a family who books needs to reach it (notifications)
    approved = {"provider_id": provider_id, "name": "Tŷ Gwyn", "contact_email": None,
                "contact_phone": None}
    assert service.emitted() == [
        (events.PROVIDER_APPROVED, approved),
        (events.PROVIDER_SUSPENDED, {"provider_id": provider_id,
                                     "reason": "complaint received"}),
        (events.PROVIDER_APPROVED, approved)]
    assert audit(service, provider_id) == [
        ("registered", "provider-user", {}),
        ("approved", "officer-p", {"reason": None, "previous_status": "pending"}),
        ("suspended", "officer-p", {"reason": "complaint received",
                                    "previous_status": "approved"}),
        ("approved", "officer-p", {"reason": None, "previous_status": "suspended"})]


def test_published_slots_are_announced_with_what_a_booking_of_them_needs(service, provider):
    published = publish(service, provider, 3, 5)
    assert [(slot["capacity"], slot["remaining"], slot["status"]) for slot in published] == [
        (3, 3, "open"), (5, 5, "open")]
    assert service.emitted()[1:] == [(events.SLOTS_PUBLISHED, {
        "offer_id": provider["offer_id"], "provider_id": provider["provider_id"],
        "category": "hospitality_meal", "price_pence": PRICE, "region": "powys",
        "title": "Quiet afternoon", "title_cy": None,
        "slots": [{"id": slot["id"], "start": slot["start"].isoformat(),
                   "end": slot["end"].isoformat(), "capacity": slot["capacity"],
                   "allocation": "first_come", "applications_close_at": None}
                  for slot in published]})]


def test_a_requested_booking_reserves_its_places(service, slot):
    booking_requested(service, slot["id"], places=2)
    assert service.emitted()[2:] == [places_reserved(slot, 2)]
    assert reservation(service) == ("reserved", None, 2)
    assert remaining(service, slot["id"]) == 1


def test_a_request_for_more_places_than_remain_is_refused_as_sold_out(service, slot):
    booking_requested(service, slot["id"], places=2)
    booking_requested(service, slot["id"], places=2, booking_id="booking-2")
    assert service.emitted()[3:] == [(events.RESERVATION_REFUSED, {
        "booking_id": "booking-2", "slot_id": slot["id"], "reason": "sold_out"})]
    assert reservation(service, "booking-2") == ("refused", "sold_out", 2)
    assert remaining(service, slot["id"]) == 1
    booking_requested(service, slot["id"], places=1, booking_id="booking-3")
    assert service.emitted()[4:] == [places_reserved(slot, 1, "booking-3")]
    assert remaining(service, slot["id"]) == 0


def withdrawn(service, provider, slot):
    with service.unit_of_work() as uow:
        application.withdraw_slot(uow, provider, slot["id"])
    return slot["id"]


def suspended(service, provider, slot):
    decide(service, provider["provider_id"], "suspend", "complaint received")
    return slot["id"]


@pytest.mark.parametrize("make_slot_id, reason", [
    (withdrawn, "slot_not_bookable"),
    (suspended, "provider_not_approved"),
    (lambda service, provider, slot: "no-such-slot", "slot_not_bookable"),
], ids=["withdrawn", "provider_suspended", "unknown"])
def test_a_request_the_slot_cannot_take_is_refused_with_the_reason(
        service, provider, slot, make_slot_id, reason):
    slot_id = make_slot_id(service, provider, slot)
    booking_requested(service, slot_id)
    assert service.emitted()[-1] == (events.RESERVATION_REFUSED, {
        "booking_id": "booking-1", "slot_id": slot_id, "reason": reason})
    assert reservation(service) == ("refused", reason, 2)
    assert remaining(service, slot["id"]) == 3


@pytest.mark.parametrize("event_type", ENDINGS)
def test_a_booking_that_ends_gives_its_places_back(service, slot, event_type):
    booking_requested(service, slot["id"], places=2)
    booking_ended(service, event_type)
    assert service.emitted()[3:] == [(events.PLACES_RELEASED, {
        "booking_id": "booking-1", "slot_id": slot["id"], "places": 2})]
    assert reservation(service) == ("released", None, 2)
    assert remaining(service, slot["id"]) == 3


def test_a_refused_booking_that_ends_has_no_places_to_give_back(service, slot):
    booking_requested(service, slot["id"], places=4)  # of three
    booking_ended(service, bookings.BOOKING_REJECTED)
    assert [event_type for event_type, _ in service.emitted()[2:]] == [
        events.RESERVATION_REFUSED]
    assert reservation(service) == ("refused", "sold_out", 4)
    assert remaining(service, slot["id"]) == 3


def test_a_booking_that_ended_before_its_request_came_reserves_nothing(service, slot):
    booking_ended(service, bookings.BOOKING_CANCELLED)
    booking_requested(service, slot["id"], places=2)  # late: the queues are separate
    assert service.emitted()[2:] == []
    assert reservation(service) == ("released", None, 0)
    assert remaining(service, slot["id"]) == 3


@pytest.mark.parametrize("event_type", [bookings.BOOKING_REQUESTED, *ENDINGS])
def test_a_redelivered_event_changes_nothing(service, slot, event_type):
    event = booking_requested(service, slot["id"], places=2)
    if event_type != bookings.BOOKING_REQUESTED:
        event = booking_ended(service, event_type)
    before = (service.emitted(), reservation(service), remaining(service, slot["id"]))
    service.handle(bookings.SERVICE, event_type, event)
    assert (service.emitted(), reservation(service), remaining(service, slot["id"])) == before


def test_the_same_request_or_release_again_is_answered_again_and_moves_no_places(
        service, slot):
    """A new event for the same booking (the saga's retry, whose answer may have been
    dead-lettered) is told the outcome again, as a new event."""
    booking_requested(service, slot["id"], places=2)
    booking_requested(service, slot["id"], places=2)
    assert service.emitted()[2:] == [places_reserved(slot, 2)] * 2
    assert remaining(service, slot["id"]) == 1

    booking_requested(service, slot["id"], places=2, booking_id="booking-2")
    booking_requested(service, slot["id"], places=2, booking_id="booking-2")
    refused = (events.RESERVATION_REFUSED, {
        "booking_id": "booking-2", "slot_id": slot["id"], "reason": "sold_out"})
    assert service.emitted()[4:] == [refused] * 2

    booking_ended(service, bookings.BOOKING_CANCELLED)
    booking_ended(service, bookings.BOOKING_CANCELLED)
    released = (events.PLACES_RELEASED, {
        "booking_id": "booking-1", "slot_id": slot["id"], "places": 2})
    assert service.emitted()[6:] == [released] * 2
    assert remaining(service, slot["id"]) == 3


def test_a_withdrawn_slot_announces_the_bookings_still_holding_places(
        service, provider, slot):
    for booking_id in ("booking-1", "booking-2", "booking-3"):
        booking_requested(service, slot["id"], places=1, booking_id=booking_id)
    booking_ended(service, bookings.BOOKING_CANCELLED, booking_id="booking-2")
    with service.unit_of_work() as uow:
        answer = application.withdraw_slot(uow, provider, slot["id"])
    assert (answer["status"], answer["booking_ids"]) == ("withdrawn", ["booking-1", "booking-3"])
    withdrawal = (events.SLOT_WITHDRAWN, {
        "slot_id": slot["id"], "offer_id": provider["offer_id"],
        "provider_id": provider["provider_id"], "booking_ids": ["booking-1", "booking-3"]})
    assert service.emitted()[-1] == withdrawal
    assert audit(service, slot["id"]) == [
        ("withdrawn", "provider-user", {"booking_ids": ["booking-1", "booking-3"]})]
    with service.unit_of_work() as uow:  # again: nothing new to announce
        application.withdraw_slot(uow, provider, slot["id"])
    assert service.emitted()[-1] == withdrawal
    assert [event_type for event_type, _ in service.emitted()].count(
        events.SLOT_WITHDRAWN) == 1
