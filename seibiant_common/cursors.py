"""Opaque cursors for keyset pagination (`{"items": [...], "next_cursor": ...}` lists).

A cursor carries the sort key of the last item of a page; it is opaque to clients, who only
hand it back. Every list reads its cursors through `decode_cursor` alone, so a forged one is
refused the same way everywhere: `InvalidInput` on `cursor`, before it reaches a query.
"""
import base64
import datetime
import json
import re
from typing import Any, Callable

from .errors import InvalidInput
from .times import in_range

MAX_LENGTH = 512
# Every id Seibiant makes (uuid4 hex) and the API takes is of these; nothing else reaches SQL.
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_REFUSED = "Not a valid cursor."


def MOMENT(value: object) -> datetime.datetime:
    """A time with an offset in the span Seibiant takes, as an aware UTC datetime."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(value)
    return in_range(datetime.datetime.fromisoformat(value))


def ID(value: object) -> str:
    """An id as Seibiant's are: no control characters, surrogates or slashes, 64 at most."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValueError(value)
    return value


def encode_cursor(*values: str) -> str:
    """The cursor after an item whose sort key is `values` (ISO times and ids)."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: object, *kinds: Callable[[object], Any]) -> tuple[Any, ...]:
    """The values of a cursor made by `encode_cursor`, each read by its kind (`MOMENT`, `ID`);
    InvalidInput on `cursor` for anything else."""
    try:
        if not isinstance(cursor, str) or not 0 < len(cursor) <= MAX_LENGTH:
            raise ValueError(cursor)
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError(values)
        return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))
    except ValueError:  # binascii.Error, JSONDecodeError and UnicodeDecodeError are ones
        raise InvalidInput({"cursor": [_REFUSED]}) from None
