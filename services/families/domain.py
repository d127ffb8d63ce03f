"""A family's profile, told once; who may read it and for how long; and feedback on breaks.

Plain Python (no nameko, no SQLAlchemy): the rules take `now`, and turn a request down with
`seibiant_common.refusals`. The application layer loads and saves these objects.

- A family keeps one profile: its people (each the cared-for person or a carer, with what a
  provider needs to know of them), an emergency contact and its preferred language.
- The family, and officers of the family's council, read the whole profile. A booking's
  provider reads what the family chose to share when booking (`Consent`: people and
  sections, all of either when not chosen), as the profile stands when it is read, from the
  booking's confirmation until `sharing_days` after its break ends, unless the family has
  withdrawn the consent. Nobody else reads it (rule 7, docs/design.md); every read by
  someone other than the family is recorded (`Read`) and shown to the family.
- After a break is completed its family may give feedback once; a provider's feedback is
  counted and averaged with no family named, and officers answer it ("you said, we did").
"""
import dataclasses
import datetime
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, Mapping, Optional, Sequence

from seibiant_common.contracts import families as ev
from seibiant_common.contracts.families import PERSON_SECTIONS, SECTIONS
from seibiant_common.refusals import Invalid, NotAllowed, require_role

DEFAULT_SHARING_DAYS = 7
MAX_PEOPLE = 20
# A provider's average rating is shown to families searching once this many have given it
# (fewer would be no more than one family's say, and might tell who said it).
MIN_REVIEWS_SHOWN = 5
FEWER_THAN_5 = "fewer than 5"  # insight's small-group rule (services/insight/domain.py)

# A booking's statuses as families hears of them, by how far along they are: an event that
# arrives late (they travel on different queues) never moves a booking back.
REQUESTED, CONFIRMED, COMPLETED = "requested", "confirmed", "completed"
ENDED_WITHOUT_BREAK = ("rejected", "cancelled", "expired")
PROGRESS = dict({REQUESTED: 0, CONFIRMED: 1, COMPLETED: 2},
                **dict.fromkeys(ENDED_WITHOUT_BREAK, 2))
SHARING_STATUSES = frozenset({CONFIRMED, COMPLETED})

# Who a reader was, in the read record.
VIA_BOOKING, VIA_COUNCIL = "booking", "council"

# Who asks: the gateway's `{"user_id", "role", "council", "provider_id"}`.
Actor = Mapping[str, Any]
# One of a profile's people, as the family told it (see Profile).
Person = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Event:
    type: str
    payload: dict[str, Any]


class Profile:
    """A family's profile. `people`: dicts with `id`, `name`, `relationship` and the
    PERSON_SECTIONS; `emergency_contact`: `{name, phone, relationship}` or None."""

    def __init__(self, family_id: str, council: Optional[str], people: list[Person],
                 emergency_contact: Optional[dict[str, Any]], language: Optional[str],
                 now: Optional[datetime.datetime]) -> None:
        self.family_id = family_id
        self.council = council
        self.people = people
        self.emergency_contact = emergency_contact
        self.language = language
        self.created_at = now
        self.updated_at = now

    @classmethod
    def empty(cls, family_id: str, council: Optional[str],
              language: Optional[str] = None) -> "Profile":
        """What a family that has told nothing yet reads (not stored)."""
        profile = cls(family_id, council, [], None, language, None)
        profile.created_at = profile.updated_at = None
        return profile

    def write(self, actor: Actor, data: Mapping[str, Any], now: datetime.datetime) -> None:
        """Replaces the profile with the family's `data` (its shape checked already)."""
        require_role(actor.get("role"), "family")
        self.people = people_with_ids(data.get("people") or [])
        self.emergency_contact = data.get("emergency_contact")
        self.language = data.get("language")
        self.council = actor.get("council")
        self.updated_at = now

    @property
    def needs(self) -> list[str]:
        """The family's needs: every need of its people, in the vocabulary's order of first
        mention (what search pages pre-tick)."""
        seen: list[str] = []
        for person in self.people:
            for need in person.get("needs") or []:
                if need not in seen:
                    seen.append(need)
        return seen

    def shared(self, consent: "Consent") -> dict[str, Any]:
        """The part of the profile `consent` shares: its people (named by their id or their
        name), each with their name and relationship and the chosen sections; the emergency
        contact if chosen."""
        sections = set(SECTIONS if consent.sections is None else consent.sections)
        people = [person for person in self.people if consent.people is None
                  or person["id"] in consent.people or person.get("name") in consent.people]
        return {
            "people": [{key: value for key, value in person.items()
                        if key in ("id", "name", "relationship")
                        or (key in PERSON_SECTIONS and key in sections)}
                       for person in people],
            "emergency_contact": (self.emergency_contact if "emergency_contact" in sections
                                  else None),
            "language": self.language,
            "sections": [section for section in SECTIONS if section in sections],
            "updated_at": self.updated_at,
        }


