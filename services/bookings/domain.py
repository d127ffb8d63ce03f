"""The booking aggregate: how a booking moves through the saga, and who may see or change it.

Plain Python (no nameko, no SQLAlchemy): every method takes the current time and returns the
events to emit; the application layer loads and saves the booking and writes those events to
the outbox in the same transaction.

The saga, as bookings drives it (docs/contracts.md):
- a request announces `booking_requested`, and providers (reserving the places) and budgets
  (holding the money, when there is a budget) answer it at the same time; in `requested` the
  booking keeps which answers it has (`places`, `funds`);
- it is confirmed once the places are reserved and the money is held with the spend approved
  (automatically or by an officer); `awaiting_approval` once the places are reserved and the
  hold waits for an officer; a refusal from either side rejects it, and the rejection makes
  both give back whatever they took;
- with an answer missing by the deadline, `booking_requested` is announced again (both answer
  a repeated request with the same outcome, taking nothing twice), and after `max_retries`
  asks the booking is rejected `timed_out`;
- a gifted booking (price 0) past the council's allowance of gifted breaks is rejected at
  once, `allowance_used`, and announces only its rejection (nothing was taken for it);
- an undone booking (rejected, cancelled, expired) announces itself once, and providers and
  budgets give back whatever they hold for it. If they report holding something for it later
  (a reservation or a hold that raced the compensation), the announcement is repeated: the
  booking does not change, but nothing stays taken for a dead booking.
"""
import dataclasses
import datetime
from typing import Any, Mapping, Optional

from seibiant_common.contracts import bookings as ev
from seibiant_common.fingerprints import fingerprint
from seibiant_common.refusals import Invalid, NotAllowed, WrongRole, require_role
from seibiant_common.vocabularies import REJECTION_REASONS

from . import state_machine as sm
from .state_machine import (
    AWAITING_APPROVAL, CANCELLED, COMPLETED, CONFIRMED, EXPIRED, OFFERED, REJECTED, REQUESTED,
)

# Where the places stand while the booking is requested.
PLACES_PENDING = "pending"
PLACES_RESERVED = "reserved"
# Where the money stands: asked for; held, the spend approved (automatically or by an
# officer); held, waiting for an officer; or nothing to hold (no budget).
FUNDS_PENDING = "pending"
FUNDS_HELD = "held"
FUNDS_AWAITING_OFFICER = "awaiting_officer"
FUNDS_NOT_NEEDED = "not_needed"
FUNDS_READY = frozenset({FUNDS_HELD, FUNDS_NOT_NEEDED})

# Who made a change when no person did.
SYSTEM = "system"
PROVIDERS = "providers"
BUDGETS = "budgets"

# Rejection reasons bookings itself decides (see REJECTION_REASONS).
PRICE_CHANGED = "price_changed"
TIMED_OUT = "timed_out"
ALLOWANCE_USED = "allowance_used"

# The fair share of gifted breaks: a council allows each carer so many gifted
# bookings in a rolling 12 months (DEFAULT_GIFTED_ALLOWANCE until its officer sets one). A
# gifted booking counts from its request for GIFT_WINDOW unless it is given back: rejected,
# cancelled or expired ones are; completed ones are not.
DEFAULT_GIFTED_ALLOWANCE = 1
GIFT_WINDOW = datetime.timedelta(days=365)
GIFTS_GIVEN_BACK = frozenset({REJECTED, CANCELLED, EXPIRED})
# A waiting list's offer is no gift until it is accepted (it becomes a request then).
NOT_COUNTED_AS_GIFTS = GIFTS_GIVEN_BACK | {OFFERED}

CANCELLING_ROLES = frozenset({"family", "provider"})
# Who asks: the gateway's `{"user_id", "role", "council", "provider_id"}` (a referrer's also
# `carer_ids`).
Actor = Mapping[str, Any]
Events = list["Event"]
BOOKING_ROLES = ("family", "referrer")


@dataclasses.dataclass(frozen=True)
class Timeouts:
    step: datetime.timedelta
    max_retries: int
    approval: datetime.timedelta
    # how long a waiting list's offer holds its places for the family to answer
    offer: datetime.timedelta = datetime.timedelta(hours=24)


