"""The booking lifecycle of docs/api-v1.md, as a table and through the aggregate (no broker, no
database)."""
import dataclasses
import itertools
from typing import Callable, NamedTuple

import pytest

from seibiant_common import vocabularies
from services.bookings import state_machine as sm
from services.bookings.domain import NotAllowed, WrongRole

from .factories import (
    BOTH, FAMILY, FUNDS, HOUR, NOW, OFFICER, PROVIDER, TIMEOUTS, booking_in, state_of,
)

# Written out from docs/api-v1.md "Booking lifecycle", independently of the module's table.
ALLOWED = {
    ("requested", "confirmed"), ("requested", "awaiting_approval"), ("requested", "rejected"),
    ("awaiting_approval", "confirmed"), ("awaiting_approval", "rejected"),
    ("awaiting_approval", "expired"),
    ("confirmed", "completed"), ("confirmed", "cancelled"),
    ("requested", "cancelled"), ("awaiting_approval", "cancelled"),
    # a waiting list's offer (docs/contracts.md, "Waiting lists")
    ("offered", "requested"), ("offered", "expired"), ("offered", "cancelled"),
}
EVERY_PAIR = list(itertools.product(sm.STATUSES, sm.STATUSES))


def test_the_statuses_are_those_of_the_api():
    assert set(sm.STATUSES) == {"requested", "awaiting_approval", "confirmed", "completed",
                                "rejected", "cancelled", "expired", "offered"}
    assert sm.FINAL == {"completed", "rejected", "cancelled", "expired"}


def test_the_table_has_every_status_of_the_vocabulary_and_no_other():
    assert set(sm.TRANSITIONS) == set(vocabularies.BOOKING_STATUSES)
    for following in sm.TRANSITIONS.values():
        assert following <= set(vocabularies.BOOKING_STATUSES)


def test_cancellable_and_live_agree_with_the_table():
    assert vocabularies.CANCELLABLE == {status for status, following in sm.TRANSITIONS.items()
                                        if sm.CANCELLED in following}
    # live: the saga has still to answer (not yet confirmed, nothing final); an offer waits
    # for its family, not for the saga
    assert vocabularies.LIVE == vocabularies.CANCELLABLE - {sm.CONFIRMED, sm.OFFERED}


@pytest.mark.parametrize("from_status,to_status", sorted(ALLOWED))
def test_an_allowed_transition_passes(from_status, to_status):
    assert sm.allowed(from_status, to_status)
    sm.check(from_status, to_status)


@pytest.mark.parametrize("from_status,to_status",
                         [pair for pair in EVERY_PAIR if pair not in ALLOWED])
def test_every_other_transition_is_refused(from_status, to_status):
    assert not sm.allowed(from_status, to_status)
    with pytest.raises(sm.TransitionRefused):
        sm.check(from_status, to_status)


# --- each allowed transition, as the saga makes it -------------------------------------

class Case(NamedTuple):
    from_status: str
    waiting: str | None
    how: Callable
    to_status: str
    by: str
    price_pence: int = 1500
    at: object = NOW


LATER = NOW + 100 * HOUR  # past every deadline, after the break started
NO_RETRIES = dataclasses.replace(TIMEOUTS, max_retries=0)
SAGA = [
    Case("requested", FUNDS, lambda b: b.funds_held("auto", NOW, TIMEOUTS), "confirmed",
         "budgets"),
    Case("requested", BOTH, lambda b: b.places_reserved(0, NOW, TIMEOUTS),
         "confirmed", "providers", price_pence=0),
    Case("requested", FUNDS, lambda b: b.spend_approved("officer-1", "fine", NOW), "confirmed",
         "officer-1"),
    Case("requested", FUNDS, lambda b: b.funds_held("required", NOW, TIMEOUTS),
         "awaiting_approval", "budgets"),
    Case("requested", FUNDS, lambda b: b.approval_required(NOW, TIMEOUTS), "awaiting_approval",
         "budgets"),
    Case("requested", BOTH, lambda b: b.reservation_refused("sold_out", NOW), "rejected",
         "providers"),
    Case("requested", FUNDS, lambda b: b.hold_refused("insufficient_funds", NOW), "rejected",
         "budgets"),
    Case("requested", FUNDS, lambda b: b.spend_declined("officer-1", "no", NOW), "rejected",
         "officer-1"),
    Case("requested", BOTH, lambda b: b.step_timed_out(LATER, NO_RETRIES), "rejected",
         "system", at=LATER),
    Case("requested", BOTH, lambda b: b.cancel(FAMILY, NOW), "cancelled", "family-1"),
    Case("requested", FUNDS, lambda b: b.slot_withdrawn(NOW), "cancelled", "system"),
    Case("awaiting_approval", None, lambda b: b.spend_approved("officer-1", "ok", NOW),
         "confirmed", "officer-1"),
    Case("awaiting_approval", None, lambda b: b.spend_declined("officer-1", "no", NOW),
         "rejected", "officer-1"),
    Case("awaiting_approval", None, lambda b: b.approval_timed_out(LATER), "expired", "system",
         at=LATER),
    Case("awaiting_approval", None, lambda b: b.cancel(PROVIDER, NOW), "cancelled",
         "provider-user-1"),
    Case("confirmed", None, lambda b: b.complete(PROVIDER, None, LATER), "completed",
         "provider-user-1", at=LATER),
    Case("confirmed", None, lambda b: b.cancel(FAMILY, NOW), "cancelled", "family-1"),
    Case("offered", None, lambda b: b.accept(FAMILY, "budget-1", None, NOW, TIMEOUTS),
         "requested", "family-1"),
    Case("offered", None, lambda b: b.offer_timed_out(NOW + TIMEOUTS.offer), "expired",
         "system", at=NOW + TIMEOUTS.offer),
    Case("offered", None, lambda b: b.cancel(FAMILY, NOW), "cancelled", "family-1"),
]


