"""The rules of providers, offers, slots and places.

Plain Python: no nameko, no SQLAlchemy. The application layer loads these entities through its
unit of work (`models.py` maps them onto the tables), asks the rules below what may happen,
and changes the entities accordingly; `now` is always passed in.
"""
import dataclasses
import datetime
import unicodedata
import zoneinfo
from typing import Any, Collection, Iterable, Optional, Sequence

from seibiant_common import times
from seibiant_common.refusals import Invalid, NotAllowed
from seibiant_common.refusals import require_role  # noqa: F401  (the use cases ask it of the domain)
from seibiant_common.contracts.providers import (ALLOCATIONS, MAX_SLOTS_PER_PUBLICATION,
                                                 RESERVATION_REFUSAL_REASONS, WEEKDAYS)
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, CARE_NEEDS

UTC = datetime.timezone.utc

# Provider statuses: registered providers wait for an officer; only approved ones are booked.
PENDING, APPROVED, SUSPENDED = "pending", "approved", "suspended"
PROVIDER_STATUSES = (PENDING, APPROVED, SUSPENDED)

# Slot statuses.
OPEN, WITHDRAWN = "open", "withdrawn"

# How a slot's places are given: first come, first served (booked at once), or by a ballot of
# the carers who applied before `applications_close_at` (a gifted slot only; bookings draws).
FIRST_COME, BALLOT = ALLOCATIONS


# The outcome of a booking's reservation. A booking has at most one, and it moves at most
# once more (reserved -> released): redelivered or repeated requests change nothing.
RESERVED, REFUSED, RELEASED = "reserved", "refused", "released"

# Why places are refused (each is also a booking rejection reason of docs/api-v1.md).
SOLD_OUT, SLOT_NOT_BOOKABLE, PROVIDER_NOT_APPROVED = (
    "sold_out", "slot_not_bookable", "provider_not_approved")
REFUSAL_REASONS = RESERVATION_REFUSAL_REASONS

MAX_PLACES_PER_BOOKING = 100
MAX_SLOT_LENGTH = datetime.timedelta(days=31)
MAX_SEARCH_TERMS = 10

Moment = datetime.datetime
# A slot about to be published: (start, end, capacity).
NewSlot = tuple[Moment, Moment, int]


# --- the entities ----------------------------------------------------------------------
#
# Compared by identity (eq=False), as the unit of work tracks them.

@dataclasses.dataclass(eq=False)
class ServedRegion:
    """A region (council slug) a provider serves."""
    region: str


@dataclasses.dataclass(kw_only=True, eq=False)
class Provider:
    id: str
    user_id: str
    name: str
    kind: str
    description: str
    accessibility: list[str]
    supports_needs: list[str]
    status: str
    contact_email: str | None = None  # how families who booked reach the provider
    contact_phone: str | None = None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    regions_served: list[ServedRegion] = dataclasses.field(default_factory=list)

    @property
    def regions(self) -> list[str]:
        return [served.region for served in self.regions_served]


@dataclasses.dataclass(kw_only=True, eq=False)
class Offer:
    id: str
    provider_id: str
    title: str
    description: str
    title_cy: str | None = None
    description_cy: str | None = None
    category: str
    price_pence: int
    region: str
    accessibility: list[str]
    supports_needs: list[str]
    # Derived from the lists and texts above, for search (`Offer.new` computes them).
    accessibility_mask: int
    needs_mask: int
    search_text: str
    created_by: str
    created_at: datetime.datetime
    provider: Provider = dataclasses.field(init=False, repr=False)

    @classmethod
    def new(cls, *, id: str, provider_id: str, title: str, description: str,
            title_cy: str | None, description_cy: str | None, category: str, price_pence: int,
            region: str, accessibility: list[str], supports_needs: list[str], created_by: str,
            created_at: datetime.datetime) -> "Offer":
        return cls(id=id, provider_id=provider_id, title=title, description=description,
                   title_cy=title_cy, description_cy=description_cy, category=category,
                   price_pence=price_pence, region=region, accessibility=accessibility,
                   supports_needs=supports_needs,
                   accessibility_mask=accessibility_mask(accessibility),
                   needs_mask=needs_mask(supports_needs),
                   search_text=searchable_text(title, description, title_cy, description_cy),
                   created_by=created_by, created_at=created_at)


