"""Staycation: verified families swap homes for a break, matched on care needs and
adaptations (docs/staycation.md).

Plain Python (no nameko, no SQLAlchemy): the rules take `now`/`today`, and turn a request down
with `seibiant_common.refusals`. The application layer loads and saves these objects.

- A family lists a home, proposes or accepts only while it is verified for swaps by an officer
  of its council or a referrer who knows it; a verification withdrawn pauses its listings.
- Matching is two-way: a home fits my family when it has every feature my family's needs
  require (`NEEDS_REQUIRE`) and my family's own must-haves; my home fits them likewise.
- A swap is proposed, then agreed or declined by the partner, or cancelled by either before
  its first stay starts; agreed, it blocks both homes for its stays; it completes once its
  last stay ends. A home's dates are agreed once: the application holds both homes' rows
  while it checks and agrees.
- The address and contact of a home are shown only to the agreed partner.
"""
import dataclasses
import datetime
import functools
import heapq
import uuid
from typing import Any, Iterable, Mapping, Optional, Sequence

from seibiant_common.contracts import staycation as ev
from seibiant_common.refusals import Invalid, NotAllowed, require_role
from seibiant_common.vocabularies import HOME_FEATURES, NEEDS_REQUIRE

LISTED, PAUSED, WITHDRAWN = "listed", "paused", "withdrawn"
PROPOSED, AGREED, DECLINED, CANCELLED, COMPLETED = (
    "proposed", "agreed", "declined", "cancelled", "completed")
# A proposal "lives" (its families may write to each other) until it ends without a swap or
# its swap completes.
LIVING = frozenset({PROPOSED, AGREED})
# Reviews are shown once both families reviewed or this long after the swap completed, so
# neither answers the other's.
REVIEWS_SHOWN_AFTER = datetime.timedelta(days=14)
MAX_STAY_DAYS = 28
MAX_RANGES = 50
MAX_MESSAGE = 2000


@dataclasses.dataclass(frozen=True)
class Event:
    type: str
    payload: Mapping[str, Any]


def new_id() -> str:
    return uuid.uuid4().hex


# --- dates ----------------------------------------------------------------------------------

def overlaps(start: datetime.date, end: datetime.date,
             other_start: datetime.date, other_end: datetime.date) -> bool:
    """Whether [start, end) and [other_start, other_end) share a night."""
    return start < other_end and other_start < end


def check_range(field: str, start: datetime.date, end: datetime.date,
                today: datetime.date) -> None:
    if end <= start:
        raise Invalid({field: ["end_date must be after start_date"]})
    if start < today:
        raise Invalid({field: ["must not start in the past"]})


def check_ranges(ranges: Sequence[Mapping[str, datetime.date]], today: datetime.date) -> None:
    """A home's availability: future ranges that do not overlap each other."""
    if len(ranges) > MAX_RANGES:
        raise Invalid({"ranges": ["at most {} ranges".format(MAX_RANGES)]})
    ordered = sorted(ranges, key=lambda r: r["start_date"])
    for index, each in enumerate(ordered):
        check_range("ranges", each["start_date"], each["end_date"], today)
        if index and each["start_date"] < ordered[index - 1]["end_date"]:
            raise Invalid({"ranges": ["ranges must not overlap"]})


def within(ranges: Iterable[Mapping[str, datetime.date]], start: datetime.date,
           end: datetime.date) -> bool:
    """Whether one availability range holds the whole stay."""
    return any(r["start_date"] <= start and end <= r["end_date"] for r in ranges)


def free_in(ranges: Iterable[Mapping[str, datetime.date]],
            blocked: Iterable[tuple[datetime.date, datetime.date]],
            start: datetime.date, end: datetime.date) -> bool:
    """Whether the home is available for a night of [start, end) not blocked by an agreed
    swap."""
    blocks = list(blocked)
    for each in ranges:
        low, high = max(each["start_date"], start), min(each["end_date"], end)
        night = low
        while night < high:
            block = next((b for b in blocks if b[0] <= night < b[1]), None)
            if block is None:
                return True
            night = block[1]
    return False


