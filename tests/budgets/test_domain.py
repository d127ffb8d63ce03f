"""The rules of budgets, holds and approvals: no broker, no database."""
import datetime

import pytest

from services.budgets import domain
from services.budgets.domain import Balance, NotAllowed

from .rules import END, NOW, START, budget, family, officer, request


def kinds(account):
    return [(entry.kind, entry.amount_pence) for entry in account.new_entries]


def test_a_new_budget_is_active_with_its_allocation_as_the_first_entry():
    account = budget(allocated_pence=250_000)
    assert account.status == domain.ACTIVE
    assert kinds(account) == [("allocation", 250_000)]
    assert account.balance == Balance(allocated_pence=250_000)
    assert account.balance.available_pence == 250_000
    assert [(record.action, record.actor) for record in account.new_audit] == [
        ("created", "officer-1")]


def test_a_budget_period_must_end_after_it_starts():
    with pytest.raises(NotAllowed) as refused:
        domain.Budget.open(family_id="f", council="powys", allocated_pence=1, period_start=END,
                           period_end=START, allowed_categories=(), auto_approve_limit_pence=0,
                           by="o", now=NOW)
    assert refused.value.code == "invalid_period"


def test_top_up_and_adjustments_are_entries_with_who_and_why():
    account = budget(allocated_pence=100_000)
    account.top_up(20_000, "respite review", "officer-2", NOW)
    account.adjust(-5_000, "overpayment last year", "officer-3", NOW)
    assert kinds(account)[1:] == [("top_up", 20_000), ("adjustment", -5_000)]
    adjustment = account.new_entries[-1]
    assert (adjustment.created_by, adjustment.reason) == ("officer-3", "overpayment last year")
    assert account.balance.allocated_pence == 115_000


def test_an_adjustment_may_not_take_available_below_zero():
    account = budget(allocated_pence=100_000)
    account.place_hold(request(account, amount_pence=60_000), "bookings", NOW)
    with pytest.raises(NotAllowed) as refused:
        account.adjust(-40_001, "clawback", "officer-1", NOW)
    assert refused.value.code == "insufficient_funds"
    account.adjust(-40_000, "clawback", "officer-1", NOW)
    assert account.balance.available_pence == 0


@pytest.mark.parametrize("amount, reason, code", [
    (0, "nothing", "invalid_amount"), (100, "", "reason_required")])
def test_an_adjustment_moves_money_for_a_reason(amount, reason, code):
    with pytest.raises(NotAllowed) as refused:
        budget().adjust(amount, reason, "officer-1", NOW)
    assert refused.value.code == code


def test_a_top_up_adds_at_least_a_penny():
    with pytest.raises(NotAllowed):
        budget().top_up(0, None, "officer-1", NOW)


def test_a_closed_budget_takes_no_more_changes():
    account = budget()
    account.status = domain.CLOSED
    for change in (lambda: account.top_up(1, None, "o", NOW),
                   lambda: account.adjust(1, "why", "o", NOW),
                   lambda: account.suspend("why", "o", NOW)):
        with pytest.raises(NotAllowed) as refused:
            change()
        assert refused.value.code == "budget_closed"


def test_suspension_is_audited_once():
    account = budget()
    assert account.suspend("safeguarding review", "officer-2", NOW) is True
    assert account.suspend("again", "officer-2", NOW) is False
    assert account.status == domain.SUSPENDED
    assert [(r.action, r.actor, r.reason) for r in account.new_audit[1:]] == [
        ("suspended", "officer-2", "safeguarding review")]


# Holds ---------------------------------------------------------------------------------

def test_a_spend_within_the_plan_is_held_and_approved_automatically():
    account = budget(allocated_pence=100_000, auto_limit=50_000)
    hold = account.place_hold(request(account, amount_pence=50_000), "bookings", NOW)
    assert hold.status == domain.HELD
    assert hold.approval.status == domain.AUTO
    assert (hold.approval.decided_by, hold.approval.decided_at) == (domain.SYSTEM, NOW)
    assert account.balance == Balance(100_000, 50_000, 0)
    assert account.new_entries[-1].booking_id == "booking-1"
    assert account.new_entries[-1].hold_id == hold.id


@pytest.mark.parametrize("category, amount, reasons", [
    ("group_specialist", 1_000, ("category_not_allowed",)),
    ("overnight_stay", 50_001, ("over_auto_approve_limit",)),
    ("hospitality_meal", 60_000, ("category_not_allowed", "over_auto_approve_limit")),
])
def test_a_spend_outside_the_plan_is_held_and_waits_for_an_officer(category, amount, reasons):
    account = budget(allocated_pence=100_000, auto_limit=50_000)
    hold = account.place_hold(request(account, amount_pence=amount, category=category),
                              "bookings", NOW)
    assert hold.status == domain.HELD
    assert hold.approval.status == domain.PENDING
    assert hold.approval.reasons == reasons
    assert hold.awaiting_approval
    assert account.balance.held_pence == amount  # the money stays held while it waits


