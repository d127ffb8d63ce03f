"""The budgets service's handlers and use cases in milliseconds (Cosmic Python's
`test_handlers.py`): each event of `EVENT_HANDLERS` fed as an envelope to its handler, and the
officers' use cases called, over a real unit of work on SQLite, with no broker; what budgets
decided is read back from the budget (its balance and statement), the hold, and the events
it wrote to its outbox. The same code answers the queues and the RPCs in `service.py`."""
import datetime

import pytest
import sqlalchemy as sa

from seibiant_common.contracts import bookings
from seibiant_common.contracts import budgets as events
from seibiant_common.errors import Conflict
from services.budgets import application as app
from services.budgets import domain, handlers, models, schemas
from tests.handler_support import Service

from .rules import END, START, officer

OFFICER = officer("powys", "officer-p")
BREAK_START = START + datetime.timedelta(days=30)
BREAK_END = BREAK_START + datetime.timedelta(days=2)
ALLOCATED = 100_000  # within the plan: overnight stays of up to 50_000 pence
ENDINGS = {  # each event that ends a booking, with its payload and why its hold goes back
    bookings.BOOKING_REJECTED: ({"reason": "sold_out"}, "booking rejected: sold_out"),
    bookings.BOOKING_CANCELLED: ({"by": "family-1"}, "booking cancelled by family-1"),
    bookings.BOOKING_EXPIRED: ({}, "booking expired awaiting approval"),
}


@pytest.fixture
def service(tmp_path):
    return Service("budgets", models, handlers.EVENT_HANDLERS, tmp_path)


@pytest.fixture
def budget_id(service):
    data = schemas.parse(schemas.CreateBudgetSchema(), {
        "family_id": "family-1", "allocated_pence": ALLOCATED,
        "period_start": START.isoformat(), "period_end": END.isoformat(),
        "allowed_categories": ["overnight_stay"], "auto_approve_limit_pence": 50_000})
    with service.unit_of_work() as uow:
        return app.create_budget(uow, OFFICER, data).id


def booking_requested(service, budget_id, amount_pence=40_000, category="overnight_stay",
                      booking_id="booking-1"):
    return service.hear(
        bookings.SERVICE, bookings.BOOKING_REQUESTED, booking_id, booking_id=booking_id,
        family_id="family-1", council="powys", slot_id="slot-1", places=2,
        budget_id=budget_id, amount_pence=amount_pence, category=category,
        break_start=BREAK_START, break_end=BREAK_END)


def booking_ended(service, event_type, booking_id="booking-1"):
    payload, _why = ENDINGS[event_type]
    return service.hear(bookings.SERVICE, event_type, booking_id, booking_id=booking_id,
                        **payload)


def booking_completed(service, final_amount_pence, booking_id="booking-1"):
    return service.hear(bookings.SERVICE, bookings.BOOKING_COMPLETED, booking_id,
                        booking_id=booking_id, final_amount_pence=final_amount_pence)


def decide(service, approve, reason, booking_id="booking-1"):
    with service.unit_of_work() as uow:
        app.decide_spend(uow, OFFICER, booking_id, approve, reason)


def balance(service, budget_id):
    with service.unit_of_work() as uow:
        return app.get_budget(uow, OFFICER, budget_id).balance


def statement(service, budget_id):
    """The budget's ledger, oldest first: (kind, pence)."""
    with service.unit_of_work() as uow:
        _budget, entries = app.get_statement(uow, OFFICER, budget_id)
    return [(entry.kind, entry.amount_pence) for entry in entries]


def hold_of(service, booking_id="booking-1"):
    """The booking's hold, with its approval; None if budgets has not heard of the booking."""
    with service.unit_of_work() as uow:
        return uow.session.scalars(sa.select(domain.Hold).where(
            models.holds.c.booking_id == booking_id)).one_or_none()


