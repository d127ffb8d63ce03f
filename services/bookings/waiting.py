"""Waiting lists for full slots: the queue's rules (docs/contracts.md, "Waiting lists").

Plain Python (no nameko, no SQLAlchemy); `waitlisting.py` loads and saves, and makes the
offers (bookings `offered`, domain.Booking.offer) that the rules decide.

- A family (or a referrer for one of their carers, gifted slots only) joins the waiting list
  of a first-come slot that has fewer places left than it asks for; joining again changes
  the places asked and keeps its place in line. Each joiner is given the next position of
  the slot's list, under the list's lock, so two joining at once never share one.
- When places come free (a booking's places released: cancelled, rejected, expired, or an
  offer that ran out), they are offered down the line: each waiting entry whose places
  still fit the places freed is offered them, in order of position; one whose places do not
  fit keeps its place for the next release.
- An offer holds its places for `offer` hours (`Timeouts.offer`). The family accepts it (it
  becomes a request, through the saga as any other), declines it (cancelling it: the entry
  leaves the list), or lets it run out (the entry leaves the list too). An offer whose places
  were taken before providers could hold them (`sold_out`) puts its entry back where it was.
"""
import datetime
from typing import Any, Iterable, Mapping, Optional, Sequence

from seibiant_common.refusals import Invalid, NotAllowed

from . import domain

# An entry's status: in line, offered places (its booking `offered`), or out of the line:
# accepted (its booking is a request), declined, lapsed (the offer ran out), left.
WAITING, OFFERED = "waiting", "offered"
ACCEPTED, DECLINED, LAPSED, LEFT = "accepted", "declined", "lapsed", "left"
IN_LINE = frozenset({WAITING, OFFERED})

Actor = Mapping[str, Any]


class Entry:
    """A family's place on one slot's waiting list (one per family and slot)."""

    def __init__(self, id: str, slot_id: str, family_id: str, council: Optional[str],
                 places: int, position: int, now: datetime.datetime,
                 booked_by: Optional[str] = None) -> None:
        self.id = id
        self.slot_id = slot_id
        self.family_id = family_id
        self.council = council
        self.places = places
        self.position = position
        self.status = WAITING
        self.joined_at = now
        self.left_at: Optional[datetime.datetime] = None
        self.booked_by = booked_by  # a referrer who joined for their carer
        self.booking_id: Optional[str] = None  # the latest offer made to it

    def join_again(self, places: int, position: int, now: datetime.datetime) -> None:
        """Joining again changes the places asked for; an entry still in line keeps its
        place, one that had left joins at the end (`position`, the list's next)."""
        self.places = places
        if self.status not in IN_LINE:
            self.status, self.position, self.joined_at, self.left_at = (
                WAITING, position, now, None)

    def leave(self, now: datetime.datetime) -> None:
        if self.status not in IN_LINE:
            raise NotAllowed("not_waiting", "you are not on this waiting list")
        self.status, self.left_at = LEFT, now

    def offered(self, booking_id: str) -> None:
        self.status, self.booking_id = OFFERED, booking_id

    def offer_ended(self, outcome: str, now: datetime.datetime) -> None:
        """What became of its offer: ACCEPTED, DECLINED or LAPSED take the entry out of the
        line; WAITING (its places were taken first) puts it back where it was."""
        if self.status != OFFERED:
            return  # it had left the line already
        self.status = outcome
        self.left_at = None if outcome == WAITING else now


def joiner(actor: Actor, family_id: Optional[str], price_pence: int) -> str:
    """Who joins: a family for itself, or a referrer for a carer of their centre on a gifted
    slot (as they book: domain.family_of)."""
    family_id = domain.family_of(actor, family_id)
    if actor["role"] == "referrer" and not domain.is_gift(price_pence):
        raise Invalid({"slot_id": ["a referrer joins waiting lists of gifted breaks only"]})
    return family_id


def check_joinable(slot: "domain.Slot", remaining: int, places: int,
                   now: datetime.datetime) -> None:
    """A waiting list is for a slot that can still be booked, and is full for `places`."""
    if not slot.bookable or slot.start <= now:
        raise NotAllowed("slot_not_bookable", "this slot cannot be booked")
    if remaining >= places:
        raise NotAllowed("places_available",
                         "this slot has {} places left: book it instead".format(remaining))


def to_offer(freed: int, line: Iterable[Entry]) -> list[Entry]:
    """The entries the places freed are offered to: down the line in order of position,
    each waiting entry whose places still fit."""
    offered, left = [], freed
    for entry in sorted(line, key=lambda entry: entry.position):
        if entry.status == WAITING and 0 < entry.places <= left:
            offered.append(entry)
            left -= entry.places
    return offered


def place_in_line(entry: Entry, line: Sequence[Entry]) -> Optional[int]:
    """1 for the first still waiting, ...; None when the entry is not waiting (offered, or
    out of the line)."""
    if entry.status != WAITING:
        return None
    return 1 + sum(1 for other in line
                   if other.status == WAITING and other.position < entry.position)


def may_see(entry: Entry, actor: Actor) -> bool:
    """An entry is its family's, and their referrer's (a carer of their centre)."""
    if actor.get("role") == "family":
        return entry.family_id == actor.get("user_id")
    if actor.get("role") == "referrer":
        return entry.family_id in actor.get("carer_ids", ())
    return False
