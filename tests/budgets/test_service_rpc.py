"""The budgets service's RPC against the real broker and a real database: officers' changes,
scoping, statements, input validation and holds asked for over RPC."""
import csv
import io

import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.budgets.models import budgets as budget_rows

from .rules import family, officer
from .support import check_ledger, emitted, hold_payload, new_budget_data, start_budgets

POWYS, FLINTSHIRE = officer("powys", "officer-p"), officer("flintshire", "officer-f")
PROVIDER = {"user_id": "p1", "role": "provider", "council": None, "provider_id": "prov-1"}


@pytest.fixture
def budgets(make_database_url, start_service, service_config):
    url = start_budgets(start_service, make_database_url, "sqlite")
    with ServiceRpcProxy("budgets", service_config) as proxy:
        proxy.url = url
        yield proxy


def test_an_officer_creates_tops_up_adjusts_and_suspends_and_the_statement_shows_it(budgets):
    budget = budgets.create_budget(POWYS, new_budget_data(
        "family-1", 200_000, family_council="powys"))
    assert budget["council"] == "powys" and budget["status"] == "active"
    assert (budget["allocated_pence"], budget["available_pence"]) == (200_000, 200_000)
    assert budget["period_start"] == "2027-04-01T00:00:00+00:00"

    budgets.top_up(POWYS, budget["id"], 5_000, "annual review")
    after = budgets.adjust(POWYS, budget["id"], -15_000, "overpaid in March")
    assert after["allocated_pence"] == after["available_pence"] == 190_000
    with pytest.raises(Conflict) as refused:
        budgets.adjust(POWYS, budget["id"], -190_001, "clawback")
    assert refused.value.code == "insufficient_funds"
    suspended = budgets.suspend(POWYS, budget["id"], "safeguarding review")
    assert suspended["status"] == "suspended"
    held = budgets.hold_funds(**hold_payload(budget))
    assert (held["status"], held["refusal_reason"]) == ("refused", "budget_inactive")

    statement = budgets.get_statement(POWYS, budget["id"])
    assert [(e["kind"], e["amount_pence"], e["created_by"], e["reason"])
            for e in statement["entries"]] == [
        ("allocation", 200_000, "officer-p", "initial allocation"),
        ("top_up", 5_000, "officer-p", "annual review"),
        ("adjustment", -15_000, "officer-p", "overpaid in March")]
    assert [e["balance"]["available_pence"] for e in statement["entries"]] == [
        200_000, 205_000, 190_000]
    rows = list(csv.DictReader(io.StringIO(budgets.get_statement_csv(POWYS, budget["id"]))))
    assert [(r["kind"], r["amount_pence"], r["available_pence"]) for r in rows] == [
        ("allocation", "200000", "200000"), ("top_up", "5000", "205000"),
        ("adjustment", "-15000", "190000")]
    check_ledger(budgets.url)


def test_nobody_sees_or_changes_what_is_not_theirs(budgets):
    budget = budgets.create_budget(POWYS, new_budget_data("family-1"))
    budgets.create_budget(POWYS, new_budget_data("family-2"))
    for call in (lambda: budgets.get_budget(FLINTSHIRE, budget["id"]),
                 lambda: budgets.get_statement(FLINTSHIRE, budget["id"]),
                 lambda: budgets.top_up(FLINTSHIRE, budget["id"], 100, "review"),
                 lambda: budgets.adjust(FLINTSHIRE, budget["id"], -100, "x"),
                 lambda: budgets.suspend(FLINTSHIRE, budget["id"], "x"),
                 lambda: budgets.get_budget(family("family-2"), budget["id"]),
                 lambda: budgets.get_budget(POWYS, "no-such-budget")):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):  # a family of another council, as the gateway knows it
        budgets.create_budget(POWYS, new_budget_data("family-9", family_council="flintshire"))
    for call in (lambda: budgets.get_budget(PROVIDER, budget["id"]),
                 lambda: budgets.create_budget(family("family-1"), new_budget_data()),
                 lambda: budgets.top_up(family("family-1"), budget["id"], 100, "review"),
                 lambda: budgets.list_pending_approvals(family("family-1"))):
        with pytest.raises(Forbidden):
            call()

    assert budgets.get_budget(family("family-1"), budget["id"])["id"] == budget["id"]
    assert [b["family_id"] for b in budgets.list_budgets(family("family-1"))["items"]] == [
        "family-1"]
    assert budgets.list_budgets(family("family-1"), family_id="family-2")["items"] == []
    assert budgets.list_budgets(FLINTSHIRE)["items"] == []
    assert budgets.get_budget(POWYS, budget["id"])["available_pence"] == 200_000