# --- verification ---------------------------------------------------------------------------

def may_verify(actor: Mapping[str, Any], family_council: Optional[str],
               referrer_knows: bool) -> bool:
    """An officer of the family's council, or a referrer who knows the family."""
    role = actor.get("role")
    if role == "officer":
        return family_council is not None and actor.get("council") == family_council
    return role == "referrer" and referrer_knows


def require_verified(verified: bool) -> None:
    if not verified:
        raise NotAllowed("not_verified",
                         "the family must be verified for swaps by an officer of its council "
                         "or a referrer who knows it before it lists a home or swaps")


# --- homes ----------------------------------------------------------------------------------

@dataclasses.dataclass(eq=False)
class Home:
    id: str
    family_id: str
    council: Optional[str]
    status: str
    title: str
    region: str
    sleeps: int
    bedrooms: int
    accessibility: list
    adaptations: list
    suits_needs: list
    description: str
    title_cy: Optional[str]
    description_cy: Optional[str]
    house_rules: str
    pets_welcome: bool
    smoking: bool
    address: str
    availability: list
    created_at: datetime.datetime
    updated_at: datetime.datetime
    # The first and last days of the availability (null: none), so a search reads only homes
    # available around its dates.
    available_from: Optional[datetime.date] = None
    available_until: Optional[datetime.date] = None
    # Its features as a bit mask (`feature_mask`), and what its family requires (a copy of
    # `Family.requires_mask`, kept by the application), so matching compares integers.
    features_mask: int = 0
    family_requires_mask: int = 0

    FIELDS = ("title", "region", "sleeps", "bedrooms", "accessibility", "adaptations",
              "suits_needs", "description", "title_cy", "description_cy", "house_rules",
              "pets_welcome", "smoking", "address")

    @classmethod
    def new(cls, actor: Mapping[str, Any], verified: bool, data: Mapping[str, Any],
             now: datetime.datetime) -> tuple["Home", list[Event]]:
        require_role(actor.get("role"), "family")
        require_verified(verified)
        home = cls(new_id(), actor["user_id"], actor.get("council"), LISTED,
                   availability=[], created_at=now, updated_at=now,
                   **{name: data[name] for name in cls.FIELDS})
        home.features_mask = feature_mask(home.features)
        return home, [home.event(ev.HOME_LISTED, now)]

    @property
    def features(self) -> frozenset:
        return frozenset(self.accessibility) | frozenset(self.adaptations)

    def is_owner(self, actor: Mapping[str, Any]) -> bool:
        return actor.get("role") == "family" and actor.get("user_id") == self.family_id

    def change(self, data: Mapping[str, Any], now: datetime.datetime) -> list[Event]:
        self._require_not_withdrawn()
        for name in self.FIELDS:
            if name in data:
                setattr(self, name, data[name])
        self.features_mask = feature_mask(self.features)
        self.updated_at = now
        return [self.event(ev.HOME_CHANGED, now)]

    def set_availability(self, ranges: Sequence[Mapping[str, datetime.date]],
                         today: datetime.date, now: datetime.datetime) -> None:
        self._require_not_withdrawn()
        check_ranges(ranges, today)
        self.availability = sorted((dict(r) for r in ranges), key=lambda r: r["start_date"])
        self.available_from = min((r["start_date"] for r in ranges), default=None)
        self.available_until = max((r["end_date"] for r in ranges), default=None)
        self.updated_at = now

    def withdraw(self, now: datetime.datetime) -> list[Event]:
        self._require_not_withdrawn()
        self.status, self.updated_at = WITHDRAWN, now
        return [self.event(ev.HOME_WITHDRAWN, now)]

    def pause(self, now: datetime.datetime) -> None:
        """The family's verification was withdrawn: the home is not shown nor swapped."""
        if self.status == LISTED:
            self.status, self.updated_at = PAUSED, now

    def resume(self, now: datetime.datetime) -> None:
        if self.status == PAUSED:
            self.status, self.updated_at = LISTED, now

    def _require_not_withdrawn(self) -> None:
        if self.status == WITHDRAWN:
            raise NotAllowed("home_withdrawn", "the home is withdrawn")

    def event(self, kind: str, now: datetime.datetime) -> Event:
        return Event(kind, {"home_id": self.id, "family_id": self.family_id,
                            "council": self.council, "region": self.region, "at": now})


