"""The budgets side of the booking saga, through the real broker: bookings' events in,
budgets' events out (seen by a listener on the broker), on PostgreSQL."""
import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common import dead_letters
from seibiant_common.errors import Conflict, NotFound
from devtools.processes import wait_until

from .rules import officer
from .support import (RECEIVED, Bookings, check_ledger, emitted, hold_payload, holds,
                      new_budget_data, processed, start_budgets)

POWYS, FLINTSHIRE = officer("powys", "officer-p"), officer("flintshire", "officer-f")


def received(booking_id):
    return [(event_type, payload) for event_type, payload in RECEIVED
            if payload["booking_id"] == booking_id]


def wait_for(booking_id, event_type, count=1):
    return wait_until(
        lambda: [p for t, p in received(booking_id) if t == event_type][count - 1:] or None,
        10, message="{} for {}".format(event_type, booking_id))[0]


@pytest.fixture
def saga(make_database_url, start_service, service_config):
    url = start_budgets(start_service, make_database_url, "postgresql", listener=True)
    with ServiceRpcProxy("budgets", service_config) as proxy:
        yield proxy, Bookings(service_config), url


def test_the_saga_holds_approves_captures_and_releases(saga):
    budgets, bookings, url = saga
    budget = budgets.create_budget(POWYS, new_budget_data(
        "family-1", 200_000, allowed=("overnight_stay",), auto_limit=50_000))

    # Within the plan: held and approved at once.
    auto = hold_payload(budget, "auto", 40_000)
    bookings.send("booking_requested", auto)
    held = wait_for("auto", "funds_held")
    assert held["approval"] == "auto" and held["amount_pence"] == 40_000
    assert held["budget_id"] == budget["id"] and held["hold_id"]

    # Outside the plan: held, and waits for an officer of the council.
    needs_officer = hold_payload(budget, "review", 60_000, category="group_specialist")
    bookings.send("booking_requested", needs_officer)
    assert wait_for("review", "funds_held")["approval"] == "required"
    assert wait_for("review", "approval_required") == {
        "booking_id": "review", "budget_id": budget["id"], "council": "powys",
        "amount_pence": 60_000, "category": "group_specialist", "family_id": "family-1",
        "reasons": ["category_not_allowed", "over_auto_approve_limit"]}
    pending = budgets.list_pending_approvals(POWYS)["items"]
    assert [(p["booking_id"], p["family_id"], p["amount_pence"], p["category"],
             p["available_pence"], p["reasons"]) for p in pending] == [
        ("review", "family-1", 60_000, "group_specialist", 100_000,
         ["category_not_allowed", "over_auto_approve_limit"])]
    assert budgets.list_pending_approvals(FLINTSHIRE)["items"] == []
    with pytest.raises(NotFound):  # scoping is the service's, not only the gateway's
        budgets.approve_spend(FLINTSHIRE, "review", "looks fine")
    approval = budgets.approve_spend(POWYS, "review", "agreed at the annual review")
    assert (approval["status"], approval["decided_by"], approval["reason"]) == (
        "approved", "officer-p", "agreed at the annual review")
    assert approval["decided_at"]
    assert wait_for("review", "spend_approved") == {
        "booking_id": "review", "budget_id": budget["id"], "decided_by": "officer-p",
        "reason": "agreed at the annual review"}

    # The break was delivered and cost less than held.
    bookings.send("booking_completed", {"booking_id": "review", "final_amount_pence": 55_000})
    assert wait_for("review", "funds_captured") == {
        "booking_id": "review", "budget_id": budget["id"], "amount_pence": 55_000,
        "released_pence": 5_000}

    # Cancelled: the hold comes back whole.
    bookings.send("booking_cancelled", {"booking_id": "auto", "by": "family-1"})
    assert wait_for("auto", "funds_released")["amount_pence"] == 40_000

    # Declined: recorded, and the money released at once.
    declined = hold_payload(budget, "declined", 70_000)
    bookings.send("booking_requested", declined)
    wait_for("declined", "approval_required")
    budgets.decline_spend(POWYS, "declined", "not in the support plan")
    assert wait_for("declined", "spend_declined")["reason"] == "not in the support plan"
    assert wait_for("declined", "funds_released")["amount_pence"] == 70_000
    # The saga then rejects the booking: nothing more to release, but the release is
    # announced again, and so is the decision to a hold request asked again.
    bookings.send("booking_rejected", {"booking_id": "declined", "reason": "declined"})
    assert wait_for("declined", "funds_released", count=2)["amount_pence"] == 70_000
    bookings.send("booking_requested", declined)
    assert wait_for("declined", "spend_declined", count=2)["reason"] == "not in the support plan"

    # Refused: too much.
    bookings.send("booking_requested", hold_payload(budget, "too-much", 150_000))
    assert wait_for("too-much", "hold_refused")["reason"] == "insufficient_funds"

    wait_until(lambda: holds(url)["declined"].status == "released", 10)
    balance = budgets.get_budget(POWYS, budget["id"])
    assert (balance["held_pence"], balance["spent_pence"], balance["available_pence"]) == (
        0, 55_000, 145_000)
    balances = check_ledger(url)
    assert balances[budget["id"]].spent_pence == 55_000


