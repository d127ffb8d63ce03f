"""The commissioning insight rules: what each event the service keeps teaches its read model,
who may see which figures, and how a grouping is shown (the "fewer than 5" rule).

Plain Python (no nameko, no SQLAlchemy). The read model has three projections, each made only
from events (docs/contracts.md), never from another service's tables:
- `Search`: one per search of a `searches_made` (or per `search_made`, the event it
  replaced): the filters, how many offers it found, the searcher's council if known, never
  who;
- `PublishedSlot`: one per slot of `slots_published` (area, kind, price, start, places);
- `BookingFacts`: one per booking, what its events said, in whatever order they came (each
  event sets its own fields, so the answer does not depend on arrival order, and a rebuild
  from the kept events in another order gives the same model).

Which date places a fact in the `from`..`to` window (both days included, UTC) and in a month:
a search its time; places published and booked (and gifted) the break's start; spend the
capture; a rejection, expiry or cancellation when it happened; an approval its decision.

Whose figures: an officer's council is, for searches, the searcher's council (or, for a
searcher of no council, the area searched); for places published and booked, the offer's area
(a council slug); for spend, rejections, cancellations and approvals, the family's council.
An admin sees every council; a provider only its own places; a family nothing.

Small groups: a count (or a sum of money, or an approval time) of a grouping of 1 to 4
families is shown as "fewer than 5" (a grouping of none shows its 0: nobody to reveal).
Searches carry no family at all, so for them the rule counts searches: a grouping of fewer
than 5 searches cannot hold 5 families (a known limit: 5 searches may still be one family's).
"""
import dataclasses
import datetime
import math
from typing import Any, Iterable, Mapping, Sequence

from seibiant_common.refusals import Invalid, WrongRole

SMALL_GROUP = 5
FEWER_THAN_5 = "fewer than 5"
EXPIRED = "expired"  # a booking that waited too long for an officer: counted with rejections
UNKNOWN_AREA = "unknown"  # a booking whose slot was never heard published
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
AHEAD = datetime.timedelta(days=90)  # how far past today the default window reaches

Shown = int | str | None

# The tables of a report, in the order the page shows them; a CSV is one of them.
OFFICER_TABLES = ("unmet_demand", "supply_and_demand", "spend_by_kind", "spend_by_area",
                  "gifted", "rejections", "cancellations", "approvals")
PROVIDER_TABLES = ("provider",)
TABLES = OFFICER_TABLES + PROVIDER_TABLES


class KeptEvent:
    """An event as it came (its envelope), kept so the read model can be made again."""

    def __init__(self, event_id: str, producer: str, event_type: str,
                 occurred_at: datetime.datetime, body: str) -> None:
        self.event_id, self.producer, self.event_type = event_id, producer, event_type
        self.occurred_at, self.body = occurred_at, body


class Search:
    def __init__(self, **facts: Any) -> None:
        for name, value in facts.items():
            setattr(self, name, value)


class PublishedSlot:
    def __init__(self, **facts: Any) -> None:
        for name, value in facts.items():
            setattr(self, name, value)


BOOKING_FACTS = ("family_id", "council", "slot_id", "category", "places", "amount_pence",
                 "break_month", "requested_at", "offer_id", "provider_id", "unit_price_pence",
                 "reserved", "released", "confirmed_at", "not_made_reason", "not_made_at",
                 "cancelled_at", "approval_asked_at", "approval", "approval_decided_at",
                 "captured_pence", "captured_at")


class BookingFacts:
    """What the events of one booking said. `learn` takes one event's fields."""

    def __init__(self, booking_id: str) -> None:
        self.booking_id = booking_id
        for name in BOOKING_FACTS:
            setattr(self, name, None)

    def learn(self, event_type: str, fields: Mapping[str, Any], at: datetime.datetime) -> None:
        changes = BOOKING_LESSONS[event_type](fields, at)
        for name, value in changes.items():
            setattr(self, name, value)