def test_lists_are_paginated_with_an_opaque_cursor(budgets):
    made = [budgets.create_budget(POWYS, new_budget_data("family-{}".format(n)))["id"]
            for n in range(5)]
    seen, cursor = [], None
    while True:
        page = budgets.list_budgets(POWYS, limit=2, cursor=cursor)
        seen += [b["id"] for b in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    assert [b["id"] for b in budgets.list_budgets(POWYS, family_id="family-3")["items"]] == [
        made[3]]
    with pytest.raises(InvalidInput) as invalid:
        budgets.list_budgets(POWYS, cursor="not-a-cursor")
    assert "cursor" in invalid.value.errors


BAD_BUDGETS = [
    ({"allowed_categories": ["spa_day"]}, "allowed_categories"),
    ({"allocated_pence": -1}, "allocated_pence"),
    ({"allocated_pence": 100.5}, "allocated_pence"),
    ({"allocated_pence": "100"}, "allocated_pence"),
    ({"allocated_pence": True}, "allocated_pence"),
    ({"allocated_pence": 10 ** 40}, "allocated_pence"),
    ({"auto_approve_limit_pence": 1.0}, "auto_approve_limit_pence"),
    ({"period_end": "2027-03-01T00:00:00+00:00"}, "period_end"),
    ({"period_start": "2027-04-01T00:00:00"}, "period_start"),
    ({"period_start": "yesterday"}, "period_start"),
    ({"family_id": ""}, "family_id"),
    ({"family_id": "x" * 65}, "family_id"),
    ({"surprise": 1}, "surprise"),
]


def test_bad_input_is_refused_naming_the_field_and_stores_nothing(budgets):
    for change, field in BAD_BUDGETS:
        with pytest.raises(InvalidInput) as invalid:
            budgets.create_budget(POWYS, dict(new_budget_data(), **change))
        assert field in invalid.value.errors, (change, invalid.value.errors)
    data = new_budget_data()
    del data["period_end"]
    with pytest.raises(InvalidInput) as invalid:
        budgets.create_budget(POWYS, data)
    assert "period_end" in invalid.value.errors
    with pytest.raises(InvalidInput) as invalid:
        budgets.create_budget({"user_id": "o", "role": "officer"}, new_budget_data())
    assert "council" in invalid.value.errors

    engine = sa.create_engine(budgets.url)
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(budget_rows)).scalar() == 0
    engine.dispose()

    budget = budgets.create_budget(POWYS, new_budget_data())
    for call, field in (
            (lambda: budgets.top_up(POWYS, budget["id"], 0, "review"), "amount_pence"),
            (lambda: budgets.top_up(POWYS, budget["id"], 99.99, "review"), "amount_pence"),
            (lambda: budgets.adjust(POWYS, budget["id"], 0, "x"), "amount_pence"),
            (lambda: budgets.adjust(POWYS, budget["id"], -10, ""), "reason"),
            (lambda: budgets.suspend(POWYS, budget["id"], None), "reason"),
            (lambda: budgets.get_budget(POWYS, 42), "budget_id"),
            (lambda: budgets.decline_spend(POWYS, "b1", None), "reason"),
            (lambda: budgets.capture_funds("b1", -5), "amount_pence"),
            (lambda: budgets.hold_funds(**dict(hold_payload(budget), category="spa")),
             "category"),
            (lambda: budgets.hold_funds(**dict(hold_payload(budget), amount_pence=1.5)),
             "amount_pence")):
        with pytest.raises(InvalidInput) as invalid:
            call()
        assert field in invalid.value.errors
    assert len(budgets.get_statement(POWYS, budget["id"])["entries"]) == 1