# --- matching -------------------------------------------------------------------------------

def feature_mask(features: Iterable[str]) -> int:
    """Features as bits by position in `HOME_FEATURES` (append-only, so a stored mask keeps
    its meaning)."""
    mask = 0
    for feature in features:
        mask |= 1 << HOME_FEATURES.index(feature)
    return mask


@functools.lru_cache(maxsize=4096)
def features_of(mask: int) -> frozenset:
    """The features a mask stands for (`feature_mask` undone)."""
    return frozenset(feature for bit, feature in enumerate(HOME_FEATURES) if mask >> bit & 1)


def may_match(mine: int, my_features: int, theirs: int, their_features: int) -> bool:
    """What `ranked` keeps, on masks: their home has something my family requires, mine
    something theirs requires, or nothing is missing either way (what the SQL pre-filter
    asks, `application.matches`)."""
    return bool(mine & their_features or theirs & my_features
                or (mine & ~their_features == 0 and theirs & ~my_features == 0))


def standing(mine: int, my_features: int, theirs: int, their_features: int) -> tuple[bool, int]:
    """`match`'s `two_way` and `score`, on masks: what ranking needs of every candidate."""
    met = (mine & their_features).bit_count() + (theirs & my_features).bit_count()
    wanted = mine.bit_count() + theirs.bit_count()
    return met == wanted, 100 if not wanted else (100 * met) // wanted


Candidate = tuple[str, int, int]  # (home id, what its family requires, its features): masks


def best(mine: int, my_features: int, candidates: Iterable[Candidate],
         limit: int) -> list[Candidate]:
    """The `limit` candidates that `ranked` would put first, chosen on masks (two-way first,
    then by score, then by home), so that `match` is worked out for those alone."""
    keyed = []
    for candidate in candidates:
        home_id, theirs, their_features = candidate
        if may_match(mine, my_features, theirs, their_features):
            two_way, score = standing(mine, my_features, theirs, their_features)
            keyed.append(((not two_way, -score, home_id), candidate))
    return [candidate for _key, candidate in heapq.nsmallest(limit, keyed)]


def required(needs: Iterable[str], must_haves: Iterable[str]) -> frozenset:
    """What a family needs of a home it stays in: its needs' features and its must-haves."""
    wanted = set(must_haves)
    for need in needs:
        wanted.update(NEEDS_REQUIRE.get(need, ()))
    return frozenset(wanted)


@dataclasses.dataclass(frozen=True)
class Match:
    home_id: str
    score: int
    two_way: bool
    fits_you: list
    you_fit_them: list
    missing: list

    def as_dict(self) -> dict:
        return {"score": self.score, "two_way": self.two_way, "fits_you": self.fits_you,
                "you_fit_them": self.you_fit_them, "missing": self.missing}


def match(mine: frozenset, my_features: frozenset, theirs: frozenset,
          their_features: frozenset, home_id: str) -> Match:
    """How well a home and mine suit each other's families: `mine`/`theirs` what each family
    requires, `*_features` what each home has. `missing` names what is lacking and for whom
    ("you": their home lacks it for my family; "them": mine lacks it for theirs). The score is
    the share of everything required both ways that is met, out of 100."""
    fits_you = sorted(mine & their_features)
    you_fit_them = sorted(theirs & my_features)
    missing = ([{"for": "you", "feature": f} for f in sorted(mine - their_features)]
               + [{"for": "them", "feature": f} for f in sorted(theirs - my_features)])
    wanted = len(mine) + len(theirs)
    score = 100 if not wanted else (100 * (len(fits_you) + len(you_fit_them))) // wanted
    return Match(home_id, score, not missing, fits_you, you_fit_them, missing)


