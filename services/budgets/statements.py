"""Statements and the monitoring summary of a budget, for the council's audit.

Plain Python: the ledger's entries in, figures out.

Monitoring (the councils' "monitoring return"): a Direct Payment is paid pro rata over its
period, so by a date the family has been given `allocated * elapsed / period`. What of that is
neither spent nor held for a booked break is the surplus; councils reclaim a surplus larger than
8 weeks' worth of the allocation (`allocated * 8 weeks / period`), so such budgets are flagged.
The weeks are a council setting (the budgets service's `RECLAIM_WEEKS` config, by council).
"""
import datetime
from typing import Any, Iterable, Mapping

from seibiant_common.spreadsheets import csv_text, text_cell

from .domain import Balance, Budget, LedgerEntry

RECLAIM_WEEKS = 8
WEEK_SECONDS = 7 * 24 * 3600

CSV_COLUMNS = ("entry_id", "created_at", "kind", "amount_pence", "booking_id", "reason",
               "created_by", "allocated_pence", "held_pence", "spent_pence", "available_pence")


def running_balances(entries: Iterable[LedgerEntry]) -> list[tuple[LedgerEntry, Balance]]:
    """Each entry (oldest first) with the balance just after it."""
    balance = Balance()
    rows = []
    for entry in entries:
        balance = balance.after(entry.kind, entry.amount_pence)
        rows.append((entry, balance))
    return rows


def statement_csv(entries: Iterable[LedgerEntry]) -> str:
    """The audit's CSV: the ledger's own codes and English reasons (the web pages' CSV, in the
    reader's language, is the gateway's: gateway/web/statements.py)."""
    return csv_text(CSV_COLUMNS, ([
        entry.id, entry.created_at.isoformat(), entry.kind, entry.amount_pence,
        text_cell(entry.booking_id), text_cell(entry.reason), text_cell(entry.created_by),
        balance.allocated_pence, balance.held_pence, balance.spent_pence,
        balance.available_pence,
    ] for entry, balance in running_balances(entries)))


def _seconds(delta: datetime.timedelta) -> int:
    return int(delta / datetime.timedelta(seconds=1))


def monitoring_summary(budget: Budget, spent_by_category: Mapping[str, int],
                       as_of: datetime.datetime,
                       reclaim_weeks: int = RECLAIM_WEEKS) -> dict[str, Any]:
    """`spent_by_category`: pence captured per category of break; `reclaim_weeks`: the
    council's threshold. Integer pence throughout (rounded down), so the figures add up in a
    spreadsheet."""
    balance = budget.balance
    period = _seconds(budget.period_end - budget.period_start)
    elapsed = min(max(_seconds(as_of - budget.period_start), 0), period)
    paid_to_date = balance.allocated_pence * elapsed // period
    surplus = max(0, paid_to_date - balance.spent_pence - balance.held_pence)
    threshold = balance.allocated_pence * reclaim_weeks * WEEK_SECONDS // period
    return {
        "budget_id": budget.id,
        "family_id": budget.family_id,
        "council": budget.council,
        "status": budget.status,
        "as_of": as_of,
        "period_start": budget.period_start,
        "period_end": budget.period_end,
        **balance.as_dict(),
        "spent_by_category": dict(sorted(spent_by_category.items())),
        "weekly_allocation_pence": balance.allocated_pence * WEEK_SECONDS // period,
        "allocation_to_date_pence": paid_to_date,
        "surplus_pence": surplus,
        "reclaim_weeks": reclaim_weeks,
        "reclaim_threshold_pence": threshold,
        "surplus_over_threshold": surplus > threshold,
    }
