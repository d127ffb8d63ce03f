"""The booking aggregate: how a booking moves through the saga, and who may see or change it.

Plain Python (no nameko, no SQLAlchemy): every method takes the current time and returns the
events to emit; the application layer loads and saves the booking and writes those events to
the outbox in the same transaction.

The saga, as bookings drives it (docs/contracts.md):
- in `requested`, the booking is at one of two steps: `reserve` (waiting for providers'
  answer to booking_requested) or `hold` (waiting for budgets' answer to funds_hold_requested);
- a step with no answer by its deadline is asked again (reserve and hold are idempotent by
  booking id), and after `max_retries` asks the booking is rejected `timed_out`;
- an undone booking (rejected, cancelled, expired) announces itself once, and providers and
  budgets give back whatever they hold for it. If they report holding something for it later
  (a reservation or a hold that raced the compensation), the announcement is repeated: the
  booking does not change, but nothing stays taken for a dead booking.
"""
import dataclasses
import datetime
import hashlib
import json

from seibiant_common.vocabularies import REJECTION_REASONS

from . import events as ev
from . import state_machine as sm
from .state_machine import (
    AWAITING_APPROVAL, CANCELLED, COMPLETED, CONFIRMED, EXPIRED, REJECTED, REQUESTED,
)

RESERVE = "reserve"
HOLD = "hold"
STEPS = (RESERVE, HOLD)

# Who made a change when no person did.
SYSTEM = "system"
PROVIDERS = "providers"
BUDGETS = "budgets"

# Rejection reasons bookings itself decides (see REJECTION_REASONS).
PRICE_CHANGED = "price_changed"
TIMED_OUT = "timed_out"

CANCELLING_ROLES = frozenset({"family", "provider"})
MAX_PLACES = 100


class BookingError(Exception):
    """A request that the rules refuse; the service turns it into a wire error."""


class InvalidRequest(BookingError):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class NotAllowed(BookingError):
    """The booking's state forbids it (a Conflict on the wire)."""

    def __init__(self, code, detail):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


class WrongRole(BookingError):
    """The actor's role may never do this."""


@dataclasses.dataclass(frozen=True)
class Timeouts:
    step: datetime.timedelta
    max_retries: int
    approval: datetime.timedelta


@dataclasses.dataclass(frozen=True)
class Event:
    type: str
    payload: dict


@dataclasses.dataclass(frozen=True)
class Slot:
    """What providers said about a slot when the family asked (get_slot)."""
    id: str
    offer_id: str
    provider_id: str
    category: str
    price_pence: int
    start: datetime.datetime
    end: datetime.datetime
    bookable: bool


class Transition:
    """One recorded change of status: from, to, when, why and by whom."""

    def __init__(self, from_status, to_status, at, why, by):
        self.from_status = from_status
        self.to_status = to_status
        self.at = at
        self.why = why
        self.by = by