@dataclasses.dataclass(kw_only=True, eq=False)
class Slot:
    id: str
    offer_id: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    reserved: int  # places held by live reservations
    status: str
    created_at: datetime.datetime
    allocation: str = FIRST_COME
    applications_close_at: Optional[datetime.datetime] = None  # a ballot's
    offer: Offer = dataclasses.field(init=False, repr=False)


@dataclasses.dataclass(kw_only=True, eq=False)
class Reservation:
    """A booking's places: its one outcome (reserved, refused or released), with the price
    and category of the slot when the places were reserved."""
    booking_id: str
    slot_id: str | None = None  # None: released before any request named a slot
    status: str | None = None
    reason: str | None = None
    places: int
    offer_id: str | None = None
    provider_id: str | None = None
    unit_price_pence: int | None = None
    total_pence: int | None = None
    category: str | None = None
    slot_start: datetime.datetime | None = None
    slot_end: datetime.datetime | None = None
    created_at: datetime.datetime
    released_at: datetime.datetime | None = None

    @classmethod
    def answer(cls, *, booking_id: str, slot_id: str, places: int, slot: Slot | None,
               offer: Offer | None, provider_status: str | None,
               now: datetime.datetime) -> "Reservation":
        """A booking's first request for `places` on the slot (None: no such slot), with its
        offer and its provider's status: reserved, with the price and category the offer has
        now, or refused with the reason."""
        reservation = cls(booking_id=booking_id, slot_id=slot_id, places=places,
                          created_at=now)
        reason: str | None = SLOT_NOT_BOOKABLE
        if slot is not None and offer is not None and provider_status is not None:
            reason = refusal_reason(
                provider_status=provider_status, slot_status=slot.status,
                slot_start=slot.starts_at, capacity=slot.capacity, reserved=slot.reserved,
                places=places, now=now)
            if reason is None:
                reservation.status = RESERVED
                reservation.offer_id, reservation.provider_id = offer.id, offer.provider_id
                reservation.category = offer.category
                reservation.unit_price_pence = offer.price_pence
                reservation.total_pence = offer.price_pence * places
                reservation.slot_start, reservation.slot_end = slot.starts_at, slot.ends_at
                return reservation
        reservation.status, reservation.reason = REFUSED, reason
        return reservation


@dataclasses.dataclass(kw_only=True, eq=False)
class AuditEntry:
    """Who changed what and when."""
    subject: str
    subject_id: str
    action: str
    actor_user_id: str | None
    actor_role: str | None
    detail: dict[str, Any]
    at: datetime.datetime


# --- who may do what -------------------------------------------------------------------

def officer_covers(council: Optional[str], regions: Collection[str]) -> bool:
    """An officer looks after the providers serving their council (regions are council slugs)."""
    return council is not None and council in regions


# --- providers -------------------------------------------------------------------------

_PROVIDER_TRANSITIONS = {
    ("approve", PENDING): APPROVED,
    ("approve", SUSPENDED): APPROVED,
    ("suspend", PENDING): SUSPENDED,
    ("suspend", APPROVED): SUSPENDED,
}


def provider_transition(status: str, action: str) -> Optional[str]:
    """The provider's status after `action` ("approve" or "suspend"), or None when it is
    there already (repeating a decision changes nothing and announces nothing)."""
    return _PROVIDER_TRANSITIONS.get((action, status))


def check_may_publish(provider_status: str) -> None:
    if provider_status != APPROVED:
        raise NotAllowed(PROVIDER_NOT_APPROVED,
                     "only an approved provider publishes offers and slots")


def check_offer_region(region: str, provider_regions: Collection[str]) -> None:
    if region not in provider_regions:
        raise Invalid({"region": ["must be one of the regions the provider serves: {}"
                                     .format(", ".join(sorted(provider_regions)))]})


# --- slots -----------------------------------------------------------------------------

def _slot_errors(start: Moment, end: Moment, now: Moment) -> dict[str, list[str]]:
    errors = {}
    if start <= now:
        errors["start"] = ["must be in the future"]
    if end <= start:
        errors["end"] = ["must be after start"]
    elif end - start > MAX_SLOT_LENGTH:
        errors["end"] = ["must be at most {} days after start".format(MAX_SLOT_LENGTH.days)]
    return errors