def pending(service):
    with service.unit_of_work() as uow:
        page = app.pending_approvals(uow, OFFICER, 10, None)
    return [(hold.booking_id, tuple(hold.approval.reasons)) for hold, _ in page["items"]]


def funds_held(budget_id, hold_id, amount_pence, approval):
    return (events.FUNDS_HELD, {"booking_id": "booking-1", "budget_id": budget_id,
                                "hold_id": hold_id, "amount_pence": amount_pence,
                                "approval": approval})


def approval_required(budget_id, amount_pence, category, reasons):
    return (events.APPROVAL_REQUIRED, {"booking_id": "booking-1", "budget_id": budget_id,
                                       "council": "powys", "amount_pence": amount_pence,
                                       "category": category, "family_id": "family-1",
                                       "reasons": list(reasons)})


def test_the_table_answers_the_request_and_every_end_of_a_booking():
    assert set(handlers.EVENT_HANDLERS) == {(bookings.SERVICE, event_type) for event_type in (
        bookings.BOOKING_REQUESTED, *ENDINGS, bookings.BOOKING_COMPLETED)}


def test_a_hold_within_the_plan_is_held_and_approved_at_once(service, budget_id):
    booking_requested(service, budget_id, 40_000)
    hold = hold_of(service)
    assert (hold.status, hold.approval.status, hold.approval.decided_by) == (
        "held", "auto", "system")
    assert service.emitted() == [funds_held(budget_id, hold.id, 40_000, "auto")]
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 40_000, 0)
    assert statement(service, budget_id) == [("allocation", ALLOCATED), ("hold", 40_000)]
    assert pending(service) == []


@pytest.mark.parametrize("amount_pence, category, reasons", [
    (50_001, "overnight_stay", ("over_auto_approve_limit",)),
    (10_000, "group_specialist", ("category_not_allowed",)),
    (60_000, "group_specialist", ("category_not_allowed", "over_auto_approve_limit")),
])
def test_a_spend_over_the_limit_or_of_a_kind_not_agreed_is_held_for_an_officer(
        service, budget_id, amount_pence, category, reasons):
    booking_requested(service, budget_id, amount_pence, category)
    hold = hold_of(service)
    assert (hold.status, hold.approval.status) == ("held", "pending")
    assert service.emitted() == [funds_held(budget_id, hold.id, amount_pence, "required"),
                                 approval_required(budget_id, amount_pence, category,
                                                   reasons)]
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, amount_pence, 0)
    assert pending(service) == [("booking-1", reasons)]


def test_an_officers_approval_keeps_the_hold_and_the_completion_captures_it(
        service, budget_id):
    booking_requested(service, budget_id, 60_000)
    decide(service, True, "agreed at the annual review")
    assert service.emitted()[2:] == [(events.SPEND_APPROVED, {
        "booking_id": "booking-1", "budget_id": budget_id, "decided_by": "officer-p",
        "reason": "agreed at the annual review"})]
    hold = hold_of(service)
    assert (hold.status, hold.approval.status, hold.approval.decided_by) == (
        "held", "approved", "officer-p")
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 60_000, 0)
    assert pending(service) == []

    booking_completed(service, 55_000)
    assert service.emitted()[3:] == [(events.FUNDS_CAPTURED, {
        "booking_id": "booking-1", "budget_id": budget_id, "amount_pence": 55_000,
        "released_pence": 5_000})]
    hold = hold_of(service)
    assert (hold.status, hold.captured_pence, hold.released_pence) == ("captured", 55_000, 5_000)
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 55_000)
    assert statement(service, budget_id) == [("allocation", ALLOCATED), ("hold", 60_000),
                                             ("capture", 55_000), ("hold_release", 5_000)]