def ranked(matches: Iterable[Match]) -> list[Match]:
    """Two-way matches first, then by score, best first (ties by home, to be stable); a match
    that fits neither way is no match."""
    found = [m for m in matches if m.fits_you or m.you_fit_them or m.two_way]
    return sorted(found, key=lambda m: (not m.two_way, -m.score, m.home_id))


# --- swaps ----------------------------------------------------------------------------------

@dataclasses.dataclass(eq=False)
class Swap:
    """`proposer_stay` is when the proposing family stays in the partner's home;
    `partner_stay` when the partner family stays in the proposer's."""
    id: str
    status: str
    proposer_family_id: str
    partner_family_id: str
    proposer_home_id: str
    partner_home_id: str
    proposer_stay_start: datetime.date
    proposer_stay_end: datetime.date
    partner_stay_start: datetime.date
    partner_stay_end: datetime.date
    proposed_at: datetime.datetime
    decided_at: Optional[datetime.datetime] = None
    decided_by: Optional[str] = None
    completed_at: Optional[datetime.datetime] = None

    @classmethod
    def propose(cls, actor: Mapping[str, Any], verified: bool, my_home: Home,
                their_home: Home, my_stay: Mapping[str, datetime.date],
                their_stay: Mapping[str, datetime.date],
                now: datetime.datetime) -> tuple["Swap", list[Event]]:
        require_role(actor.get("role"), "family")
        require_verified(verified)
        if my_home.family_id != actor["user_id"]:
            raise Invalid({"my_home_id": ["not your home"]})
        if their_home.family_id == actor["user_id"]:
            raise Invalid({"their_home_id": ["is your own home"]})
        for field, home in (("my_home_id", my_home), ("their_home_id", their_home)):
            if home.status != LISTED:
                raise NotAllowed("home_not_listed", "{} is not listed".format(field))
        today = now.date()
        check_range("my_stay", my_stay["start_date"], my_stay["end_date"], today)
        check_range("their_stay", their_stay["start_date"], their_stay["end_date"], today)
        for field, stay in (("my_stay", my_stay), ("their_stay", their_stay)):
            if (stay["end_date"] - stay["start_date"]).days > MAX_STAY_DAYS:
                raise Invalid({field: ["at most {} nights".format(MAX_STAY_DAYS)]})
        if not within(their_home.availability, my_stay["start_date"], my_stay["end_date"]):
            raise Invalid({"my_stay": ["their home is not available then"]})
        if not within(my_home.availability, their_stay["start_date"], their_stay["end_date"]):
            raise Invalid({"their_stay": ["your home is not available then"]})
        swap = cls(new_id(), PROPOSED, actor["user_id"], their_home.family_id, my_home.id,
                   their_home.id, my_stay["start_date"], my_stay["end_date"],
                   their_stay["start_date"], their_stay["end_date"], now)
        return swap, [swap.event(ev.SWAP_PROPOSED, actor["user_id"], now)]

    @property
    def families(self) -> tuple[str, str]:
        return (self.proposer_family_id, self.partner_family_id)

    @property
    def first_day(self) -> datetime.date:
        return min(self.proposer_stay_start, self.partner_stay_start)

    @property
    def last_day(self) -> datetime.date:
        return max(self.proposer_stay_end, self.partner_stay_end)

    def blocks(self) -> dict[str, tuple[datetime.date, datetime.date]]:
        """The nights each home is taken, by home id (the proposer stays in the partner's)."""
        return {self.partner_home_id: (self.proposer_stay_start, self.proposer_stay_end),
                self.proposer_home_id: (self.partner_stay_start, self.partner_stay_end)}

    def is_party(self, actor: Mapping[str, Any]) -> bool:
        return actor.get("role") == "family" and actor.get("user_id") in self.families

    def partner_of(self, family_id: str) -> str:
        return (self.partner_family_id if family_id == self.proposer_family_id
                else self.proposer_family_id)

    def seen_by(self, family_id: str) -> dict[str, Any]:
        """The swap as one of its families takes part in it: when it stays away and when
        the other stays in its home (no home, family or address named)."""
        away, hosting = ((self.proposer_stay_start, self.proposer_stay_end),
                         (self.partner_stay_start, self.partner_stay_end))
        if family_id != self.proposer_family_id:
            away, hosting = hosting, away
        return {"id": self.id, "status": self.status, "proposed_at": self.proposed_at,
                "family_stay": {"start_date": away[0], "end_date": away[1]},
                "guest_stay": {"start_date": hosting[0], "end_date": hosting[1]}}

    def accept(self, actor: Mapping[str, Any], verified: bool, homes: Sequence[Home],
               taken: Iterable[tuple[str, datetime.date, datetime.date]],
               now: datetime.datetime) -> list[Event]:
        """The partner agrees, if both homes are still listed and free for the stays:
        `taken` is every (home id, start, end) of the agreed swaps of both homes, read while
        the application holds both homes."""
        self._decide(actor, verified)
        if any(home.status != LISTED for home in homes):
            raise NotAllowed("home_not_listed", "a home of the swap is no longer listed")
        blocks = self.blocks()
        for home_id, start, end in taken:
            if home_id in blocks and overlaps(*blocks[home_id], start, end):
                raise NotAllowed("dates_taken",
                                 "a home of the swap is already agreed for those dates")
        return self._move(AGREED, ev.SWAP_AGREED, actor["user_id"], now)

    def decline(self, actor: Mapping[str, Any], now: datetime.datetime) -> list[Event]:
        self._decide(actor, True)
        return self._move(DECLINED, ev.SWAP_DECLINED, actor["user_id"], now)

    def cancel(self, actor: Mapping[str, Any], now: datetime.datetime) -> list[Event]:
        require_role(actor.get("role"), "family")
        if self.status not in LIVING:
            raise NotAllowed("swap_ended", "the swap is {}".format(self.status))
        if now.date() >= self.first_day:
            raise NotAllowed("stay_started", "a swap is cancelled only before its first stay")
        return self._move(CANCELLED, ev.SWAP_CANCELLED, actor["user_id"], now)

    def complete(self, now: datetime.datetime) -> list[Event]:
        """The timer's step, once the last stay has ended (again: nothing)."""
        if self.status != AGREED or now.date() < self.last_day:
            return []
        self.completed_at = now
        return self._move(COMPLETED, ev.SWAP_COMPLETED, None, now)

    def _decide(self, actor: Mapping[str, Any], verified: bool) -> None:
        require_role(actor.get("role"), "family")
        if actor["user_id"] != self.partner_family_id:
            raise NotAllowed("not_partner", "only the family asked accepts or declines")
        if self.status != PROPOSED:
            raise NotAllowed("not_proposed", "the swap is {}".format(self.status))
        require_verified(verified)

    def _move(self, status: str, kind: str, by: Optional[str],
              now: datetime.datetime) -> list[Event]:
        self.status = status
        if status != COMPLETED:
            self.decided_at, self.decided_by = now, by
        return [self.event(kind, by, now)]

    def event(self, kind: str, by: Optional[str], now: datetime.datetime) -> Event:
        return Event(kind, {name: getattr(self, name) for name in (
            "proposer_family_id", "partner_family_id", "proposer_home_id", "partner_home_id",
            "proposer_stay_start", "proposer_stay_end", "partner_stay_start",
            "partner_stay_end")} | {"swap_id": self.id, "by": by, "at": now})

    def may_see_address(self, actor: Mapping[str, Any]) -> bool:
        """Only a party of an agreed (or completed) swap sees the other's address."""
        return self.status in (AGREED, COMPLETED) and self.is_party(actor)