def test_a_hold_of_exactly_the_available_money_succeeds_and_one_penny_more_is_refused():
    account = budget(allocated_pence=20_000)
    assert account.place_hold(request(account, "a", 20_000), "b", NOW).status == domain.HELD
    refused = account.place_hold(request(account, "b", 1), "b", NOW)
    assert (refused.status, refused.refusal_reason) == (domain.REFUSED, "insufficient_funds")
    assert account.balance.available_pence == 0


def test_a_refused_hold_moves_no_money():
    account = budget(allocated_pence=100)
    account.place_hold(request(account, amount_pence=101), "bookings", NOW)
    assert kinds(account) == [("allocation", 100)]


def test_a_suspended_budget_refuses_holds():
    account = budget()
    account.suspend("review", "officer-1", NOW)
    hold = account.place_hold(request(account), "bookings", NOW)
    assert hold.refusal_reason == "budget_inactive"


@pytest.mark.parametrize("days_in, nights", [(-1, 2), (365, 2), (400, 1)])
def test_a_break_outside_the_budget_period_is_refused(days_in, nights):
    account = budget()
    hold = account.place_hold(request(account, days_in=days_in, nights=nights), "b", NOW)
    assert hold.refusal_reason == "outside_budget_period"


def test_a_break_on_the_last_day_of_the_period_is_inside_it():
    account = budget()
    last = request(account, days_in=365, nights=1)  # the period is 366 days (2028 is leap)
    assert last.break_end == END
    assert account.place_hold(last, "b", NOW).status == domain.HELD


def test_another_familys_budget_is_refused_as_if_it_did_not_exist():
    account = budget(family_id="family-1")
    hold = account.place_hold(request(account, family_id="family-2"), "b", NOW)
    assert hold.refusal_reason == "budget_not_found"


def test_a_repeated_request_is_accepted_and_a_reused_booking_id_is_refused():
    account = budget()
    first = request(account, amount_pence=10_000)
    hold = account.place_hold(first, "b", NOW)
    domain.check_repeat(hold, first)
    for other in (request(account, amount_pence=10_001),
                  request(account, amount_pence=10_000, family_id="family-2")):
        with pytest.raises(NotAllowed) as refused:
            domain.check_repeat(hold, other)
        assert refused.value.code == "hold_mismatch"


def test_a_void_marker_answers_any_late_request_for_its_booking():
    void = domain.Hold.void("booking-1", "bookings", NOW, "cancelled")
    domain.check_repeat(void, request(budget()))
    assert domain.unchanged(void) == domain.NOT_HELD


# Capture and release ---------------------------------------------------------------------

def held(account, amount=30_000, category="overnight_stay", booking_id="booking-1"):
    return account.place_hold(request(account, booking_id, amount, category), "b", NOW)


def test_capture_spends_the_whole_hold_by_default():
    account = budget(allocated_pence=100_000)
    hold = held(account, 30_000)
    result = account.capture(hold, None, "bookings", NOW)
    assert (result.outcome, result.captured_pence, result.released_pence) == (
        "captured", 30_000, 0)
    assert account.balance == Balance(100_000, 0, 30_000)
    assert (hold.status, hold.captured_pence, hold.resolved_at) == ("captured", 30_000, NOW)


def test_a_partial_capture_spends_part_and_releases_the_rest():
    account = budget(allocated_pence=100_000)
    hold = held(account, 30_000)
    result = account.capture(hold, 18_000, "bookings", NOW)
    assert (result.captured_pence, result.released_pence) == (18_000, 12_000)
    assert kinds(account)[-2:] == [("capture", 18_000), ("hold_release", 12_000)]
    assert account.balance == Balance(100_000, 0, 18_000)


def test_a_capture_may_not_exceed_the_hold():
    account = budget()
    hold = held(account, 30_000)
    with pytest.raises(NotAllowed) as refused:
        account.capture(hold, 30_001, "bookings", NOW)
    assert refused.value.code == "capture_exceeds_hold"
    assert hold.status == domain.HELD


def test_a_spend_awaiting_approval_cannot_be_captured():
    account = budget()
    hold = held(account, 1_000, category="group_specialist")
    with pytest.raises(NotAllowed) as refused:
        account.capture(hold, None, "bookings", NOW)
    assert refused.value.code == "approval_pending"


def test_release_returns_the_whole_hold():
    account = budget(allocated_pence=100_000)
    hold = held(account, 30_000)
    result = account.release(hold, "bookings", NOW, "booking cancelled")
    assert (result.outcome, result.released_pence) == ("released", 30_000)
    assert account.balance == Balance(100_000, 0, 0)
    assert (hold.status, hold.resolution_reason) == ("released", "booking cancelled")


