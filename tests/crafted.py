"""Crafted input every API test and the schemathesis run share: cursors a client may forge
and dates at and past the edges of the span Seibiant takes (seibiant_common.times)."""
import base64
import json


def _cursor(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


AWARE = "2026-01-01T00:00:00+00:00"
CURSORS = [
    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwgImEiXQ",  # ["2026-01-01T00:00:00", "a"]: naive
    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgImFcdTAwMDAiXQ",  # NUL in the id
    "%%garbage", "=", "AAAA", _cursor("not json"), _cursor("\xff"),
    _cursor("{}"), _cursor("null"), _cursor("[]"),
    _cursor(json.dumps([AWARE, "a", "b"])),
    _cursor(json.dumps(["yesterday", "a"])), _cursor(json.dumps(["2026-13-01T00:00:00Z", "a"])),
    _cursor(json.dumps(["9999-12-31T23:59:59+00:00", "a"])),
    _cursor(json.dumps(["0001-01-01T00:00:00+01:00", "a"])),  # before year 1 in UTC
    _cursor(json.dumps(["2200-01-01T00:00:00+00:00", "a"])),
    _cursor(json.dumps(["1969-12-31T23:59:59+00:00", "a"])),
    _cursor(json.dumps([AWARE, "a\u0007"])), _cursor(json.dumps([AWARE, "\ud800"])),
    _cursor(json.dumps([AWARE, "a" * 65])), _cursor(json.dumps([AWARE, ""])),
    _cursor(json.dumps([AWARE, "../x"])),
    _cursor(json.dumps([5, "a"])), _cursor(json.dumps([AWARE, 5])),
    _cursor(json.dumps([AWARE, None])), _cursor(json.dumps([AWARE, True])),
    _cursor(json.dumps([[AWARE], {"a": 1}])), _cursor("[1e999, 1e999]"),
    _cursor(json.dumps(["a\u0000"])), _cursor(json.dumps([7])),  # one-value (user) lists
    _cursor("[" * 300 + "]" * 300),
    "A" * 513,
]

# Dates outside 1970-2199, and those with the edges themselves
OUT_OF_RANGE_DATES = ["9999-12-31", "2300-01-01", "2200-01-01", "1969-12-31", "0001-01-01"]
EDGE_DATES = ["1970-01-01", "2199-12-31"] + OUT_OF_RANGE_DATES
EDGE_MOMENTS = ["1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "2200-01-01T00:00:00Z",
                "1969-12-31T23:59:59Z", "9999-12-31T23:59:59-23:59",
                "0001-01-01T00:00:00+23:59", "2026-01-01T00:00:00"]