def test_an_officers_decline_gives_the_hold_back_at_once(service, budget_id):
    booking_requested(service, budget_id, 60_000)
    decide(service, False, "not in the support plan")
    assert service.emitted()[2:] == [
        (events.SPEND_DECLINED, {"booking_id": "booking-1", "budget_id": budget_id,
                                 "decided_by": "officer-p",
                                 "reason": "not in the support plan"}),
        (events.FUNDS_RELEASED, {"booking_id": "booking-1", "budget_id": budget_id,
                                 "amount_pence": 60_000})]
    hold = hold_of(service)
    assert (hold.status, hold.released_pence, hold.approval.status) == (
        "released", 60_000, "declined")
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 0)
    assert statement(service, budget_id) == [("allocation", ALLOCATED), ("hold", 60_000),
                                             ("hold_release", 60_000)]
    with pytest.raises(Conflict) as refused:  # a decision is taken once
        decide(service, True, "changed my mind")
    assert refused.value.code == "approval_not_pending"


def test_the_whole_hold_is_captured_on_completion(service, budget_id):
    booking_requested(service, budget_id, 40_000)
    booking_completed(service, 40_000)
    assert service.emitted()[1:] == [(events.FUNDS_CAPTURED, {
        "booking_id": "booking-1", "budget_id": budget_id, "amount_pence": 40_000,
        "released_pence": 0})]
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 40_000)
    assert statement(service, budget_id) == [("allocation", ALLOCATED), ("hold", 40_000),
                                             ("capture", 40_000)]


def suspended(service, budget_id):
    with service.unit_of_work() as uow:
        app.suspend(uow, OFFICER, budget_id, "under review")
    return budget_id


@pytest.mark.parametrize("make_budget_id, amount_pence, reason", [
    (lambda service, budget_id: budget_id, ALLOCATED + 1, "insufficient_funds"),
    (suspended, 40_000, "budget_inactive"),
    (lambda service, budget_id: "no-such-budget", 40_000, "budget_not_found"),
], ids=["insufficient_funds", "suspended", "unknown"])
def test_a_hold_the_budget_cannot_give_is_refused_with_the_reason(
        service, budget_id, make_budget_id, amount_pence, reason):
    asked_of = make_budget_id(service, budget_id)
    booking_requested(service, asked_of, amount_pence)
    assert service.emitted() == [(events.HOLD_REFUSED, {
        "booking_id": "booking-1", "budget_id": asked_of, "reason": reason})]
    hold = hold_of(service)
    assert (hold.status, hold.refusal_reason, hold.approval) == ("refused", reason, None)
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 0)
    assert statement(service, budget_id) == [("allocation", ALLOCATED)]


@pytest.mark.parametrize("event_type", ENDINGS)
def test_a_booking_that_ends_gives_its_hold_back(service, budget_id, event_type):
    booking_requested(service, budget_id, 40_000)
    booking_ended(service, event_type)
    assert service.emitted()[1:] == [(events.FUNDS_RELEASED, {
        "booking_id": "booking-1", "budget_id": budget_id, "amount_pence": 40_000})]
    hold = hold_of(service)
    assert (hold.status, hold.released_pence, hold.resolution_reason) == (
        "released", 40_000, ENDINGS[event_type][1])
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 0)
    assert statement(service, budget_id) == [("allocation", ALLOCATED), ("hold", 40_000),
                                             ("hold_release", 40_000)]


def test_a_booking_that_expires_awaiting_approval_withdraws_the_approval(service, budget_id):
    booking_requested(service, budget_id, 60_000)
    booking_ended(service, bookings.BOOKING_EXPIRED)
    assert hold_of(service).approval.status == "withdrawn"
    assert pending(service) == []
    with pytest.raises(Conflict) as refused:
        decide(service, True, "too late")
    assert refused.value.code == "approval_not_pending"
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 0)


def test_a_completion_of_a_spend_still_awaiting_approval_is_refused(service, budget_id):
    booking_requested(service, budget_id, 60_000)
    with pytest.raises(Conflict) as refused:
        booking_completed(service, 60_000)
    assert refused.value.code == "approval_pending"
    assert len(service.emitted()) == 2  # funds_held, approval_required
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 60_000, 0)


