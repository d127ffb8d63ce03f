"""Statements and the monitoring summary: pure functions of the ledger, no database."""
import csv
import datetime
import io

from services.budgets import statements

from .rules import END, NOW, START, budget, request


def test_the_statement_carries_a_running_balance():
    account = budget(allocated_pence=100_000)
    hold = account.place_hold(request(account, amount_pence=30_000), "bookings", NOW)
    account.capture(hold, 25_000, "bookings", NOW)
    rows = statements.running_balances(account.new_entries)
    assert [(entry.kind, balance.as_dict()) for entry, balance in rows] == [
        ("allocation", {"allocated_pence": 100_000, "held_pence": 0, "spent_pence": 0,
                        "available_pence": 100_000}),
        ("hold", {"allocated_pence": 100_000, "held_pence": 30_000, "spent_pence": 0,
                  "available_pence": 70_000}),
        ("capture", {"allocated_pence": 100_000, "held_pence": 5_000, "spent_pence": 25_000,
                     "available_pence": 70_000}),
        ("hold_release", {"allocated_pence": 100_000, "held_pence": 0, "spent_pence": 25_000,
                          "available_pence": 75_000}),
    ]


def test_the_csv_statement_is_safe_to_open_in_a_spreadsheet():
    account = budget(allocated_pence=100_000)
    account.adjust(-1_000, '=HYPERLINK("http://evil.example","click")', "officer-1", NOW)
    text = statements.statement_csv(account.new_entries)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == statements.CSV_COLUMNS
    assert rows[1]["reason"].startswith("'=HYPERLINK")  # shown as text, never run
    assert rows[1]["amount_pence"] == "-1000"  # numbers stay numbers
    assert rows[1]["available_pence"] == "99000"
    assert rows[0]["created_at"] == NOW.isoformat()


def test_a_surplus_over_eight_weeks_of_the_pro_rata_allocation_is_flagged():
    account = budget(allocated_pence=366 * 1_000)  # 1,000 pence a day over 366 days
    half_way = START + (END - START) / 2
    summary = statements.monitoring_summary(account, {}, half_way)
    assert summary["weekly_allocation_pence"] == 7_000
    assert summary["reclaim_threshold_pence"] == 56_000
    assert summary["allocation_to_date_pence"] == 183_000
    assert summary["surplus_pence"] == 183_000
    assert summary["surplus_over_threshold"] is True


def test_money_spent_or_held_is_not_surplus():
    account = budget(allocated_pence=366 * 1_000, auto_limit=10 ** 6)
    eight_weeks_in = START + datetime.timedelta(weeks=9)
    held = account.place_hold(request(account, "a", 10_000), "bookings", NOW)
    account.capture(held, None, "bookings", NOW)
    account.place_hold(request(account, "b", 5_000), "bookings", NOW)
    summary = statements.monitoring_summary(account, {"overnight_stay": 10_000},
                                            eight_weeks_in)
    assert summary["allocation_to_date_pence"] == 63_000
    assert summary["surplus_pence"] == 63_000 - 10_000 - 5_000
    assert summary["surplus_over_threshold"] is False
    assert summary["spent_by_category"] == {"overnight_stay": 10_000}


def test_before_the_period_nothing_is_due_and_after_it_everything_is():
    account = budget(allocated_pence=100_000)
    before = statements.monitoring_summary(account, {}, START - datetime.timedelta(days=10))
    after = statements.monitoring_summary(account, {}, END + datetime.timedelta(days=10))
    assert (before["allocation_to_date_pence"], before["surplus_pence"]) == (0, 0)
    assert after["allocation_to_date_pence"] == after["surplus_pence"] == 100_000