def people_with_ids(people: Sequence[Mapping[str, Any]]) -> list[Person]:
    """The people, each with an id (a new one when not given); the same id twice is
    Invalid."""
    if len(people) > MAX_PEOPLE:
        raise Invalid({"people": ["At most {} people.".format(MAX_PEOPLE)]})
    ids = [person.get("id") for person in people if person.get("id")]
    if len(ids) != len(set(ids)):
        raise Invalid({"people": ["Each person's id must be different."]})
    return [dict(person, id=person.get("id") or uuid.uuid4().hex[:12]) for person in people]


class KnownBooking:
    """What families knows of a booking, from bookings' events: whose it is, whose offer,
    when its break ends, and how far along it is."""

    def __init__(self, booking_id: str, status: str, family_id: Optional[str] = None,
                 council: Optional[str] = None, provider_id: Optional[str] = None,
                 break_end: Optional[datetime.datetime] = None) -> None:
        self.booking_id = booking_id
        self.status = status
        self.family_id = family_id
        self.council = council
        self.provider_id = provider_id
        self.break_end = break_end


def later_status(known: Optional[str], heard: str) -> bool:
    """Whether a status `heard` moves a booking on from the one `known` (None: none yet)."""
    return known is None or PROGRESS.get(heard, 0) > PROGRESS.get(known, 0)


def sharing_open(booking: Optional[KnownBooking], now: datetime.datetime,
                 sharing_days: float) -> bool:
    """Whether a booking's provider may read what was shared with it at `now`: from its
    confirmation until `sharing_days` days after the break ends."""
    return (booking is not None and booking.status in SHARING_STATUSES
            and booking.break_end is not None
            and now <= booking.break_end + datetime.timedelta(days=sharing_days))


class Consent:
    """A family's consent to share (part of) its profile with one booking's provider."""

    def __init__(self, booking_id: str, family_id: str, people: Optional[list[str]],
                 sections: Optional[list[str]], given_at: datetime.datetime) -> None:
        self.booking_id = booking_id
        self.family_id = family_id
        self.people = people
        self.sections = sections
        self.given_at = given_at
        self.withdrawn_at: Optional[datetime.datetime] = None

    def withdraw(self, actor: Actor, now: datetime.datetime) -> None:
        """The family takes the consent back (once: withdrawing again changes nothing)."""
        require_role(actor.get("role"), "family")
        if self.withdrawn_at is None:
            self.withdrawn_at = now


def provider_may_read(actor: Actor, booking: Optional[KnownBooking], consent: Optional[Consent],
                      now: datetime.datetime, sharing_days: float) -> bool:
    """Whether `actor` is the booking's provider and may read what the family shared now."""
    return (actor.get("role") == "provider" and booking is not None
            and actor.get("provider_id") is not None
            and booking.provider_id == actor.get("provider_id")
            and consent is not None and consent.withdrawn_at is None
            and booking.family_id == consent.family_id
            and sharing_open(booking, now, sharing_days))


def officer_may_read(actor: Actor, profile: Optional[Profile]) -> bool:
    """Officers of the family's council read its whole profile (and the read is recorded)."""
    return (actor.get("role") == "officer" and profile is not None
            and profile.council is not None and actor.get("council") == profile.council)


class Read:
    """One read of a family's profile by someone else: who, as what, through which booking,
    when."""

    def __init__(self, id: str, family_id: str, reader_id: str, reader_role: str, via: str,
                 booking_id: Optional[str], at: datetime.datetime) -> None:
        self.id = id
        self.family_id = family_id
        self.reader_id = reader_id
        self.reader_role = reader_role
        self.via = via
        self.booking_id = booking_id
        self.at = at

    @classmethod
    def by(cls, actor: Actor, family_id: str, booking_id: Optional[str],
           now: datetime.datetime) -> "Read":
        return cls(uuid.uuid4().hex, family_id, actor["user_id"], actor["role"],
                   VIA_BOOKING if booking_id else VIA_COUNCIL, booking_id, now)


