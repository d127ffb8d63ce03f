"""The booking lifecycle of docs/api-v1.md as data: which status may follow which.

    offered           -> requested | expired | cancelled   (a waiting list's offer)
    requested         -> awaiting_approval | confirmed | rejected | cancelled
    awaiting_approval -> confirmed | rejected | expired | cancelled
    confirmed         -> completed | cancelled
    completed, rejected, cancelled, expired: final

Pure rules: no nameko, no SQLAlchemy. The statuses themselves, and which of them are live or
cancellable, are the public vocabulary (seibiant_common.vocabularies).
"""
# Bookings a cancellation, a withdrawal or a late compensation can still act on: CANCELLABLE.
from seibiant_common.vocabularies import BOOKING_STATUSES as STATUSES  # noqa: F401 (sm.STATUSES)
from seibiant_common.vocabularies import CANCELLABLE  # noqa: F401 (used as sm.CANCELLABLE)

REQUESTED = "requested"
AWAITING_APPROVAL = "awaiting_approval"
CONFIRMED = "confirmed"
COMPLETED = "completed"
REJECTED = "rejected"
CANCELLED = "cancelled"
EXPIRED = "expired"
OFFERED = "offered"

TRANSITIONS: dict[str, frozenset[str]] = {
    OFFERED: frozenset({REQUESTED, EXPIRED, CANCELLED}),
    REQUESTED: frozenset({AWAITING_APPROVAL, CONFIRMED, REJECTED, CANCELLED}),
    AWAITING_APPROVAL: frozenset({CONFIRMED, REJECTED, EXPIRED, CANCELLED}),
    CONFIRMED: frozenset({COMPLETED, CANCELLED}),
    COMPLETED: frozenset(),
    REJECTED: frozenset(),
    CANCELLED: frozenset(),
    EXPIRED: frozenset(),
}

FINAL = frozenset(status for status, following in TRANSITIONS.items() if not following)

# Undone bookings: whatever the other services still hold for them must be given back.
UNDONE = frozenset({REJECTED, CANCELLED, EXPIRED})


class TransitionRefused(Exception):
    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__("a booking cannot go from {} to {}".format(from_status, to_status))
        self.from_status = from_status
        self.to_status = to_status


def allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, ())


def check(from_status: str, to_status: str) -> None:
    if not allowed(from_status, to_status):
        raise TransitionRefused(from_status, to_status)