@dataclasses.dataclass(frozen=True)
class Event:
    type: str
    payload: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Slot:
    """What bookings knows of a slot: from providers' announcements, or from providers'
    `get_slot` when it had heard none yet. `bookable`: not withdrawn and its provider
    approved (providers' reservation has the last word)."""
    id: str
    offer_id: str
    provider_id: str
    category: str
    price_pence: int
    start: datetime.datetime
    end: datetime.datetime
    bookable: bool


@dataclasses.dataclass(frozen=True)
class Gifts:
    """A carer's gifted breaks: the council's allowance and how many count against it."""
    allowed: int
    used: int

    @property
    def left(self) -> int:
        return max(0, self.allowed - self.used)


def is_gift(price_pence: int) -> bool:
    return price_pence == 0


def family_of(actor: Actor, family_id: Optional[str]) -> str:
    """Whose booking a request makes: a family's own, or, for a referrer, one of the carers
    of their centre (`carer_ids`, as the gateway vouches for them)."""
    require_role(actor.get("role"), *BOOKING_ROLES)
    if actor["role"] == "family":
        if family_id not in (None, actor["user_id"]):
            raise Invalid({"family_id": ["a family books for itself"]})
        return actor["user_id"]
    if family_id is None:
        raise Invalid({"family_id": ["required: the carer you book for"]})
    if family_id not in actor.get("carer_ids", ()):
        raise Invalid({"family_id": ["not a carer of your centre"]})
    return family_id


def next_look(now: datetime.datetime, earliest_deadline: Optional[datetime.datetime],
              timeouts: Timeouts) -> datetime.datetime:
    """When the timer must next look for late steps and approvals, having looked at `now`
    and found `earliest_deadline` the soonest of the live bookings' (None: no live booking).
    A deadline set after the look is at least the shorter timeout away, so until then
    there is nothing to read."""
    horizon = now + min(timeouts.step, timeouts.approval)
    return horizon if earliest_deadline is None else min(earliest_deadline, horizon)


def newer(known_as_of: Optional[datetime.datetime], as_of: datetime.datetime) -> bool:
    """Whether a provider's status told at `as_of` replaces the one known since
    `known_as_of` (None: only assumed, from a publication or an answer; any decision
    announced is newer)."""
    return known_as_of is None or as_of > known_as_of


# How a declined spend's transition begins; the rest of its `why` is the officer's reason.
DECLINED_BY_OFFICER = "declined by an officer: "


class Transition:
    """One recorded change of status: from, to, when, why and by whom."""

    def __init__(self, from_status: Optional[str], to_status: str, at: datetime.datetime,
                 why: str, by: str) -> None:
        self.from_status = from_status
        self.to_status = to_status
        self.at = at
        self.why = why
        self.by = by


def request_fingerprint(slot_id: str, places: int, budget_id: Optional[str],
                        share_profile: Any = None) -> str:
    """Identifies a request body, so a reused idempotency key can be told apart (the family
    is part of the key's scope already; a request sharing nothing has the fingerprint it had
    before sharing existed)."""
    body = {"slot_id": slot_id, "places": places, "budget_id": budget_id}
    if share_profile is not None:
        body["share_profile"] = share_profile
    return fingerprint(body)


def same_request(booking: "Booking", slot_id: str, places: int, budget_id: Optional[str],
                 share_profile: Any = None) -> bool:
    return booking.request_fingerprint == request_fingerprint(slot_id, places, budget_id,
                                                              share_profile)


# --- who sees what ----------------------------------------------------------------------

def scope(actor: Actor) -> Optional[tuple[str, str | frozenset[str]]]:
    """(booking attribute, value) that a booking must match to be the actor's, or None when
    the actor's role sees no bookings at all."""
    role = actor.get("role")
    if role == "family" and actor.get("user_id"):
        return "family_id", actor["user_id"]
    if role == "provider" and actor.get("provider_id"):
        return "provider_id", actor["provider_id"]
    if role == "officer" and actor.get("council"):
        return "council", actor["council"]
    if role == "referrer":
        return "family_id", frozenset(actor.get("carer_ids", ()))  # one of these
    return None


