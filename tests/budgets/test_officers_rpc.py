"""What officers do to budgets over RPC (the real broker and database): suspend and reinstate,
the budget's history, the decisions taken, and the monitoring return as CSV, which must
reconcile with the statements of the same budgets."""
import csv
import io

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.errors import Forbidden, NotFound

from .rules import family, officer
from .support import check_ledger, hold_payload, new_budget_data, start_budgets

POWYS, FLINTSHIRE = officer("powys", "officer-p"), officer("flintshire", "officer-f")
HALF_WAY = "2027-10-01T00:00:00+00:00"  # 183 of the period's 366 days


@pytest.fixture
def budgets(make_database_url, start_service, service_config):
    url = start_budgets(start_service, make_database_url, "sqlite",
                        RECLAIM_WEEKS_BY_COUNCIL={"powys": 4})
    with ServiceRpcProxy("budgets", service_config) as proxy:
        proxy.url = url
        yield proxy


def test_a_suspended_budget_refuses_new_holds_keeps_its_holds_and_is_reinstated(budgets):
    budget = budgets.create_budget(POWYS, new_budget_data("family-1", 100_000))
    assert budgets.hold_funds(**hold_payload(budget, "b1", 20_000))["status"] == "held"
    suspended = budgets.suspend(POWYS, budget["id"], "safeguarding review")
    assert (suspended["status"], suspended["held_pence"]) == ("suspended", 20_000)
    refused = budgets.hold_funds(**hold_payload(budget, "b2", 1_000))
    assert (refused["status"], refused["refusal_reason"]) == ("refused", "budget_inactive")
    # the booking made before the suspension still ends as bookings do: delivered, paid
    assert budgets.capture_funds("b1")["outcome"] == "captured"

    reinstated = budgets.reinstate(POWYS, budget["id"], "review closed")
    assert (reinstated["status"], reinstated["spent_pence"]) == ("active", 20_000)
    assert budgets.reinstate(POWYS, budget["id"])["status"] == "active"  # changes nothing
    assert budgets.hold_funds(**hold_payload(budget, "b3", 1_000))["status"] == "held"
    with pytest.raises(NotFound):
        budgets.reinstate(FLINTSHIRE, budget["id"])
    with pytest.raises(Forbidden):
        budgets.reinstate(family("family-1"), budget["id"])

    history = budgets.get_history(POWYS, budget["id"])
    assert [(item["action"], item["by"], item["amount_pence"], item["reason"])
            for item in history["items"]] == [
        ("created", "officer-p", None, None),
        ("allocation", "officer-p", 100_000, "initial allocation"),
        ("hold", "service:bookings", 20_000, None),
        ("suspended", "officer-p", None, "safeguarding review"),
        ("capture", "service:bookings", 20_000, "break delivered"),
        ("reinstated", "officer-p", None, "review closed"),
        ("hold", "service:bookings", 1_000, None)]
    assert history["budget"]["id"] == budget["id"]
    with pytest.raises(NotFound):
        budgets.get_history(FLINTSHIRE, budget["id"])
    with pytest.raises(Forbidden):
        budgets.get_history(family("family-1"), budget["id"])
    check_ledger(budgets.url)


def test_the_decisions_officers_took_are_listed_latest_first_with_who_and_why(budgets):
    budget = budgets.create_budget(POWYS, new_budget_data("family-1", 300_000))
    budgets.hold_funds(**hold_payload(budget, "big-1", 60_000))  # over the 50,000 limit
    budgets.hold_funds(**hold_payload(budget, "big-2", 70_000))
    budgets.hold_funds(**hold_payload(budget, "small", 1_000))  # approved automatically
    budgets.approve_spend(POWYS, "big-1", "agreed at the review")
    budgets.decline_spend(POWYS, "big-2", "too much at once")

    decided = budgets.list_decided_approvals(POWYS)
    assert [(a["booking_id"], a["status"], a["decided_by"], a["reason"], a["reasons"])
            for a in decided["items"]] == [
        ("big-2", "declined", "officer-p", "too much at once", ["over_auto_approve_limit"]),
        ("big-1", "approved", "officer-p", "agreed at the review",
         ["over_auto_approve_limit"])]
    assert all(a["decided_at"] for a in decided["items"])
    assert budgets.list_decided_approvals(FLINTSHIRE)["items"] == []
    with pytest.raises(Forbidden):
        budgets.list_decided_approvals(family("family-1"))
    history = budgets.get_history(POWYS, budget["id"])
    assert [item["reason"] for item in history["items"]
            if item["action"] in ("spend_approved", "spend_declined")] == [
        "booking big-1 (over_auto_approve_limit): agreed at the review",
        "booking big-2 (over_auto_approve_limit): too much at once"]


def test_the_monitoring_csv_reconciles_with_the_statements(budgets):
    both = ("overnight_stay", "hospitality_meal")
    first = budgets.create_budget(POWYS, new_budget_data("family-1", 366_000, allowed=both))
    second = budgets.create_budget(POWYS, new_budget_data("family-2", 183_000, allowed=both))
    far = budgets.create_budget(FLINTSHIRE, new_budget_data("family-3", 100_000))
    budgets.top_up(POWYS, first["id"], 10_000, "respite week agreed")
    budgets.adjust(POWYS, second["id"], -3_000, "overpaid")
    budgets.hold_funds(**hold_payload(first, "f1", 20_000))
    budgets.capture_funds("f1", 15_000)
    budgets.hold_funds(**hold_payload(first, "f2", 4_000, category="hospitality_meal"))
    budgets.capture_funds("f2")
    budgets.hold_funds(**hold_payload(second, "s1", 7_000))  # held, not yet spent
    budgets.hold_funds(**hold_payload(far, "x1", 5_000))

    rows = list(csv.DictReader(io.StringIO(budgets.get_monitoring_csv(POWYS, HALF_WAY))))
    assert [row["budget_id"] for row in rows] == [first["id"], second["id"]]
    for row in rows:
        last = budgets.get_statement(POWYS, row["budget_id"])["entries"][-1]["balance"]
        assert {name: int(row[name]) for name in last} == last
        assert int(row["spent_overnight_stay_pence"]) + int(
            row["spent_hospitality_meal_pence"]) == int(row["spent_pence"])
    first_row, second_row = rows
    assert (first_row["spent_overnight_stay_pence"], first_row["spent_hospitality_meal_pence"],
            first_row["spent_pence"]) == ("15000", "4000", "19000")
    # 376,000 allocated over 366 days; half-way 188,000 is paid, 19,000 spent: a surplus of
    # 169,000, over 4 weeks (Powys's setting) of 376,000 / 366 days: 28,765.
    assert (first_row["allocation_to_date_pence"], first_row["surplus_pence"],
            first_row["reclaim_weeks"], first_row["reclaim_threshold_pence"],
            first_row["surplus_over_threshold"]) == ("188000", "169000", "4", "28765", "true")
    assert (second_row["allocated_pence"], second_row["held_pence"],
            second_row["spent_pence"]) == ("180000", "7000", "0")
    far_rows = list(csv.DictReader(io.StringIO(budgets.get_monitoring_csv(FLINTSHIRE))))
    assert [(row["budget_id"], row["reclaim_weeks"]) for row in far_rows] == [(far["id"], "8")]
    with pytest.raises(Forbidden):
        budgets.get_monitoring_csv(family("family-1"))