@pytest.mark.parametrize("first, second, outcome", [
    ("capture", "capture", "already_captured"),
    ("capture", "release", "already_captured"),
    ("release", "release", "already_released"),
    ("release", "capture", "already_released"),
])
def test_a_hold_is_resolved_at_most_once_and_a_late_resolution_says_so(first, second, outcome):
    account = budget()
    hold = held(account)

    def resolve(how):
        if how == "capture":
            return account.capture(hold, None, "bookings", NOW)
        return account.release(hold, "bookings", NOW, "cancelled")

    resolve(first)
    entries, balance = list(account.new_entries), account.balance
    result = resolve(second)
    assert result.outcome == outcome and not result.changed
    assert (account.new_entries, account.balance) == (entries, balance)


def test_a_refused_hold_has_nothing_to_capture_or_release():
    account = budget(allocated_pence=10)
    hold = held(account, 11)
    assert account.capture(hold, None, "b", NOW).outcome == "not_held"
    assert account.release(hold, "b", NOW, "x").outcome == "not_held"


# Approvals -------------------------------------------------------------------------------

def pending(account, amount=20_000):
    return held(account, amount, category="group_specialist")


def test_an_officer_approves_with_who_when_and_why():
    account = budget()
    hold = pending(account)
    later = NOW + datetime.timedelta(hours=3)
    assert account.decide(hold, True, "officer-2", "agreed at review", later) is None
    assert (hold.approval.status, hold.approval.decided_by, hold.approval.decided_at,
            hold.approval.reason) == ("approved", "officer-2", later, "agreed at review")
    assert hold.status == domain.HELD
    assert account.capture(hold, None, "bookings", NOW).outcome == "captured"


def test_a_declined_spend_is_recorded_and_its_money_released_at_once():
    account = budget(allocated_pence=100_000)
    hold = pending(account, 20_000)
    result = account.decide(hold, False, "officer-2", "not in the support plan", NOW)
    assert result.outcome == "released"
    assert (hold.approval.status, hold.approval.reason) == ("declined", "not in the support plan")
    assert hold.status == domain.RELEASED
    assert account.balance.available_pence == 100_000


def test_a_decision_is_taken_once():
    account = budget()
    hold = pending(account)
    account.decide(hold, True, "officer-2", "ok", NOW)
    for approve in (True, False):
        with pytest.raises(NotAllowed) as refused:
            account.decide(hold, approve, "officer-3", "changed my mind", NOW)
        assert refused.value.code == "approval_not_pending"


def test_an_automatic_approval_is_not_for_an_officer_to_decide():
    account = budget()
    hold = held(account, 1_000)
    with pytest.raises(NotAllowed):
        account.decide(hold, False, "officer-2", "no", NOW)


def test_a_released_spend_awaiting_approval_is_withdrawn_and_cannot_be_approved():
    account = budget()
    hold = pending(account)
    account.release(hold, "bookings", NOW, "booking expired")
    assert (hold.approval.status, hold.approval.reason) == ("withdrawn", "booking expired")
    with pytest.raises(NotAllowed) as refused:
        account.decide(hold, True, "officer-2", "late", NOW)
    assert refused.value.code == "approval_not_pending"


def test_a_suspended_budget_can_decline_but_not_approve():
    account = budget()
    first, second = pending(account), held(account, 5_000, "group_specialist", "booking-2")
    account.suspend("review", "officer-1", NOW)
    with pytest.raises(NotAllowed) as refused:
        account.decide(first, True, "officer-2", "ok", NOW)
    assert refused.value.code == "budget_inactive"
    assert account.decide(second, False, "officer-2", "suspended", NOW).outcome == "released"


# Who sees what ---------------------------------------------------------------------------

def test_officers_see_their_councils_budgets_and_families_their_own():
    account = budget(family_id="family-1", council="powys")
    assert domain.visible_to(officer("powys"), account)
    assert not domain.visible_to(officer("flintshire"), account)
    assert domain.visible_to(family("family-1"), account)
    assert not domain.visible_to(family("family-2"), account)
    for role in ("provider", "admin"):
        assert not domain.visible_to({"user_id": "family-1", "role": role,
                                      "council": "powys"}, account)
    assert domain.may_manage_budgets(officer())
    assert not domain.may_manage_budgets(family())
    assert domain.may_read_budgets(family())


def test_a_balance_is_the_sum_of_its_entries():
    account = budget(allocated_pence=100_000)
    hold = held(account, 40_000)
    account.top_up(5_000, None, "o", NOW)
    account.capture(hold, 25_000, "b", NOW)
    assert Balance.of(account.new_entries) == account.balance == Balance(105_000, 0, 25_000)


@pytest.mark.parametrize("approve,action", [(True, "spend_approved"),
                                            (False, "spend_declined")])
def test_a_decision_is_in_the_budgets_audit_trail_with_why_and_who(approve, action):
    account = budget()
    hold = pending(account, 20_000)
    account.new_audit.clear()
    account.decide(hold, approve, "officer-2", "agreed at the review", NOW)
    [record] = account.new_audit
    assert (record.budget_id, record.action, record.actor, record.at) == (
        account.id, action, "officer-2", NOW)
    assert hold.booking_id in record.reason and "agreed at the review" in record.reason
    assert all(why in record.reason for why in hold.approval.reasons) and hold.approval.reasons
