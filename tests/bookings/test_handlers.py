"""The bookings service's handlers and use cases in milliseconds (Cosmic Python's
`test_handlers.py`): each event of `EVENT_HANDLERS` fed as an envelope to its handler, over a
real unit of work on SQLite, with no broker; what it decided is read back from the booking
and from the outbox it wrote. The same code answers the queues in `service.py`."""
import datetime
import json
import types

import pytest
import sqlalchemy as sa

from seibiant_common.contracts import bookings as booking_events
from seibiant_common.contracts import budgets, payloads, providers
from seibiant_common.database import Store, make_engine
from seibiant_common.errors import Conflict
from seibiant_common.outbox import envelope
from services.bookings import application, handlers, models

from .factories import FAMILY, OFFICER, TIMEOUTS

START = datetime.datetime(2099, 6, 5, 17, 0, tzinfo=datetime.timezone.utc)
END = START + datetime.timedelta(hours=3)
NOW = datetime.datetime(2099, 6, 1, 9, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def service(tmp_path):
    engine = make_engine("sqlite:///{}".format(tmp_path / "bookings.sqlite3"))
    models.Base.metadata.create_all(engine)
    store = Store(engine, *models.PLUMBING_TABLES)
    return types.SimpleNamespace(store=store, timeouts=TIMEOUTS)


def handle(service, producer, event_type, event):
    """As the service's entrypoint would: its units of work named after the handler (the
    name under which it marks the events it applied)."""
    handler = handlers.EVENT_HANDLERS[(producer, event_type)]
    db = types.SimpleNamespace(unit_of_work=lambda: service.store.unit_of_work(
        handler_name="bookings." + handler.__name__))
    handler(types.SimpleNamespace(db=db, timeouts=service.timeouts), event)


def hear(service, producer, event_type, aggregate_id="a", **payload):
    event = envelope(event_type, payloads.dump(event_type, payload), aggregate_id, None)
    handle(service, producer, event_type, event)
    return event


def emitted(service):
    """The events bookings wrote to its outbox, oldest first: (type, payload)."""
    outbox = models.PLUMBING_TABLES[0]
    with service.store.engine.connect() as connection:
        rows = connection.execute(sa.select(outbox.c.body).order_by(outbox.c.seq)).all()
    return [(body["event_type"], body["payload"]) for body in map(json.loads,
                                                                 (row[0] for row in rows))]


def publish_slot(service, price_pence=1500, category="overnight_stay"):
    hear(service, providers.SERVICE, providers.SLOTS_PUBLISHED, offer_id="offer-1",
         provider_id="provider-1", category=category, price_pence=price_pence,
         slots=[{"id": "slot-1", "start": START, "end": END}])


def request(service, key="key-1", places=2, budget_id="budget-1"):
    with service.store.unit_of_work() as uow:
        return application.request_known_slot(uow, FAMILY, {
            "idempotency_key": key, "slot_id": "slot-1", "places": places,
            "budget_id": budget_id}, NOW, TIMEOUTS)


def status(service, booking_id):
    with service.store.unit_of_work() as uow:
        return application.get_booking(uow, FAMILY, booking_id).status


def test_a_request_for_a_published_slot_starts_the_saga_without_asking_providers(service):
    publish_slot(service)
    booking = request(service)
    assert (booking.status, booking.total_pence) == ("requested", 3000)
    [(event_type, payload)] = emitted(service)
    assert event_type == booking_events.BOOKING_REQUESTED
    assert (payload["booking_id"], payload["places"], payload["budget_id"]) == (
        booking.id, 2, "budget-1")


def test_the_same_key_is_the_same_booking_and_another_body_with_it_a_conflict(service):
    publish_slot(service)
    first = request(service)
    assert request(service).id == first.id
    with pytest.raises(Conflict):
        request(service, places=3)
    assert len(emitted(service)) == 1


def test_an_unheard_of_slot_is_none_so_that_the_service_asks_providers(service):
    assert request(service) is None
    assert emitted(service) == []


def test_both_answers_confirm_in_either_order_and_a_repeat_changes_nothing(service):
    publish_slot(service)
    booking = request(service)
    held = hear(service, budgets.SERVICE, budgets.FUNDS_HELD, booking_id=booking.id,
                budget_id="budget-1", hold_id="hold-1", amount_pence=3000, approval="auto")
    assert status(service, booking.id) == "requested"
    hear(service, providers.SERVICE, providers.PLACES_RESERVED, booking_id=booking.id,
         slot_id="slot-1", offer_id="offer-1", provider_id="provider-1", places=2,
         unit_price_pence=1500, total_pence=3000, category="overnight_stay",
         slot_start=START, slot_end=END)
    assert status(service, booking.id) == "confirmed"
    handle(service, budgets.SERVICE, budgets.FUNDS_HELD, held)  # redelivered
    types_emitted = [event_type for event_type, _ in emitted(service)]
    assert types_emitted == [booking_events.BOOKING_REQUESTED,
                             booking_events.BOOKING_CONFIRMED]


def test_sold_out_rejects_and_gives_back_the_funds_already_held(service):
    publish_slot(service)
    booking = request(service)
    hear(service, budgets.SERVICE, budgets.FUNDS_HELD, booking_id=booking.id,
         budget_id="budget-1", hold_id="hold-1", amount_pence=3000, approval="auto")
    hear(service, providers.SERVICE, providers.RESERVATION_REFUSED, booking_id=booking.id,
         slot_id="slot-1", reason="sold_out")
    with service.store.unit_of_work() as uow:
        rejected = application.get_booking(uow, FAMILY, booking.id)
    assert (rejected.status, rejected.reason) == ("rejected", "sold_out")
    rejection = dict(emitted(service))[booking_events.BOOKING_REJECTED]
    assert rejection["reason"] == "sold_out"


def test_a_spend_awaiting_approval_waits_then_an_officers_decline_rejects_it(service):
    publish_slot(service)
    booking = request(service)
    hear(service, providers.SERVICE, providers.PLACES_RESERVED, booking_id=booking.id,
         slot_id="slot-1", offer_id="offer-1", provider_id="provider-1", places=2,
         unit_price_pence=1500, total_pence=3000, category="overnight_stay",
         slot_start=START, slot_end=END)
    hear(service, budgets.SERVICE, budgets.APPROVAL_REQUIRED, booking_id=booking.id,
         budget_id="budget-1", council="powys", amount_pence=3000, category="overnight_stay")
    assert status(service, booking.id) == "awaiting_approval"
    with service.store.unit_of_work() as uow:
        waiting = application.list_awaiting_approval(uow, OFFICER, 10, None)
    assert [item.id for item in waiting["items"]] == [booking.id]
    hear(service, budgets.SERVICE, budgets.SPEND_DECLINED, booking_id=booking.id,
         budget_id="budget-1", decided_by=OFFICER["user_id"], reason="Not in the plan")
    assert status(service, booking.id) == "rejected"


def test_a_withdrawn_slot_cancels_its_live_bookings_and_refuses_new_requests(service):
    publish_slot(service)
    booking = request(service)
    hear(service, providers.SERVICE, providers.SLOT_WITHDRAWN, slot_id="slot-1",
         offer_id="offer-1", provider_id="provider-1", booking_ids=[booking.id])
    assert status(service, booking.id) == "cancelled"
    with service.store.unit_of_work() as uow:
        assert application.known_slot(uow, "slot-1").bookable is False
