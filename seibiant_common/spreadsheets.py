"""CSV written for spreadsheets: a text cell is never run as a formula (CSV injection)."""
import csv
import io
from typing import Any, Iterable, Optional, Sequence

# A spreadsheet would run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: Optional[Any]) -> str:
    """A cell of text someone typed or a service named, quoted so it stays text."""
    if value is None:
        return ""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """RFC 4180 text (CRLF line ends): the header row, then the rows as they are given (text
    cells already through `text_cell`; numbers are the service's own)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([text_cell(name) for name in header])
    writer.writerows(rows)
    return out.getvalue()