def request_fingerprint(slot_id, places, budget_id):
    """Identifies a request body, so a reused idempotency key can be told apart."""
    body = json.dumps({"slot_id": slot_id, "places": places, "budget_id": budget_id},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def same_request(booking, slot_id, places, budget_id):
    return booking.request_fingerprint == request_fingerprint(slot_id, places, budget_id)


# --- who sees what ----------------------------------------------------------------------

def scope(actor):
    """(booking attribute, value) that a booking must match to be the actor's, or None when
    the actor's role sees no bookings at all."""
    role = actor.get("role")
    if role == "family" and actor.get("user_id"):
        return "family_id", actor["user_id"]
    if role == "provider" and actor.get("provider_id"):
        return "provider_id", actor["provider_id"]
    if role == "officer" and actor.get("council"):
        return "council", actor["council"]
    return None


def visible_to(booking, actor):
    rule = scope(actor)
    return rule is not None and getattr(booking, rule[0]) == rule[1]


def require_role(actor, *roles):
    if actor.get("role") not in roles:
        raise WrongRole("only {} may do this".format(" or ".join(roles)))


class Booking:
    """A family's booking of places on one slot, and where its saga stands."""

    def __init__(self, id, family_id, council, idempotency_key, request_fingerprint, slot_id,
                 offer_id, provider_id, category, places, unit_price_pence, budget_id,
                 slot_start, slot_end, now):
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
        self.status = REQUESTED
        self.reason = None
        self.step = None
        self.step_attempts = 0
        self.step_deadline = None
        self.approval_deadline = None
        self.final_amount_pence = None
        self.created_at = now
        self.updated_at = now
        self.transitions = []

    @classmethod
    def request(cls, booking_id, actor, idempotency_key, slot, places, budget_id, now,
                timeouts):
        """A family's request for `places` on `slot` (as providers described it just now):
        the new booking and the events that start its saga."""
        require_role(actor, "family")
        if not slot.bookable:
            raise NotAllowed("slot_not_bookable", "this slot cannot be booked")
        if slot.start <= now:
            raise NotAllowed("slot_not_bookable", "this slot has already started")
        if budget_id is None and slot.price_pence > 0:
            raise InvalidRequest({"budget_id": ["required unless the offer is gifted (price 0)"]})
        booking = cls(
            id=booking_id, family_id=actor["user_id"], council=actor.get("council"),
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint(slot.id, places, budget_id),
            slot_id=slot.id, offer_id=slot.offer_id, provider_id=slot.provider_id,
            category=slot.category, places=places, unit_price_pence=slot.price_pence,
            budget_id=budget_id, slot_start=slot.start, slot_end=slot.end, now=now,
        )
        booking.transitions.append(Transition(None, REQUESTED, now, "requested by the family",
                                              actor["user_id"]))
        return booking, booking._start_step(RESERVE, now, timeouts)

    # --- the saga's answers -------------------------------------------------------------

    def places_reserved(self, unit_price_pence, slot_start, slot_end, now, timeouts):
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        if not self._at_step(RESERVE):
            return []  # a repeated answer
        if unit_price_pence != self.unit_price_pence:
            # The family agreed to the price it was shown, not to another one.
            return self._reject(PRICE_CHANGED, now, PROVIDERS,
                                "reserved at {}p a place, requested at {}p".format(
                                    unit_price_pence, self.unit_price_pence))
        self.slot_start, self.slot_end = slot_start, slot_end
        if self.total_pence == 0 and self.budget_id is None:
            return self._confirm(now, PROVIDERS, "places reserved; a gifted break costs nothing")
        return self._start_step(HOLD, now, timeouts)

    def reservation_refused(self, reason, now):
        if not self._at_step(RESERVE):
            return []
        known = reason if reason in REJECTION_REASONS else "slot_not_bookable"
        return self._reject(known, now, PROVIDERS, "reservation refused: {}".format(reason))

    def funds_held(self, approval, now, timeouts):
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        if not self._at_step(HOLD):
            return []
        if approval == "auto":
            return self._confirm(now, BUDGETS, "funds held, spend approved automatically")
        return self._await_approval(now, timeouts)

    def approval_required(self, now, timeouts):
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        if not self._at_step(HOLD):
            return []
        return self._await_approval(now, timeouts)

    def spend_approved(self, decided_by, reason, now):
        if self.status in sm.UNDONE:
            return [self.undone_event()]
        # The approval may overtake approval_required: the two travel on different queues.
        if self.status != AWAITING_APPROVAL and not self._at_step(HOLD):
            return []
        return self._confirm(now, decided_by, "approved by an officer: {}".format(reason or ""))

    def spend_declined(self, decided_by, reason, now):
        if self.status != AWAITING_APPROVAL and not self._at_step(HOLD):
            return []
        return self._reject("declined", now, decided_by,
                            "declined by an officer: {}".format(reason or ""))

    def hold_refused(self, reason, now):
        if not self._at_step(HOLD):
            return []
        known = reason if reason in REJECTION_REASONS else "budget_inactive"
        return self._reject(known, now, BUDGETS, "hold refused: {}".format(reason))

    def slot_withdrawn(self, now):
        if self.status not in sm.LIVE:
            return []
        self._move(CANCELLED, now, SYSTEM, "the provider withdrew the slot")
        return [self.undone_event()]

    # --- people's requests --------------------------------------------------------------

    def cancel(self, actor, now):
        if actor.get("role") not in CANCELLING_ROLES:
            raise WrongRole("only the family or the provider may cancel a booking")
        if self.status not in sm.LIVE:
            raise NotAllowed("not_cancellable", "a {} booking cannot be cancelled".format(
                self.status))
        if now >= self.slot_start:
            raise NotAllowed("already_started", "the break has already started")
        self._move(CANCELLED, now, actor["user_id"], "cancelled by the {}".format(actor["role"]))
        return [self.undone_event()]

    def complete(self, actor, final_amount_pence, now):
        require_role(actor, "provider")
        if self.status != CONFIRMED:
            raise NotAllowed("not_confirmed", "only a confirmed booking can be completed")
        if now < self.slot_start:
            raise NotAllowed("not_started", "the break has not started yet")
        amount = self.total_pence if final_amount_pence is None else final_amount_pence
        if amount > self.total_pence:
            raise InvalidRequest({"final_amount_pence": [
                "cannot exceed the booking's total of {} pence".format(self.total_pence)]})
        self.final_amount_pence = amount
        self._move(COMPLETED, now, actor["user_id"],
                   "break delivered; {} of {} pence charged".format(amount, self.total_pence))
        return [Event(ev.BOOKING_COMPLETED, {"booking_id": self.id,
                                             "final_amount_pence": amount})]

    # --- time ---------------------------------------------------------------------------

    def step_timed_out(self, now, timeouts):
        """A step whose answer is late is asked again, then given up safely."""
        if self.status != REQUESTED or self.step_deadline is None or now < self.step_deadline:
            return []
        if self.step_attempts < timeouts.max_retries:
            self.step_attempts += 1
            self.step_deadline = now + timeouts.step
            return [self._step_command()]
        return self._reject(TIMED_OUT, now, SYSTEM, "no answer to the {} step after {} tries"
                            .format(self.step, self.step_attempts + 1))

    def approval_timed_out(self, now):
        if (self.status != AWAITING_APPROVAL or self.approval_deadline is None
                or now < self.approval_deadline):
            return []
        self._move(EXPIRED, now, SYSTEM, "no officer decided in time")
        return [self.undone_event()]

    # --- internals ----------------------------------------------------------------------

    def _at_step(self, step):
        return self.status == REQUESTED and self.step == step

    def _move(self, to_status, now, by, why, reason=None):
        sm.check(self.status, to_status)
        self.transitions.append(Transition(self.status, to_status, now, why, by))
        self.status = to_status
        self.reason = reason
        self.updated_at = now
        self.step = None
        self.step_deadline = None
        if to_status != AWAITING_APPROVAL:
            self.approval_deadline = None

    def _start_step(self, step, now, timeouts):
        self.step = step
        self.step_attempts = 0
        self.step_deadline = now + timeouts.step
        self.updated_at = now
        return [self._step_command()]

    def _step_command(self):
        if self.step == RESERVE:
            return Event(ev.BOOKING_REQUESTED, {
                "booking_id": self.id, "family_id": self.family_id, "council": self.council,
                "slot_id": self.slot_id, "places": self.places, "budget_id": self.budget_id})
        return Event(ev.FUNDS_HOLD_REQUESTED, {
            "booking_id": self.id, "budget_id": self.budget_id, "family_id": self.family_id,
            "amount_pence": self.total_pence, "category": self.category,
            "break_start": self.slot_start, "break_end": self.slot_end})

    def _confirm(self, now, by, why):
        self._move(CONFIRMED, now, by, why)
        return [Event(ev.BOOKING_CONFIRMED, {"booking_id": self.id})]

    def _await_approval(self, now, timeouts):
        self._move(AWAITING_APPROVAL, now, BUDGETS, "the spend needs an officer's approval")
        self.approval_deadline = now + timeouts.approval
        return [Event(ev.BOOKING_AWAITING_APPROVAL, {
            "booking_id": self.id, "approval_deadline": self.approval_deadline})]

    def _reject(self, reason, now, by, why):
        self._move(REJECTED, now, by, why, reason=reason)
        return [self.undone_event()]

    def undone_event(self):
        """The fact that tells providers and budgets to give back what they hold for it."""
        if self.status == REJECTED:
            return Event(ev.BOOKING_REJECTED, {"booking_id": self.id, "reason": self.reason})
        if self.status == EXPIRED:
            return Event(ev.BOOKING_EXPIRED, {"booking_id": self.id})
        return Event(ev.BOOKING_CANCELLED, {"booking_id": self.id,
                                            "by": self.transitions[-1].by})