def test_a_booking_without_a_budget_needs_no_hold(service, budget_id):
    booking_requested(service, None)
    assert (service.emitted(), hold_of(service)) == ([], None)
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 0)


def test_a_booking_that_ended_before_its_hold_request_came_holds_nothing(service, budget_id):
    booking_ended(service, bookings.BOOKING_CANCELLED)
    booking_requested(service, budget_id, 40_000)  # late: the queues are separate
    hold = hold_of(service)
    assert (hold.status, hold.amount_pence) == ("void", 0)
    assert service.emitted() == []
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 0)


@pytest.mark.parametrize("event_type", [bookings.BOOKING_REQUESTED, *ENDINGS,
                                        bookings.BOOKING_COMPLETED])
def test_a_redelivered_event_changes_nothing(service, budget_id, event_type):
    requested = booking_requested(service, budget_id, 40_000)
    if event_type == bookings.BOOKING_REQUESTED:
        event = requested
    elif event_type == bookings.BOOKING_COMPLETED:
        event = booking_completed(service, 30_000)
    else:
        event = booking_ended(service, event_type)
    before = (service.emitted(), statement(service, budget_id), balance(service, budget_id))
    service.handle(bookings.SERVICE, event_type, event)
    assert (service.emitted(), statement(service, budget_id),
            balance(service, budget_id)) == before


def test_the_same_request_again_is_answered_again_and_holds_nothing_more(service, budget_id):
    """A new event for the same booking (the saga's retry, whose answer may have been
    dead-lettered) is told where the hold stands, as a new event."""
    booking_requested(service, budget_id, 60_000)
    first = service.emitted()
    booking_requested(service, budget_id, 60_000)
    assert service.emitted() == first + first  # funds_held (required), approval_required
    decide(service, True, "agreed")
    approved = service.emitted()[-1]
    booking_requested(service, budget_id, 60_000)
    assert service.emitted()[-2:] == [first[0], approved]
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 60_000, 0)
    assert statement(service, budget_id) == [("allocation", ALLOCATED), ("hold", 60_000)]


def test_a_declined_or_refused_request_again_is_told_so_again(service, budget_id):
    booking_requested(service, budget_id, 60_000)
    decide(service, False, "not agreed")
    declined = service.emitted()[2]
    booking_requested(service, budget_id, 60_000)
    assert service.emitted()[4:] == [declined]

    booking_requested(service, budget_id, ALLOCATED + 1, booking_id="booking-2")
    refused = service.emitted()[-1]
    booking_requested(service, budget_id, ALLOCATED + 1, booking_id="booking-2")
    assert service.emitted()[-2:] == [refused, refused]
    assert refused[1]["reason"] == "insufficient_funds"


def test_a_capture_or_release_asked_again_is_announced_again(service, budget_id):
    booking_requested(service, budget_id, 40_000)
    booking_completed(service, 30_000)
    captured = service.emitted()[-1]
    booking_completed(service, 30_000)
    assert service.emitted()[-2:] == [captured, captured]

    booking_requested(service, budget_id, 20_000, booking_id="booking-2")
    booking_ended(service, bookings.BOOKING_CANCELLED, booking_id="booking-2")
    released = service.emitted()[-1]
    booking_ended(service, bookings.BOOKING_CANCELLED, booking_id="booking-2")
    assert service.emitted()[-2:] == [released, released]
    assert released[1]["amount_pence"] == 20_000
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 0, 30_000)


def test_the_booking_id_again_with_other_terms_is_refused_and_changes_nothing(
        service, budget_id):
    booking_requested(service, budget_id, 40_000)
    with pytest.raises(Conflict) as refused:
        booking_requested(service, budget_id, 30_000)
    assert refused.value.code == "hold_mismatch"
    assert len(service.emitted()) == 1
    assert balance(service, budget_id) == domain.Balance(ALLOCATED, 40_000, 0)