def month_of(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m")


def listed(values: Iterable[str]) -> str:
    """A set of filters as one stored value (sorted, so equal sets group together)."""
    return " ".join(sorted(set(values)))


def unlisted(value: str | None) -> list[str]:
    return value.split() if value else []


# What each booking event teaches (its fields as its consumer loads them, and its time).
BOOKING_LESSONS = {
    "booking_requested": lambda f, at: {
        "family_id": f["family_id"], "council": f["council"], "slot_id": f["slot_id"],
        "category": f["category"], "places": f["places"], "amount_pence": f["amount_pence"],
        "break_month": month_of(f["break_start"]), "requested_at": at},
    "places_reserved": lambda f, at: {
        "offer_id": f["offer_id"], "provider_id": f["provider_id"],
        "unit_price_pence": f["unit_price_pence"], "reserved": True},
    "places_released": lambda f, at: {"released": True},
    "booking_confirmed": lambda f, at: {"confirmed_at": at},
    "booking_rejected": lambda f, at: {"not_made_reason": f["reason"], "not_made_at": at},
    "booking_expired": lambda f, at: {"not_made_reason": EXPIRED, "not_made_at": at},
    "booking_cancelled": lambda f, at: {"cancelled_at": at},
    "approval_required": lambda f, at: {"approval_asked_at": at},
    "spend_approved": lambda f, at: {"approval": "approved", "approval_decided_at": at},
    "spend_declined": lambda f, at: {"approval": "declined", "approval_decided_at": at},
    "funds_captured": lambda f, at: {"captured_pence": f["amount_pence"], "captured_at": at},
}


def search_of(event_id: str, fields: Mapping[str, Any], at: datetime.datetime) -> Search:
    return Search(event_id=event_id, council=fields["council"], region=fields["region"],
                  category=fields["category"], needs=listed(fields["needs"]),
                  accessibility=listed(fields["accessibility"]),
                  max_price_pence=fields["max_price_pence"], words=listed(fields["words"]),
                  offers_found=fields["offers_found"], searched_at=at, month=month_of(at))


def slots_of(fields: Mapping[str, Any]) -> list[PublishedSlot]:
    return [PublishedSlot(slot_id=slot["id"], offer_id=fields["offer_id"],
                          provider_id=fields["provider_id"], region=fields["region"],
                          category=fields["category"], price_pence=fields["price_pence"],
                          starts_at=slot["start"], ends_at=slot.get("end"),
                          month=month_of(slot["start"]),
                          # a slot published before slots carried it: one place at least
                          capacity=slot["capacity"] or 1)
            for slot in fields["slots"]]


# --- who sees what, and when ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Scope:
    """Whose figures: a council's (`council`), every council's (admin: both None), or one
    provider's (`provider_id`)."""
    council: str | None = None
    provider_id: str | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return PROVIDER_TABLES if self.provider_id else OFFICER_TABLES


def scope_of(actor: Mapping[str, Any]) -> Scope:
    role = actor["role"]
    if role == "officer":
        return Scope(council=actor["council"])
    if role == "admin":
        return Scope()
    if role == "provider" and actor.get("provider_id"):
        return Scope(provider_id=actor["provider_id"])
    raise WrongRole("only officers, admins and providers see insight")


@dataclasses.dataclass(frozen=True)
class Window:
    first_day: datetime.date
    last_day: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return datetime.datetime(self.first_day.year, self.first_day.month,
                                 self.first_day.day, tzinfo=datetime.timezone.utc)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the window."""
        return self.start + (self.last_day - self.first_day).days * DAY + DAY


def window(first_day: datetime.date | None, last_day: datetime.date | None,
           today: datetime.date) -> Window:
    """`from`..`to`, both days included; by default from the first of the month eleven months
    before `today` to `AHEAD` days after it (breaks booked ahead are in their months)."""
    last = last_day or today + AHEAD
    if first_day is None:
        start = min(last, today)
        months = start.year * 12 + start.month - 1 - 11
        first_day = datetime.date(months // 12, months % 12 + 1, 1)
    if last < first_day:
        raise Invalid({"to": ["must not be before from"]})
    return Window(first_day, last)


def require_table(scope: Scope, table: str) -> None:
    if table not in scope.tables:
        raise Invalid({"table": ["one of: " + ", ".join(scope.tables)]})


# --- how a grouping is shown ---------------------------------------------------------------

def shown(value: int, families: int) -> Shown:
    """A count or sum of a grouping of `families` families, or "fewer than 5"."""
    return FEWER_THAN_5 if 0 < families < SMALL_GROUP else value


def shown_searches(searches: int) -> Shown:
    """Searches name nobody: a grouping of fewer than 5 of them cannot hold 5 families."""
    return FEWER_THAN_5 if 0 < searches < SMALL_GROUP else searches


def full_percent(published: int, booked: int, families: int) -> int | None:
    """How full the places published are, as a whole percentage; None when nothing was
    published or the bookings are too few families to show."""
    if not published or 0 < families < SMALL_GROUP:
        return None
    return round(100 * booked / published)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile of `values`, interpolated between the two nearest ranks (the
    median at 0.5), as spreadsheets' PERCENTILE.INC does."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def approval_times(waits: Sequence[datetime.timedelta], families: int,
                   approved: int, declined: int) -> dict[str, Any]:
    """The approvals decided: how many, and the median and 90th percentile of their waits in
    hours (to one decimal); none of it shown for 1 to 4 families."""
    hours = [wait / HOUR for wait in waits]
    small = 0 < families < SMALL_GROUP
    return {"decided": shown(len(hours), families), "approved": shown(approved, families),
            "declined": shown(declined, families),
            "median_hours": None if small or not hours else round(percentile(hours, 0.5), 1),
            "p90_hours": None if small or not hours else round(percentile(hours, 0.9), 1)}


# --- what a donor gave (a provider's impact) ------------------------------------------------

def may_see_impact(actor: Mapping[str, Any], provider_id: str,
                   provider_councils: Iterable[str]) -> bool:
    """A provider's impact is its own, its councils' officers' and referrers' (the councils
    it serves, its regions), and an admin's; anyone else's is not found (a family is
    WrongRole)."""
    role = actor.get("role")
    if role == "family":
        raise WrongRole("families do not see providers' impact")
    if role == "provider":
        return actor.get("provider_id") == provider_id
    if role in ("officer", "referrer"):
        return actor.get("council") in set(provider_councils)
    return role == "admin"


def nights_of(start: datetime.datetime, end: datetime.datetime | None) -> int:
    """The nights a break spans: the UTC days from its start to its end (0 for a day out, and
    for a slot heard published before its end was kept)."""
    if end is None:
        return 0
    return max(0, (end.astimezone(datetime.timezone.utc).date()
                   - start.astimezone(datetime.timezone.utc).date()).days)


@dataclasses.dataclass(frozen=True)
class Gift:
    """One gifted booking that was made (confirmed, not cancelled, not given back)."""
    offer_id: str
    family_id: str
    places: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class Offered:
    """A gifted slot published: its places."""
    offer_id: str
    places: int
    starts_at: datetime.datetime


def impact(gifts: Sequence[Gift], offered: Sequence[Offered]) -> dict[str, Any]:
    """A provider's gifted places: `years` (newest first), each with its totals and its
    `offers`; and `total`. A year is the break's start's (UTC). Places given and nights given
    count the places of bookings made (a place of a two-night break is two nights); carers
    reached are the distinct carers. Each figure of a grouping of 1 to 4 carers is "fewer
    than 5"; places offered name nobody and are shown as they are."""
    def figures(chosen: Sequence[Gift], offered_places: int) -> dict[str, Any]:
        carers = len({gift.family_id for gift in chosen})
        return {"places_offered": offered_places,
                "places_given": shown(sum(gift.places for gift in chosen), carers),
                "nights_given": shown(sum(gift.places * nights_of(gift.starts_at, gift.ends_at)
                                          for gift in chosen), carers),
                "carers_reached": shown(carers, carers)}

    def year(moment: datetime.datetime) -> int:
        return moment.astimezone(datetime.timezone.utc).year

    years = sorted({year(g.starts_at) for g in gifts} | {year(o.starts_at) for o in offered},
                   reverse=True)
    answer = []
    for each in years:
        in_year = [g for g in gifts if year(g.starts_at) == each]
        offered_in_year = [o for o in offered if year(o.starts_at) == each]
        offers = sorted({g.offer_id for g in in_year} | {o.offer_id for o in offered_in_year})
        answer.append(dict(
            figures(in_year, sum(o.places for o in offered_in_year)), year=each,
            offers=[dict(figures([g for g in in_year if g.offer_id == offer_id],
                                 sum(o.places for o in offered_in_year
                                     if o.offer_id == offer_id)), offer_id=offer_id)
                    for offer_id in offers]))
    return {"years": answer, "total": figures(gifts, sum(o.places for o in offered))}