def test_an_expired_bookings_approval_can_no_longer_be_approved(saga):
    budgets, bookings, url = saga
    budget = budgets.create_budget(POWYS, new_budget_data(auto_limit=0))
    bookings.send("booking_requested", hold_payload(budget, "slow", 10_000))
    wait_for("slow", "approval_required")
    bookings.send("booking_expired", {"booking_id": "slow"})
    assert wait_for("slow", "funds_released")["amount_pence"] == 10_000
    assert budgets.list_pending_approvals(POWYS)["items"] == []
    with pytest.raises(Conflict) as refused:
        budgets.approve_spend(POWYS, "slow", "sorry, was on leave")
    assert refused.value.code == "approval_not_pending"
    assert holds(url)["slow"].status == "released"
    check_ledger(url)


def test_repeated_and_duplicate_requests_hold_once_and_late_resolutions_change_nothing(saga):
    budgets, bookings, url = saga
    budget = budgets.create_budget(POWYS, new_budget_data(allocated_pence=100_000))
    request = hold_payload(budget, "twice", 30_000)
    event = bookings.send("booking_requested", request)
    bookings.send("booking_requested", request, event=event)  # redelivered: same event id
    bookings.send("booking_requested", request)  # asked again: a new event id
    wait_for("twice", "funds_held", count=2)  # the retry is answered again ...
    assert budgets.get_budget(POWYS, budget["id"])["held_pence"] == 30_000  # ... held once

    for _ in range(2):
        bookings.send("booking_completed", {"booking_id": "twice", "final_amount_pence": 30_000})
    wait_for("twice", "funds_captured")
    for _ in range(2):  # too late: the hold is resolved already
        bookings.send("booking_cancelled", {"booking_id": "twice", "by": "provider"})
    wait_until(lambda: processed(url, "handle_booking_completed") == 2
               and processed(url, "handle_booking_cancelled") == 2, 10, message="handled")
    # Each request asked again is answered again; a release of a captured hold, with nothing.
    assert [t for t, _ in emitted(url, "twice")] == ["funds_held", "funds_held",
                                                     "funds_captured", "funds_captured"]
    balance = budgets.get_budget(POWYS, budget["id"])
    assert (balance["held_pence"], balance["spent_pence"]) == (0, 30_000)
    check_ledger(url)


def test_a_booking_without_a_budget_asks_for_no_hold(saga, amqp_uri):
    budgets, bookings, url = saga
    budget = budgets.create_budget(POWYS, new_budget_data(allocated_pence=100_000))
    bookings.send("booking_requested", dict(hold_payload(budget, "gifted", 0), budget_id=None))
    bookings.send("booking_requested", hold_payload(budget, "after", 1_000))
    wait_for("after", "funds_held")  # the gifted one, delivered first, needed no database
    assert "gifted" not in holds(url) and emitted(url, "gifted") == []
    assert dead_letters.list_dead_letters(amqp_uri, "budgets") == []


def test_a_booking_that_ended_before_its_hold_request_arrived_holds_nothing(saga):
    budgets, bookings, url = saga
    budget = budgets.create_budget(POWYS, new_budget_data(allocated_pence=100_000))
    bookings.send("booking_cancelled", {"booking_id": "raced", "by": "family-1"})
    wait_until(lambda: "raced" in holds(url), 10, message="the void marker")
    bookings.send("booking_requested", hold_payload(budget, "raced", 30_000))
    wait_until(lambda: processed(url, "handle_booking_requested") == 1, 10)
    assert holds(url)["raced"].status == "void"
    assert emitted(url, "raced") == []
    assert budgets.get_budget(POWYS, budget["id"])["held_pence"] == 0
    check_ledger(url)


def test_a_request_that_breaks_the_contract_is_dead_lettered_not_dropped(saga, amqp_uri):
    budgets, bookings, url = saga
    budget = budgets.create_budget(POWYS, new_budget_data())
    bookings.send("booking_requested", dict(hold_payload(budget, "bad"), amount_pence=-5))
    bookings.send("booking_requested", hold_payload(budget, "reused", 1_000))
    wait_for("reused", "funds_held")
    bookings.send("booking_requested", hold_payload(budget, "reused", 2_000))
    dead = wait_until(lambda: len(dead_letters.list_dead_letters(amqp_uri, "budgets")) == 2
                      and dead_letters.list_dead_letters(amqp_uri, "budgets"), 15,
                      message="two dead letters")
    assert sorted(d["body"]["payload"]["booking_id"] for d in dead) == ["bad", "reused"]
    errors = " ".join(d["error"] for d in dead)
    assert "InvalidInput" in errors and "hold_mismatch" in errors
    assert holds(url)["reused"].amount_pence == 1_000
    assert "bad" not in holds(url)