def test_holds_over_rpc_are_idempotent_by_booking_and_say_why_they_are_refused(budgets):
    budget = budgets.create_budget(POWYS, new_budget_data("family-1", 30_000))
    request = hold_payload(budget, "booking-1", 20_000)
    first = budgets.hold_funds(**request)
    assert (first["status"], first["approval"]) == ("held", "auto")
    again = budgets.hold_funds(**request)
    assert again["hold_id"] == first["hold_id"]
    assert budgets.get_budget(POWYS, budget["id"])["held_pence"] == 20_000
    with pytest.raises(Conflict) as mismatch:
        budgets.hold_funds(**dict(request, amount_pence=20_001))
    assert mismatch.value.code == "hold_mismatch"

    refusals = {
        "insufficient_funds": hold_payload(budget, "booking-2", 10_001),
        "outside_budget_period": hold_payload(budget, "booking-3", 100, days_in=-3),
        "budget_not_found": dict(hold_payload(budget, "booking-4", 100), budget_id="nope"),
    }
    refusals["budget_not_found_for_another_family"] = dict(
        hold_payload(budget, "booking-5", 100), family_id="family-2")
    for reason, request in refusals.items():
        answer = budgets.hold_funds(**request)
        assert (answer["status"], answer["refusal_reason"]) == (
            "refused", reason.replace("_for_another_family", ""))

    captured = budgets.capture_funds("booking-1", 15_000)
    assert (captured["outcome"], captured["captured_pence"], captured["released_pence"]) == (
        "captured", 15_000, 5_000)
    assert budgets.capture_funds("booking-1")["outcome"] == "already_captured"
    assert budgets.release_funds("booking-1")["outcome"] == "already_captured"
    assert budgets.release_funds("booking-2")["outcome"] == "not_held"
    assert budgets.release_funds("never-heard-of")["outcome"] == "not_held"
    balance = budgets.get_budget(family("family-1"), budget["id"])
    assert (balance["held_pence"], balance["spent_pence"], balance["available_pence"]) == (
        0, 15_000, 15_000)
    assert [event for event, _ in emitted(budgets.url, "booking-1")] == [
        "funds_held", "funds_held", "funds_captured", "funds_captured"]
    check_ledger(budgets.url)


def test_the_monitoring_summary_flags_a_surplus_over_eight_weeks(budgets):
    budget = budgets.create_budget(POWYS, new_budget_data("family-1", 366 * 1_000))
    budgets.hold_funds(**hold_payload(budget, "b1", 20_000))
    budgets.capture_funds("b1")
    # Half-way (183 of 366 days): 183,000 paid to date, 20,000 spent: 163,000 surplus,
    # more than 8 weeks (56,000).
    summary = budgets.get_monitoring_summary(POWYS, budget["id"],
                                             as_of="2027-10-01T00:00:00+00:00")
    assert summary["spent_by_category"] == {"overnight_stay": 20_000}
    assert (summary["allocation_to_date_pence"], summary["surplus_pence"],
            summary["reclaim_threshold_pence"], summary["surplus_over_threshold"]) == (
        183_000, 163_000, 56_000, True)
    early = budgets.get_monitoring_summary(family("family-1"), budget["id"],
                                           as_of="2027-05-01T00:00:00+00:00")
    assert early["surplus_over_threshold"] is False
    monitoring_return = budgets.get_monitoring_return(POWYS, as_of="2027-10-01T00:00:00+00:00")
    assert [s["budget_id"] for s in monitoring_return["items"]] == [budget["id"]]
    assert budgets.get_monitoring_return(FLINTSHIRE)["items"] == []


def test_an_idempotency_key_makes_a_repeated_officer_request_change_money_once(budgets):
    first = budgets.create_budget(POWYS, new_budget_data("family-1", 100_000), "key-1")
    again = budgets.create_budget(POWYS, new_budget_data("family-1", 100_000), "key-1")
    assert again["id"] == first["id"]
    other_officer = officer("powys", "officer-q")  # keys are each officer's own
    assert budgets.create_budget(other_officer, new_budget_data("family-1", 100_000),
                                 "key-1")["id"] != first["id"]
    with pytest.raises(Conflict) as reused:
        budgets.create_budget(POWYS, new_budget_data("family-1", 999), "key-1")
    assert reused.value.code == "idempotency_key_reused"

    for _ in range(2):
        budgets.top_up(POWYS, first["id"], 5_000, "review", idempotency_key="key-2")
        budgets.adjust(POWYS, first["id"], -1_000, "fix", idempotency_key="key-3")
    with pytest.raises(Conflict):
        budgets.top_up(POWYS, first["id"], 6_000, "review", idempotency_key="key-2")
    with pytest.raises(Conflict):  # a key names one request, whatever the operation
        budgets.adjust(POWYS, first["id"], 5_000, "review", idempotency_key="key-2")
    statement = budgets.get_statement(POWYS, first["id"])
    assert [e["kind"] for e in statement["entries"]] == ["allocation", "top_up", "adjustment"]
    assert statement["budget"]["allocated_pence"] == 104_000