def check_new_slots(slots: Sequence[NewSlot], existing_starts: Iterable[Moment],
                    now: Moment) -> None:
    """`slots` are (start, end, capacity) about to be published on one offer whose slots
    already start at `existing_starts`. Two slots of an offer never start together: a
    repeated publication must not double the places."""
    if not slots:
        raise Invalid({"slots": ["give at least one slot"]})
    if len(slots) > MAX_SLOTS_PER_PUBLICATION:
        raise Invalid({"slots": ["at most {} slots in one publication"
                                    .format(MAX_SLOTS_PER_PUBLICATION)]})
    errors = {}
    starts = set(existing_starts)
    for index, (start, end, _capacity) in enumerate(slots):
        slot_errors = _slot_errors(start, end, now)
        if start in starts:
            slot_errors.setdefault("start", []).append(
                "another slot of this offer starts at {}".format(start.isoformat()))
        starts.add(start)
        if slot_errors:
            errors[index] = slot_errors
    if errors:
        raise Invalid({"slots": errors})


def check_allocations(allocations: Sequence[tuple[str, Optional[Moment]]],
                      slots: Sequence[NewSlot], price_pence: int, now: Moment) -> None:
    """`allocations[i]` is (allocation, applications_close_at) of `slots[i]`: a ballot is for
    a gifted offer (price 0) only, and its applications close in the future, before the slot
    starts (so the winners' bookings are made before it)."""
    errors = {}
    for index, ((allocation, close_at), (start, _end, _capacity)) in enumerate(
            zip(allocations, slots, strict=True)):
        slot_errors = {}
        if allocation == BALLOT:
            if price_pence != 0:
                slot_errors["allocation"] = ["a ballot is for gifted offers (price 0) only"]
            if close_at is None:
                slot_errors["applications_close_at"] = ["required for a ballot"]
            elif close_at <= now:
                slot_errors["applications_close_at"] = ["must be in the future"]
            elif close_at >= start:
                slot_errors["applications_close_at"] = ["must be before the slot starts"]
        elif close_at is not None:
            slot_errors["applications_close_at"] = ["only a ballot has applications"]
        if slot_errors:
            errors[index] = slot_errors
    if errors:
        raise Invalid({"slots": errors})


_PATTERN_FIELD = {"start": "start_date", "end": "end_time"}