@pytest.mark.parametrize("case", SAGA, ids=lambda c: "{}-{}".format(c.from_status, c.to_status))
def test_the_saga_makes_each_allowed_transition_and_records_it(case):
    booking = booking_in(case.from_status, case.waiting, price_pence=case.price_pence,
                         budget_id=None if case.price_pence == 0 else "budget-1")
    recorded = len(booking.transitions)
    case.how(booking)
    assert booking.status == case.to_status
    assert len(booking.transitions) == recorded + 1
    last = booking.transitions[-1]
    assert (last.from_status, last.to_status, last.at, last.by) == (
        case.from_status, case.to_status, case.at, case.by)
    assert last.why
    assert booking.updated_at == case.at


def test_every_allowed_transition_is_made_by_the_saga():
    assert {(case.from_status, case.to_status) for case in SAGA} == ALLOWED


def test_the_first_transition_records_the_request():
    first = booking_in("requested").transitions[0]
    assert (first.from_status, first.to_status, first.at, first.by) == (
        None, "requested", NOW, "family-1")


# --- what is refused, through the aggregate --------------------------------------------

ANSWERS = {
    "places_reserved": lambda b: b.places_reserved(1500, NOW, TIMEOUTS),
    "reservation_refused": lambda b: b.reservation_refused("sold_out", NOW),
    "funds_held auto": lambda b: b.funds_held("auto", NOW, TIMEOUTS),
    "funds_held required": lambda b: b.funds_held("required", NOW, TIMEOUTS),
    "approval_required": lambda b: b.approval_required(NOW, TIMEOUTS),
    "spend_approved": lambda b: b.spend_approved("officer-1", "ok", NOW),
    "spend_declined": lambda b: b.spend_declined("officer-1", "no", NOW),
    "hold_refused": lambda b: b.hold_refused("insufficient_funds", NOW),
    "slot_withdrawn": lambda b: b.slot_withdrawn(NOW),
    "step timeout": lambda b: b.step_timed_out(LATER, TIMEOUTS),
    "approval timeout": lambda b: b.approval_timed_out(LATER),
}


@pytest.mark.parametrize("status", sorted(sm.FINAL))
@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_a_late_answer_never_changes_a_final_booking(status, answer):
    booking = booking_in(status)
    before = state_of(booking)
    ANSWERS[answer](booking)
    assert state_of(booking) == before


@pytest.mark.parametrize("answer", sorted(set(ANSWERS) - {"slot_withdrawn"}))
def test_a_late_answer_never_changes_a_confirmed_booking(answer):
    booking = booking_in("confirmed")
    before = state_of(booking)
    assert ANSWERS[answer](booking) == []
    assert state_of(booking) == before


@pytest.mark.parametrize("answer", ["places_reserved", "reservation_refused", "funds_held auto",
                                    "funds_held required", "approval_required",
                                    "hold_refused", "step timeout"])
def test_an_answer_to_an_earlier_step_never_changes_a_booking_awaiting_approval(answer):
    booking = booking_in("awaiting_approval")
    before = state_of(booking)
    assert ANSWERS[answer](booking) == []
    assert state_of(booking) == before


@pytest.mark.parametrize("answer", ["funds_held auto", "funds_held required",
                                    "approval_required", "spend_approved"])
def test_budgets_alone_never_settles_a_booking_whose_places_are_not_reserved(answer):
    booking = booking_in("requested", BOTH)
    ANSWERS[answer](booking)
    assert (booking.status, len(booking.transitions)) == ("requested", 1)
    assert booking.missing_answers() == ["providers"]


@pytest.mark.parametrize("answer", ["places_reserved", "reservation_refused"])
def test_a_repeated_providers_answer_never_changes_a_booking_with_its_places(answer):
    booking = booking_in("requested", FUNDS)
    before = state_of(booking)
    assert ANSWERS[answer](booking) == []
    assert state_of(booking) == before


@pytest.mark.parametrize("status", sorted(sm.FINAL))
@pytest.mark.parametrize("actor", [FAMILY, PROVIDER])
def test_a_final_booking_cannot_be_cancelled(status, actor):
    booking = booking_in(status)
    with pytest.raises(NotAllowed) as refused:
        booking.cancel(actor, NOW)
    assert refused.value.code == "not_cancellable"


@pytest.mark.parametrize("status", [s for s in sm.STATUSES if s != "confirmed"])
def test_only_a_confirmed_booking_can_be_completed(status):
    booking = booking_in(status)
    before = state_of(booking)
    with pytest.raises(NotAllowed) as refused:
        booking.complete(PROVIDER, None, LATER)
    assert refused.value.code == "not_confirmed"
    assert state_of(booking) == before


def test_an_officer_may_neither_cancel_nor_complete():
    booking = booking_in("confirmed")
    with pytest.raises(WrongRole):
        booking.cancel(OFFICER, NOW)
    with pytest.raises(WrongRole):
        booking.complete(OFFICER, None, LATER)
    assert booking.status == "confirmed"
