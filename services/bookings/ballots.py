"""Ballots for popular gifted dates: carers apply until the applications close, then a draw
gives the places, favouring carers who have had fewer gifted breaks (docs/contracts.md,
"Ballots").

Plain Python (no nameko, no SQLAlchemy); `balloting.py` loads and saves, and makes the
winners' bookings through the saga as any other booking.

The draw is reproducible by anyone from its record: each entrant's ticket is
`sha256("<seed>:<application id>")` in hex, and the entrants are ordered by (gifted breaks
in the last 12 months, ticket): fewer gifts first whatever the seed, random among equals. The
places go down that order: an entrant whose places still fit wins them, one with no gifted
break left in the council's allowance is passed over (`allowance_used`), the others lose and
keep their priority (a loss counts nothing against them, nor does a won break given back).
"""
import dataclasses
import datetime
import hashlib
from typing import Any, Mapping, Optional, Sequence

from seibiant_common.refusals import Invalid, NotAllowed, require_role

# providers' `allocation` of a slot whose places are given by ballot
BALLOT_ALLOCATION = "ballot"
# A ballot's status: taking applications, drawn, or void (its slot could not be booked any
# more at the close: nobody won, nobody is told it was drawn).
OPEN, DRAWN, VOID = "open", "drawn", "void"
# An application's status, and its outcome at the draw.
APPLIED, WITHDRAWN = "applied", "withdrawn"
WON, LOST, ALLOWANCE_USED = "won", "lost", "allowance_used"
NOT_WON = (LOST, ALLOWANCE_USED)

Actor = Mapping[str, Any]


class Ballot:
    """A slot whose places are given by ballot (bookings' copy of providers' publication)."""

    def __init__(self, slot_id: str, offer_id: str, provider_id: str, capacity: int,
                 applications_close_at: datetime.datetime, slot_start: datetime.datetime,
                 seed: str) -> None:
        self.slot_id = slot_id
        self.offer_id = offer_id
        self.provider_id = provider_id
        self.capacity = capacity
        self.applications_close_at = applications_close_at
        self.slot_start = slot_start
        # chosen when the ballot is first heard of and shown only once it is drawn, so the
        # outcome is fixed before the close (and the same after any crash at it)
        self.seed = seed
        self.status = OPEN
        self.drawn_at: Optional[datetime.datetime] = None

    def check_open(self, now: datetime.datetime) -> None:
        """Applications (and their withdrawal) are taken until the close."""
        if self.status != OPEN or now >= self.applications_close_at:
            raise NotAllowed("applications_closed",
                             "applications for this ballot closed at {}".format(
                                 self.applications_close_at.isoformat()))

    def check_places(self, places: int) -> None:
        if places > self.capacity:
            raise Invalid({"places": ["at most {}: the places of this slot".format(
                self.capacity)]})


class Application:
    """A carer's application for places on a ballot slot (one per carer and slot)."""

    def __init__(self, id: str, slot_id: str, family_id: str, council: Optional[str],
                 places: int, now: datetime.datetime) -> None:
        self.id = id
        self.slot_id = slot_id
        self.family_id = family_id
        self.council = council
        self.places = places
        self.status = APPLIED
        self.applied_at = now
        self.withdrawn_at: Optional[datetime.datetime] = None
        # recorded at the draw
        self.gifts: Optional[int] = None
        self.position: Optional[int] = None
        self.outcome: Optional[str] = None
        self.booking_id: Optional[str] = None

    def apply_again(self, places: int, now: datetime.datetime) -> None:
        """Applying again changes the places asked for (and undoes a withdrawal)."""
        self.places, self.status, self.applied_at, self.withdrawn_at = (
            places, APPLIED, now, None)

    def withdraw(self, now: datetime.datetime) -> None:
        self.status, self.withdrawn_at = WITHDRAWN, now


def applicant(actor: Actor, family_id: Optional[str] = None) -> str:
    """Whose application it is: a family's (a carer's) own, or, for a referrer, one of the
    carers of their centre (`carer_ids`, as the gateway vouches for them), as for bookings
    made on a carer's behalf."""
    require_role(actor.get("role"), "family", "referrer")
    if actor["role"] == "family":
        if family_id not in (None, actor["user_id"]):
            raise Invalid({"family_id": ["a carer applies for themselves"]})
        return str(actor["user_id"])
    if family_id is None:
        raise Invalid({"family_id": ["required: the carer you apply for"]})
    if family_id not in actor.get("carer_ids", ()):
        raise Invalid({"family_id": ["not a carer of your centre"]})
    return family_id


# --- the draw ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Entrant:
    application_id: str
    places: int
    gifts: int  # gifted breaks counted in the last 12 months: fewer goes first
    gifts_left: int  # in the council's allowance


@dataclasses.dataclass(frozen=True)
class Draw:
    entrant: Entrant
    position: int  # 1 is drawn first
    ticket: str
    outcome: str


def ticket(seed: str, application_id: str) -> str:
    return hashlib.sha256("{}:{}".format(seed, application_id).encode()).hexdigest()


def draw(seed: str, entrants: Sequence[Entrant], capacity: int) -> list[Draw]:
    """The entrants in the order drawn, each with its outcome (see the module's docstring).
    The same seed and entrants give the same draw, whatever order they are given in."""
    tickets = {entrant.application_id: ticket(seed, entrant.application_id)
               for entrant in entrants}
    order = sorted(entrants, key=lambda entrant: (entrant.gifts,
                                                  tickets[entrant.application_id]))
    left, drawn = capacity, []
    for position, entrant in enumerate(order, start=1):
        if entrant.gifts_left <= 0:
            outcome = ALLOWANCE_USED
        elif entrant.places <= left:
            outcome, left = WON, left - entrant.places
        else:
            outcome = LOST
        drawn.append(Draw(entrant, position, tickets[entrant.application_id], outcome))
    return drawn


# --- who sees what of the record ---------------------------------------------------------

def may_see(ballot: Ballot, actor: Actor, has_applied: bool) -> bool:
    """The record is the slot's provider's, any officer's, referrer's or admin's (who see
    names as `names` says), and an entrant's; anyone else's is NotFound."""
    role = actor.get("role")
    if role == "provider":
        return bool(actor.get("provider_id")) and actor["provider_id"] == ballot.provider_id
    if role == "family":
        return has_applied
    return role in ("officer", "referrer", "admin")


def names(actor: Actor, ballot: Ballot, application: Application) -> bool:
    """Whether the actor sees who an entry is: the slot's provider sees every entrant; an
    officer, the carers of their council; a referrer, their centre's carers (`carer_ids`); a
    carer, themselves. Everyone else sees the entry without its carer (and its booking)."""
    role = actor.get("role")
    if role == "provider":
        return actor.get("provider_id") == ballot.provider_id
    if role == "officer":
        return application.council is not None and actor.get("council") == application.council
    if role == "referrer":
        return application.family_id in actor.get("carer_ids", ())
    if role == "family":
        return application.family_id == actor.get("user_id")
    return False