def expand_pattern(*, start_date: datetime.date, weekdays: Collection[str],
                   start_time: datetime.time, end_time: datetime.time, weeks: int,
                   capacity: int, nights: int = 0, time_zone: str = "UTC") -> list[NewSlot]:
    """The (start, end, capacity) of a recurring pattern, in UTC: on each of `weekdays` of
    `weeks` weeks from `start_date`, from `start_time` to `end_time` `nights` days later,
    times of day on the clocks of `time_zone` (so "Saturdays at 10:00" in Europe/London stays
    10:00 when the clocks change)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    errors = {}
    if nights == 0 and end_time <= start_time:
        errors["end_time"] = ["must be after start_time (give nights for an overnight slot)"]
    if weeks * len(set(weekdays)) > MAX_SLOTS_PER_PUBLICATION:
        errors["weeks"] = ["the pattern makes more than {} slots"
                           .format(MAX_SLOTS_PER_PUBLICATION)]
    if errors:
        raise Invalid({"pattern": errors})
    occurrences = []
    for offset in range(weeks * 7):
        day = start_date + datetime.timedelta(days=offset)
        if WEEKDAYS[day.weekday()] in weekdays:
            start = datetime.datetime.combine(day, start_time, zone).astimezone(UTC)
            end = datetime.datetime.combine(day + datetime.timedelta(days=nights), end_time,
                                            zone).astimezone(UTC)
            occurrences.append((start, end, capacity))
    if occurrences and occurrences[-1][1] >= times.LATEST:
        raise Invalid({"pattern": {"weeks": ["the pattern runs past {}".format(
            times.LAST_DAY.year)]}})
    return occurrences


def check_pattern_slots(occurrences: Sequence[NewSlot], existing_starts: Iterable[Moment],
                        now: Moment) -> None:
    """`check_new_slots` for a pattern's occurrences, reporting under the pattern's fields."""
    try:
        check_new_slots(occurrences, existing_starts, now)
    except Invalid as broken:
        by_index = broken.errors["slots"]
        if not isinstance(by_index, dict):
            raise Invalid({"pattern": {"weeks": by_index}}) from None
        index = min(by_index)
        when = occurrences[index][0].isoformat()
        raise Invalid({"pattern": {
            _PATTERN_FIELD[field]: ["the occurrence at {}: {}".format(when, message)
                                    for message in messages]
            for field, messages in by_index[index].items()}}) from None


def check_capacity_change(*, capacity: int, reserved: int, slot_status: str,
                          slot_start: Moment, now: Moment) -> None:
    if slot_status == WITHDRAWN:
        raise NotAllowed("slot_withdrawn", "the slot has been withdrawn")
    if slot_start <= now:
        raise NotAllowed("slot_started", "the slot has started")
    if capacity < reserved:
        raise Invalid({"capacity": ["cannot be below the {} places already reserved"
                                       .format(reserved)]})


def withdrawal_needed(*, slot_status: str, slot_start: Moment, now: Moment) -> bool:
    """True when the slot is to be withdrawn now; False if it was already."""
    if slot_status == WITHDRAWN:
        return False
    if slot_start <= now:
        raise NotAllowed("slot_started", "a slot that has started cannot be withdrawn")
    return True


# --- places ----------------------------------------------------------------------------

def remaining(capacity: int, reserved: int) -> int:
    return max(0, capacity - reserved)


def bookable(*, provider_status: str, slot_status: str, slot_start: Moment,
             now: Moment) -> bool:
    """A slot can take bookings: its provider is approved, it is open and has not started."""
    return provider_status == APPROVED and slot_status == OPEN and slot_start > now


def refusal_reason(*, provider_status: str, slot_status: str, slot_start: Moment,
                   capacity: int, reserved: int, places: int, now: Moment) -> Optional[str]:
    """Why `places` more places cannot be reserved on the slot, or None if they can."""
    if provider_status != APPROVED:
        return PROVIDER_NOT_APPROVED
    if not bookable(provider_status=provider_status, slot_status=slot_status,
                    slot_start=slot_start, now=now):
        return SLOT_NOT_BOOKABLE
    if reserved + places > capacity:
        return SOLD_OUT
    return None


def places_to_release(outcome: Optional[str]) -> Optional[str]:
    """The status a booking's reservation moves to on release, or None to leave it alone.

    A release that arrives before the reservation (the events travel on different queues)
    leaves a `released` mark, so the late request reserves nothing that nobody would free."""
    if outcome in (None, RESERVED):
        return RELEASED
    return None


# --- search ----------------------------------------------------------------------------

def vocabulary_mask(values: Iterable[str], vocabulary: Sequence[str]) -> int:
    """A bit per value, by its position in the vocabulary (which only ever grows at the
    end), so "has all of these" is one integer comparison an index-friendly query can make."""
    mask = 0
    for value in values:
        mask |= 1 << vocabulary.index(value)
    return mask


def accessibility_mask(features: Iterable[str]) -> int:
    return vocabulary_mask(features, ACCESSIBILITY_FEATURES)


def needs_mask(needs: Iterable[str]) -> int:
    return vocabulary_mask(needs, CARE_NEEDS)


def normalise_text(text: Optional[str]) -> str:
    """Lower case without accents, so "Caffi'r Ŵyl" is found by "caffi'r wyl"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def searchable_text(*parts: Optional[str]) -> str:
    return normalise_text(" ".join(part for part in parts if part))


def search_terms(q: str) -> list[str]:
    """The words every match must contain (English or Welsh text alike)."""
    terms = normalise_text(q).split()
    if len(terms) > MAX_SEARCH_TERMS:
        raise Invalid({"q": ["at most {} words".format(MAX_SEARCH_TERMS)]})
    return terms


def check_window(window_from: Moment, window_to: Optional[Moment]) -> None:
    if window_to is not None and window_to <= window_from:
        raise Invalid({"to": ["must be after from"]})
