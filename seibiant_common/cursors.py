"""Opaque cursors for keyset pagination (`{"items": [...], "next_cursor": ...}` lists).

A cursor carries the sort key of the last item of a page; it is opaque to clients, who only
hand it back. Plain Python, so domain modules may use it.
"""
import base64
import binascii
import json


def encode_cursor(*values):
    """The cursor after an item whose sort key is `values` (JSON-serialisable scalars)."""
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, count):
    """The `count` values of a cursor made by `encode_cursor`; ValueError for anything else."""
    if not isinstance(cursor, str) or not cursor:
        raise ValueError("not a cursor")
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(values, list) or len(values) != count:
        raise ValueError("not a cursor")
    return values