class Feedback:
    """A family's feedback on one completed break."""

    def __init__(self, booking_id: str, family_id: str, provider_id: str,
                 council: Optional[str], rating: int, rested: int, comment: Optional[str],
                 would_book_again: bool, given_at: datetime.datetime) -> None:
        self.booking_id = booking_id
        self.family_id = family_id
        self.provider_id = provider_id
        self.council = council
        self.rating = rating
        self.rested = rested
        self.comment = comment
        self.would_book_again = would_book_again
        self.given_at = given_at

    @classmethod
    def give(cls, actor: Actor, booking: KnownBooking, already_given: bool,
             data: Mapping[str, Any], now: datetime.datetime) -> tuple["Feedback", list[Event]]:
        """The feedback of the booking's family (`booking` is theirs: the application
        answers NotFound otherwise), and the event that announces it. Only after the break
        was completed, and once."""
        require_role(actor.get("role"), "family")
        if already_given:
            raise NotAllowed("feedback_given", "feedback on this booking was given already")
        if booking.status != COMPLETED:
            raise NotAllowed("not_completed", "feedback is asked for once the break is over")
        for name in ("rating", "rested"):
            if not 1 <= data[name] <= 5:
                raise Invalid({name: ["From 1 to 5."]})
        # Its family matched (the application checked), so its request was heard, and that
        # told families both its family and its provider.
        assert booking.family_id is not None and booking.provider_id is not None
        feedback = cls(booking.booking_id, booking.family_id, booking.provider_id,
                       booking.council, data["rating"], data["rested"],
                       (data.get("comment") or "").strip() or None,
                       data["would_book_again"], now)
        return feedback, [Event(ev.FEEDBACK_GIVEN, {
            "booking_id": feedback.booking_id, "provider_id": feedback.provider_id,
            "council": feedback.council, "rating": feedback.rating,
            "rested": feedback.rested, "would_book_again": feedback.would_book_again,
            "given_at": now})]


def average(total: int, count: int) -> Optional[float]:
    """An exact average to two decimal places (half up), as a string-free number; None
    when there is nothing to average."""
    if not count:
        return None
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def summary(feedbacks: Sequence[Feedback]) -> dict[str, Any]:
    """Counts, averages and each feedback (newest first) of a provider, with no family
    named."""
    count = len(feedbacks)
    return {
        "count": count,
        "average_rating": average(sum(f.rating for f in feedbacks), count),
        "average_rested": average(sum(f.rested for f in feedbacks), count),
        "would_book_again_count": sum(1 for f in feedbacks if f.would_book_again),
        "items": [{"rating": f.rating, "rested": f.rested, "comment": f.comment,
                   "would_book_again": f.would_book_again, "at": f.given_at}
                  for f in sorted(feedbacks, key=lambda f: f.given_at, reverse=True)],
    }


def gifted_feedback(feedbacks: Sequence[Feedback]) -> dict[str, Any]:
    """Carers' feedback on the gifted breaks a provider gave (its impact), no carer named;
    fewer than 5 of them show only that (their averages and words could say who)."""
    if 0 < len(feedbacks) < MIN_REVIEWS_SHOWN:
        return {"count": FEWER_THAN_5, "average_rating": None, "average_rested": None,
                "would_book_again_count": None, "items": []}
    return summary(feedbacks)


def public_rating(provider_id: str, count: int,
                  rating_total: int) -> Optional[dict[str, Any]]:
    """What families searching see of a provider's feedback, or None below
    MIN_REVIEWS_SHOWN reviews."""
    if count < MIN_REVIEWS_SHOWN:
        return None
    return {"provider_id": provider_id, "count": count,
            "average_rating": average(rating_total, count)}


def may_see_feedback(actor: Actor, provider_id: str) -> Optional[str] | Literal[False]:
    """(`council` to limit to, or None for all) of a provider's feedback the actor may see,
    or False: the provider its own, officers their council's families', admin all."""
    role = actor.get("role")
    if role == "provider":
        return None if actor.get("provider_id") == provider_id else False
    if role == "officer":
        return actor.get("council")
    if role == "admin":
        return None
    return False


class Response:
    """An officer's "you said, we did": an answer to families' feedback on one provider, or
    on the council's breaks as a whole (`provider_id` None), shown to the council's
    families."""

    def __init__(self, id: str, council: str, provider_id: Optional[str], officer_id: str,
                 text: str, at: datetime.datetime) -> None:
        self.id = id
        self.council = council
        self.provider_id = provider_id
        self.officer_id = officer_id
        self.text = text
        self.at = at

    @classmethod
    def post(cls, actor: Actor, provider_id: Optional[str], text: Optional[str],
             now: datetime.datetime) -> "Response":
        require_role(actor.get("role"), "officer")
        text = (text or "").strip()
        if not text:
            raise Invalid({"text": ["Say what was done."]})
        return cls(uuid.uuid4().hex, actor["council"], provider_id, actor["user_id"], text,
                   now)
