"""The monitoring return as CSV: one row per budget of a council, as councils send it each
quarter. Plain Python: the summaries of `statements.monitoring_summary` in, text out."""
import csv
import io
from typing import Any, Iterable, Mapping

COLUMNS = ("budget_id", "family_id", "status", "as_of", "period_start", "period_end",
           "allocated_pence", "held_pence", "spent_pence", "available_pence",
           "allocation_to_date_pence", "surplus_pence", "reclaim_weeks",
           "reclaim_threshold_pence", "surplus_over_threshold")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def monitoring_csv(summaries: Iterable[Mapping[str, Any]]) -> str:
    """A `spent_<kind>_pence` column per kind of break any budget spent on (0 where a budget
    spent nothing on it), so each row's kinds add up to its `spent_pence`. Ids, times, numbers
    and booleans only: nothing a spreadsheet would run as a formula."""
    summaries = list(summaries)
    kinds = sorted({kind for summary in summaries for kind in summary["spent_by_category"]})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS + tuple("spent_{}_pence".format(kind) for kind in kinds))
    for summary in summaries:
        writer.writerow([_cell(summary[name]) for name in COLUMNS]
                        + [summary["spent_by_category"].get(kind, 0) for kind in kinds])
    return out.getvalue()