def visible_to(booking: "Booking", actor: Actor) -> bool:
    rule = scope(actor)
    if rule is None:
        return False
    value = getattr(booking, rule[0])
    return value in rule[1] if isinstance(rule[1], frozenset) else value == rule[1]


class Booking:
    """A family's booking of places on one slot, and where its saga stands."""

    def __init__(self, id: str, family_id: str, council: Optional[str], idempotency_key: str,
                 request_fingerprint: str, slot_id: str, offer_id: str, provider_id: str,
                 category: str, places: int, unit_price_pence: int, budget_id: Optional[str],
                 slot_start: datetime.datetime, slot_end: datetime.datetime,
                 now: datetime.datetime, share_profile: Any = None) -> None:
        self.id = id
        self.family_id = family_id
        self.council = council
        self.idempotency_key = idempotency_key
        self.request_fingerprint = request_fingerprint
        self.slot_id = slot_id
        self.offer_id = offer_id
        self.provider_id = provider_id
        self.category = category
        self.places = places
        self.unit_price_pence = unit_price_pence
        self.total_pence = unit_price_pence * places
        self.budget_id = budget_id
        self.slot_start = slot_start
        self.slot_end = slot_end
        # What of the family profile the family shares with the provider (None: nothing);
        # families keeps the consent, bookings only passes it on in booking_requested.
        self.share_profile = share_profile
        self.status = REQUESTED
        self.reason: Optional[str] = None
        self.places_state = PLACES_PENDING
        self.funds_state = FUNDS_PENDING if budget_id is not None else FUNDS_NOT_NEEDED
        self.step_attempts = 0
        self.step_deadline: Optional[datetime.datetime] = None
        self.approval_deadline: Optional[datetime.datetime] = None
        self.final_amount_pence: Optional[int] = None
        self.booked_by: Optional[str] = None  # a referrer who booked for the family
        # a waiting list's offer: until when the family may accept it
        self.offer_expires_at: Optional[datetime.datetime] = None
        self.created_at = now
        self.updated_at = now
        self.transitions: list[Transition] = []

    @property
    def decline_reason(self) -> Optional[str]:
        """The officer's own words for declining the spend, or None."""
        if self.reason != "declined":
            return None
        for transition in reversed(self.transitions):
            if transition.why.startswith(DECLINED_BY_OFFICER):
                return transition.why[len(DECLINED_BY_OFFICER):] or None
        return None

    @property
    def cancelled_by(self) -> Optional[str]:
        """Who cancelled it: `family`, `provider` (only they may), or `system` when the
        provider withdrew its slot; None while not cancelled."""
        if self.status != CANCELLED:
            return None
        by = next(transition.by for transition in reversed(self.transitions)
                  if transition.to_status == CANCELLED)
        return SYSTEM if by == SYSTEM else "family" if by in (
            self.family_id, self.booked_by) else "provider"

    @classmethod
    def request(cls, booking_id: str, actor: Actor, idempotency_key: str, slot: Slot,
                places: int, budget_id: Optional[str], now: datetime.datetime,
                timeouts: Timeouts, family_id: Optional[str] = None,
                gifts: Optional["Gifts"] = None,
                share_profile: Any = None) -> tuple["Booking", Events]:
        """A family's request for `places` on `slot` (as bookings knows it), or a referrer's
        for one of their carers (`family_id`; gifted breaks only, no budget): the new
        booking and the event that starts its saga. `gifts`, the family's gifted breaks
        (counted under its lock), is needed for a gifted slot: past the allowance the
        booking is rejected at once."""
        family_id = family_of(actor, family_id)
        by_referrer = actor["role"] == "referrer"
        if by_referrer and not is_gift(slot.price_pence):
            raise Invalid({"slot_id": ["a referrer books gifted breaks (price 0) only"]})
        if by_referrer and budget_id is not None:
            raise Invalid({"budget_id": ["a referrer books without a budget"]})
        if is_gift(slot.price_pence) and gifts is None:
            raise ValueError("a gifted booking needs the family's gifts counted")
        if not slot.bookable:
            raise NotAllowed("slot_not_bookable", "this slot cannot be booked")
        if slot.start <= now:
            raise NotAllowed("slot_not_bookable", "this slot has already started")
        if budget_id is None and slot.price_pence > 0:
            raise Invalid({"budget_id": ["required unless the offer is gifted (price 0)"]})
        booking = cls(
            id=booking_id, family_id=family_id, council=actor.get("council"),
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint(slot.id, places, budget_id, share_profile),
            slot_id=slot.id, offer_id=slot.offer_id, provider_id=slot.provider_id,
            category=slot.category, places=places, unit_price_pence=slot.price_pence,
            budget_id=budget_id, slot_start=slot.start, slot_end=slot.end, now=now,
            share_profile=share_profile,
        )
        booking.booked_by = actor["user_id"] if by_referrer else None
        booking.transitions.append(Transition(
            None, REQUESTED, now, "requested by a referrer for the family" if by_referrer
            else "requested by the family", actor["user_id"]))
        if gifts is not None and is_gift(slot.price_pence) and gifts.left == 0:
            return booking, booking._reject(
                ALLOWANCE_USED, now, SYSTEM, "the council allows {} gifted breaks in 12 "
                "months and {} are used".format(gifts.allowed, gifts.used))
        booking.step_deadline = now + timeouts.step
        return booking, [booking._request_event()]

    @classmethod
    def offer(cls, booking_id: str, family_id: str, council: Optional[str],
              idempotency_key: str, slot: Slot, places: int, now: datetime.datetime,
              timeouts: Timeouts, booked_by: Optional[str] = None) -> tuple["Booking", Events]:
        """A waiting list's offer of `places` that came free on `slot` to the family first in
        line (waiting.py): a booking `offered`, whose places providers reserves at once
        (booking_offered), held until `offer_expires_at` for the family to accept."""
        booking = cls(
            id=booking_id, family_id=family_id, council=council,
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint(slot.id, places, None),
            slot_id=slot.id, offer_id=slot.offer_id, provider_id=slot.provider_id,
            category=slot.category, places=places, unit_price_pence=slot.price_pence,
            budget_id=None, slot_start=slot.start, slot_end=slot.end, now=now)
        booking.status = OFFERED
        booking.booked_by = booked_by
        booking.funds_state = FUNDS_NOT_NEEDED  # until it is accepted with a budget
        booking.offer_expires_at = min(now + timeouts.offer, slot.start)
        booking.transitions.append(Transition(
            None, OFFERED, now, "offered from the waiting list", SYSTEM))
        return booking, [Event(ev.BOOKING_OFFERED, dict(
            booking.facts(), booking_id=booking.id, slot_id=booking.slot_id,
            offer_expires_at=booking.offer_expires_at))]

    def accept(self, actor: Actor, budget_id: Optional[str], gifts: Optional["Gifts"],
               now: datetime.datetime, timeouts: Timeouts) -> Events:
        """The family (or their referrer, for a gift) accepts the offer in time: it becomes
        a request, and the saga goes on as for any other (providers answers it with the
        places it holds already; the money is held, the spend approved, the allowance
        counted as usual)."""
        family_of(actor, self.family_id)
        if self.status != OFFERED:
            raise NotAllowed("not_offered", "a {} booking is no offer to accept".format(
                self.status))
        if self.offer_expires_at is not None and now >= self.offer_expires_at:
            raise NotAllowed("offer_expired", "the offer ran out at {}".format(
                self.offer_expires_at.isoformat()))
        if is_gift(self.unit_price_pence):
            if budget_id is not None:
                raise Invalid({"budget_id": ["a gifted break is booked without a budget"]})
            if gifts is None:
                raise ValueError("a gifted offer needs the family's gifts counted")
        elif actor["role"] == "referrer":
            raise Invalid({"budget_id": ["a referrer books gifted breaks (price 0) only"]})
        elif budget_id is None:
            raise Invalid({"budget_id": ["required unless the offer is gifted (price 0)"]})
        self.budget_id = budget_id
        self.funds_state = FUNDS_PENDING if budget_id is not None else FUNDS_NOT_NEEDED
        # providers answers the request by announcing the places it holds again: that
        # answer moves the saga on, as for any request
        self.places_state = PLACES_PENDING
        self.offer_expires_at = None
        self._move(REQUESTED, now, actor["user_id"], "offer accepted by the {}".format(
            actor["role"]))
        if gifts is not None and gifts.left == 0:
            return self._reject(
                ALLOWANCE_USED, now, SYSTEM, "the council allows {} gifted breaks in 12 "
                "months and {} are used".format(gifts.allowed, gifts.used))
        self.step_deadline = now + timeouts.step
        return [self._request_event()]

    def offer_timed_out(self, now: datetime.datetime) -> Events:
        """No answer in time: the offer expires and its places go to the next in line."""
        if (self.status != OFFERED or self.offer_expires_at is None
                or now < self.offer_expires_at):
            return []
        self._move(EXPIRED, now, SYSTEM, "the offer was not answered in time")
        return [self.undone_event()]

    def decline_offer(self, by: str, now: datetime.datetime) -> Events:
        """The family left the waiting list holding this offer: its places go on down the
        line."""
        if self.status != OFFERED:
            return []
        self._move(CANCELLED, now, by, "offer declined: left the waiting list")
        return [self.undone_event()]

    @property
    def was_offer(self) -> bool:
        """Whether it ended as a waiting list's offer (never accepted)."""
        return bool(self.transitions) and self.status in sm.UNDONE and \
            self.transitions[-1].from_status == OFFERED

    # --- the saga's answers -------------------------------------------------------------

    def places_reserved(self, unit_price_pence: int, now: datetime.datetime,
                        timeouts: Timeouts) -> Events:
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        if self.status == OFFERED:
            self.places_state = PLACES_RESERVED  # held for the family until it answers
            self.updated_at = now
            return []
        if not self._waiting_for_places():
            return []  # a repeated answer
        if unit_price_pence != self.unit_price_pence:
            # The family agreed to the price it was shown, not to another one.
            return self._reject(PRICE_CHANGED, now, PROVIDERS,
                                "reserved at {}p a place, requested at {}p".format(
                                    unit_price_pence, self.unit_price_pence))
        self.places_state = PLACES_RESERVED
        return self._advance(now, PROVIDERS, "places reserved", timeouts)

    def reservation_refused(self, reason: str, now: datetime.datetime) -> Events:
        if self.status == OFFERED and self.places_state == PLACES_PENDING:
            # the places were taken (first come) before providers could hold them
            self._move(EXPIRED, now, PROVIDERS, "the places offered were taken: {}".format(
                reason), reason="sold_out")
            return [self.undone_event()]
        if not self._waiting_for_places():
            return []
        known = reason if reason in REJECTION_REASONS else "slot_not_bookable"
        return self._reject(known, now, PROVIDERS, "reservation refused: {}".format(reason))

    def funds_held(self, approval: str, now: datetime.datetime, timeouts: Timeouts) -> Events:
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        if not self._waiting_for_funds():
            return []
        if approval == "auto":
            self.funds_state = FUNDS_HELD
            return self._advance(now, BUDGETS, "funds held, spend approved automatically",
                                 timeouts)
        return self.approval_required(now, timeouts)

    def approval_required(self, now: datetime.datetime, timeouts: Timeouts) -> Events:
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        if not self._waiting_for_funds():
            return []  # said twice (funds_held "required" and approval_required), or late
        self.funds_state = FUNDS_AWAITING_OFFICER
        return self._advance(now, BUDGETS, "funds held", timeouts)

    def spend_approved(self, decided_by: str, reason: Optional[str],
                       now: datetime.datetime) -> Events:
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        # The approval may overtake funds_held and approval_required, and the places: they
        # travel on different queues.
        if not self._deciding_funds():
            return []
        self.funds_state = FUNDS_HELD
        return self._advance(now, decided_by, "approved by an officer: {}".format(reason or ""))

    def spend_declined(self, decided_by: str, reason: Optional[str],
                       now: datetime.datetime) -> Events:
        if not self._deciding_funds():
            return []
        return self._reject("declined", now, decided_by,
                            DECLINED_BY_OFFICER + (reason or ""))

    def hold_refused(self, reason: str, now: datetime.datetime) -> Events:
        if not self._waiting_for_funds():
            return []
        known = reason if reason in REJECTION_REASONS else "budget_inactive"
        return self._reject(known, now, BUDGETS, "hold refused: {}".format(reason))

    def slot_withdrawn(self, now: datetime.datetime) -> Events:
        if self.status not in sm.CANCELLABLE:
            return []
        self._move(CANCELLED, now, SYSTEM, "the provider withdrew the slot")
        return [self.undone_event()]

    # --- people's requests --------------------------------------------------------------

    def cancel(self, actor: Actor, now: datetime.datetime) -> Events:
        if actor.get("role") not in CANCELLING_ROLES:
            raise WrongRole("only the family or the provider may cancel a booking")
        if self.status not in sm.CANCELLABLE:
            raise NotAllowed("not_cancellable", "a {} booking cannot be cancelled".format(
                self.status))
        if now >= self.slot_start:
            raise NotAllowed("already_started", "the break has already started")
        self._move(CANCELLED, now, actor["user_id"], "cancelled by the {}".format(actor["role"]))
        return [self.undone_event()]

    def complete(self, actor: Actor, final_amount_pence: Optional[int],
                 now: datetime.datetime) -> Events:
        require_role(actor.get("role"), "provider")
        if self.status != CONFIRMED:
            raise NotAllowed("not_confirmed", "only a confirmed booking can be completed")
        if now < self.slot_start:
            raise NotAllowed("not_started", "the break has not started yet")
        amount = self.total_pence if final_amount_pence is None else final_amount_pence
        if amount > self.total_pence:
            raise Invalid({"final_amount_pence": [
                "cannot exceed the booking's total of {} pence".format(self.total_pence)]})
        self.final_amount_pence = amount
        self._move(COMPLETED, now, actor["user_id"],
                   "break delivered; {} of {} pence charged".format(amount, self.total_pence))
        return [Event(ev.BOOKING_COMPLETED, dict(self.facts(), booking_id=self.id,
                                                 final_amount_pence=amount))]

    # --- time ---------------------------------------------------------------------------

    def step_timed_out(self, now: datetime.datetime, timeouts: Timeouts) -> Events:
        """Answers that are late are asked for again, then given up safely."""
        if self.status != REQUESTED or self.step_deadline is None or now < self.step_deadline:
            return []
        if self.step_attempts < timeouts.max_retries:
            self.step_attempts += 1
            self.step_deadline = now + timeouts.step
            return [self._request_event()]
        return self._reject(TIMED_OUT, now, SYSTEM, "no answer from {} after {} tries".format(
            " and ".join(self.missing_answers()), self.step_attempts + 1))

    def missing_answers(self) -> list[str]:
        """Who has not answered booking_requested yet (while requested)."""
        missing = []
        if self.places_state == PLACES_PENDING:
            missing.append(PROVIDERS)
        if self.funds_state == FUNDS_PENDING:
            missing.append(BUDGETS)
        return missing

    def approval_timed_out(self, now: datetime.datetime) -> Events:
        if (self.status != AWAITING_APPROVAL or self.approval_deadline is None
                or now < self.approval_deadline):
            return []
        self._move(EXPIRED, now, SYSTEM, "no officer decided in time")
        return [self.undone_event()]

    # --- internals ----------------------------------------------------------------------

    def _waiting_for_places(self) -> bool:
        return self.status == REQUESTED and self.places_state == PLACES_PENDING

    def _waiting_for_funds(self) -> bool:
        return self.status == REQUESTED and self.funds_state == FUNDS_PENDING

    def _deciding_funds(self) -> bool:
        """The hold may still be decided by an officer: held or about to be, not approved."""
        return (self.status == AWAITING_APPROVAL or (
            self.status == REQUESTED
            and self.funds_state in (FUNDS_PENDING, FUNDS_AWAITING_OFFICER)))

    def _advance(self, now: datetime.datetime, by: str, why: str,
                 timeouts: Optional[Timeouts] = None) -> Events:
        """After an answer: confirmed when nothing is missing, awaiting approval when only an
        officer is (`timeouts` set its deadline), otherwise still waiting for the other
        answer."""
        if self.status == AWAITING_APPROVAL or (
                self.places_state == PLACES_RESERVED and self.funds_state in FUNDS_READY):
            return self._confirm(now, by, why)
        if self.places_state == PLACES_RESERVED and \
                self.funds_state == FUNDS_AWAITING_OFFICER:
            # only the answers that can leave an officer missing (places, funds) pass timeouts
            assert timeouts is not None
            return self._await_approval(now, timeouts)
        self.updated_at = now
        return []

    def _move(self, to_status: str, now: datetime.datetime, by: str, why: str,
              reason: Optional[str] = None) -> None:
        sm.check(self.status, to_status)
        self.transitions.append(Transition(self.status, to_status, now, why, by))
        self.status = to_status
        self.reason = reason
        self.updated_at = now
        self.step_deadline = None
        if to_status != AWAITING_APPROVAL:
            self.approval_deadline = None

    def _request_event(self) -> Event:
        """booking_requested: what providers needs to reserve the places, and budgets to
        hold the money (no budget: nothing to hold)."""
        return Event(ev.BOOKING_REQUESTED, {
            "booking_id": self.id, "family_id": self.family_id, "council": self.council,
            "slot_id": self.slot_id, "places": self.places, "budget_id": self.budget_id,
            "amount_pence": self.total_pence, "category": self.category,
            "break_start": self.slot_start, "break_end": self.slot_end,
            "provider_id": self.provider_id, "offer_id": self.offer_id,
            "share_profile": self.share_profile})

    def facts(self) -> dict[str, Any]:
        """What every status event also says of the booking, so that a consumer that keeps
        no copy of bookings (notifications) can tell its people: docs/contracts.md."""
        return {"family_id": self.family_id, "council": self.council,
                "provider_id": self.provider_id, "offer_id": self.offer_id,
                "slot_start": self.slot_start, "slot_end": self.slot_end,
                "places": self.places, "amount_pence": self.total_pence}

    def _confirm(self, now: datetime.datetime, by: str, why: str) -> Events:
        self._move(CONFIRMED, now, by, why)
        return [Event(ev.BOOKING_CONFIRMED, dict(self.facts(), booking_id=self.id))]

    def _await_approval(self, now: datetime.datetime, timeouts: Timeouts) -> Events:
        self._move(AWAITING_APPROVAL, now, BUDGETS, "the spend needs an officer's approval")
        self.approval_deadline = now + timeouts.approval
        return [Event(ev.BOOKING_AWAITING_APPROVAL, dict(
            self.facts(), booking_id=self.id, approval_deadline=self.approval_deadline))]

    def _reject(self, reason: str, now: datetime.datetime, by: str, why: str) -> Events:
        self._move(REJECTED, now, by, why, reason=reason)
        return [self.undone_event()]

    def undone_event(self) -> Event:
        """The fact that tells providers and budgets to give back what they hold for it."""
        if self.status == REJECTED:
            return Event(ev.BOOKING_REJECTED, dict(self.facts(), booking_id=self.id,
                                                   reason=self.reason,
                                                   officer_reason=self.decline_reason))
        if self.status == EXPIRED and self.was_offer:
            return Event(ev.BOOKING_OFFER_EXPIRED, dict(self.facts(), booking_id=self.id,
                                                        slot_id=self.slot_id,
                                                        reason=self.reason))
        if self.status == EXPIRED:
            return Event(ev.BOOKING_EXPIRED, dict(self.facts(), booking_id=self.id))
        return Event(ev.BOOKING_CANCELLED, dict(self.facts(), booking_id=self.id,
                                                by=self.transitions[-1].by,
                                                offer_declined=self.was_offer))