# --- messages and reviews -------------------------------------------------------------------

def check_message(swap: Swap, actor: Mapping[str, Any], text: str) -> None:
    if not swap.is_party(actor):
        raise NotAllowed("not_party", "only the swap's two families write to each other")
    if swap.status not in LIVING:
        raise NotAllowed("swap_ended", "messages are written only while the proposal lives")
    if not text.strip() or len(text) > MAX_MESSAGE:
        raise Invalid({"text": ["between 1 and {} characters".format(MAX_MESSAGE)]})


def check_review(swap: Swap, actor: Mapping[str, Any], already: bool) -> None:
    require_role(actor.get("role"), "family")
    if not swap.is_party(actor):
        raise NotAllowed("not_party", "only the swap's families review it")
    if swap.status != COMPLETED:
        raise NotAllowed("not_completed", "a swap is reviewed once it is completed")
    if already:
        raise NotAllowed("review_given", "the family has reviewed this swap")


def reviews_shown(swap: Swap, count: int, now: datetime.datetime) -> bool:
    """Both families reviewed, or 14 days passed since the swap completed."""
    return count >= 2 or (swap.completed_at is not None
                          and now >= swap.completed_at + REVIEWS_SHOWN_AFTER)


# --- the families -----------------------------------------------------------------------

@dataclasses.dataclass(eq=False)
class Family:
    """What staycation knows of a family: its account's details (the gateway's
    account_details_changed, latest by `changed_at`), what it needs of a home and its
    verification for swaps."""
    family_id: str
    council: Optional[str] = None
    display_name: Optional[str] = None
    email: Optional[str] = None
    mobile: Optional[str] = None
    language: Optional[str] = None
    changed_at: Optional[datetime.datetime] = None
    needs: list = dataclasses.field(default_factory=list)
    must_haves: list = dataclasses.field(default_factory=list)
    verified_by: Optional[str] = None
    verified_by_role: Optional[str] = None
    verified_at: Optional[datetime.datetime] = None
    # `requires` as a bit mask (`feature_mask`), kept with the needs, for matching
    requires_mask: int = 0

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def requires(self) -> frozenset:
        return required(self.needs, self.must_haves)

    def tell_needs(self, needs: Sequence[str], must_haves: Sequence[str]) -> None:
        self.needs, self.must_haves = list(needs), list(must_haves)
        self.requires_mask = feature_mask(self.requires)

    def verify(self, actor: Mapping[str, Any], referrer_knows: bool,
               now: datetime.datetime) -> list[Event]:
        if not may_verify(actor, self.council, referrer_knows):
            raise NotAllowed("may_not_verify", "only an officer of the family's council or "
                             "a referrer who knows it verifies it")
        self.verified_by, self.verified_by_role, self.verified_at = (
            actor["user_id"], actor["role"], now)
        return [self._event(ev.FAMILY_SWAP_VERIFIED, actor, now)]

    def withdraw_verification(self, actor: Mapping[str, Any], referrer_knows: bool,
                              now: datetime.datetime) -> list[Event]:
        if not may_verify(actor, self.council, referrer_knows):
            raise NotAllowed("may_not_verify", "only an officer of the family's council or "
                             "a referrer who knows it withdraws its verification")
        self.verified_by = self.verified_by_role = self.verified_at = None
        return [self._event(ev.FAMILY_SWAP_VERIFICATION_WITHDRAWN, actor, now)]

    def _event(self, kind: str, actor: Mapping[str, Any], now: datetime.datetime) -> Event:
        return Event(kind, {"family_id": self.family_id, "by": actor["user_id"],
                            "by_role": actor["role"], "at": now})


@dataclasses.dataclass(eq=False)
class Message:
    id: str
    swap_id: str
    family_id: str
    text: str
    at: datetime.datetime


def message_posted(swap: Swap, message: Message) -> Event:
    """What is told of a message: that the family wrote, to the swap's other family."""
    return Event(ev.SWAP_MESSAGE_POSTED, {
        "swap_id": swap.id, "message_id": message.id,
        "proposer_family_id": swap.proposer_family_id,
        "partner_family_id": swap.partner_family_id, "by": message.family_id,
        "at": message.at})


@dataclasses.dataclass(eq=False)
class Review:
    swap_id: str
    family_id: str
    home_id: str  # the home it stayed in
    home_rating: int
    guests_rating: int  # the guests it hosted
    comment: Optional[str]
    at: datetime.datetime


@dataclasses.dataclass(eq=False)
class SafeguardingRead:
    """An officer read a swap's messages (recorded with the answer)."""
    id: str
    swap_id: str
    officer_id: str
    reason: str
    at: datetime.datetime
