"""A budget statement as CSV, for the council's audit."""
import csv
import io

from werkzeug.wrappers import Response

COLUMNS = ("created_at", "entry_id", "kind", "amount_pence", "booking_id", "reason",
           "created_by", "allocated_pence", "held_pence", "spent_pence", "available_pence")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_response(statement, budget_id):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in statement.get("entries", []):
        balance = entry.get("balance") or {}
        writer.writerow([_cell(value) for value in (
            entry.get("created_at"), entry.get("id"), entry.get("kind"),
            entry.get("amount_pence"), entry.get("booking_id"), entry.get("reason"),
            entry.get("created_by"), balance.get("allocated_pence"),
            balance.get("held_pence"), balance.get("spent_pence"),
            balance.get("available_pence"))])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="statement-{}.csv"'.format(budget_id)})
