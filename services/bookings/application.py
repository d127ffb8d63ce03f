"""The bookings use cases: load bookings from the unit of work's session (locking what they
change), apply the domain's rules, and write the events those rules return to the outbox of
the same unit of work.

Locking: on PostgreSQL a booking is changed only under its row lock (`FOR UPDATE`), so two
handlers for one booking (say, funds_held and a cancellation) take turns; the timers claim
rows with `SKIP LOCKED`, so two instances share the work instead of doing it twice. SQLite
serialises writers anyway (BEGIN IMMEDIATE).
"""
import dataclasses
import logging
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from seibiant_common.contracts import payloads
from seibiant_common.errors import Conflict, Forbidden, InvalidInput, NotFound, wire_errors
from seibiant_common.paging import keyset_page
from seibiant_common.sql import insert_absent, upsert

from . import ballots, domain, state_machine
from .domain import Booking
from .models import (
    ballots as ballot_rows, booking_transitions, bookings, gift_takers, gifted_allowances,
    known_providers, known_slots,
)

log = logging.getLogger(__name__)

TIMER_BATCH = 200


# Built once: SQLAlchemy reuses their cache keys (the saga's hot path, docs/performance.md).
# A booking's history (a handful of rows) comes in the same statement: the answer that
# confirms appends to it, and a read of its own would be a round trip more.
LOCKED = (sa.select(Booking).where(bookings.c.id == sa.bindparam("booking_id"))
          .options(joinedload(Booking.transitions)).with_for_update(of=bookings))
ADD_TRANSITIONS = booking_transitions.insert()


def _locked(uow, booking_id):
    return uow.session.execute(LOCKED, {"booking_id": booking_id}).unique().scalar_one_or_none()


# --- requests ---------------------------------------------------------------------------

def _by_key(uow, family_id, idempotency_key):
    return uow.session.execute(
        sa.select(Booking).where(bookings.c.family_id == family_id,
                                 bookings.c.idempotency_key == idempotency_key)
    ).scalar_one_or_none()


def earlier_request(uow, actor, request):
    """The booking an earlier request with this idempotency key made, if any; a Conflict if
    that request had another body."""
    with wire_errors():
        family_id = domain.family_of(actor, request["family_id"])
    booking = _by_key(uow, family_id, request["idempotency_key"])
    if booking is not None and not domain.same_request(
            booking, request["slot_id"], request["places"], request["budget_id"],
            request.get("share_profile")):
        raise Conflict("idempotency_key_reused",
                       "this idempotency key was used for another booking request")
    return booking


def request_known_slot(uow, actor, request, now, timeouts):
    """The booking of this request (a new one, or the one an earlier request with the same
    key made), or None when bookings has heard nothing of the slot yet: then ask providers
    and call `request_booking` with its answer."""
    with wire_errors():
        domain.require_role(actor.get("role"), *domain.BOOKING_ROLES)
    row = _known_slot_row(uow, request["slot_id"])
    slot = _slot_of(row)
    if slot is None:
        return earlier_request(uow, actor, request)
    if row.ballot_slot_id is not None:
        _refuse_ballot_slot()
    return _new_booking(uow, actor, request, slot, now, timeouts)


def request_booking(uow, actor, request, answer, now, timeouts):
    """The booking of this request, with providers' `get_slot` answer (None: no such slot),
    which bookings keeps for the next requests."""
    if answer is None:
        raise InvalidInput({"slot_id": ["no such slot"]})
    if answer.get("allocation") == ballots.BALLOT_ALLOCATION:
        _refuse_ballot_slot()
    remember_slot(uow, answer)
    slot = domain.Slot(**{field.name: answer[field.name]
                          for field in dataclasses.fields(domain.Slot)})
    return _new_booking(uow, actor, request, slot, now, timeouts)


def request_for_family(uow, family_id, council, slot, places, idempotency_key, now, timeouts):
    """A gifted booking made for a family by the system (a ballot's winner, balloting.py):
    the family's own request, through the same rules (the allowance included) and saga."""
    actor = {"user_id": family_id, "role": "family", "council": council, "provider_id": None}
    return _new_booking(uow, actor, {
        "idempotency_key": idempotency_key, "slot_id": slot.id, "places": places,
        "budget_id": None, "family_id": None}, slot, now, timeouts)


def _new_booking(uow, actor, request, slot, now, timeouts):
    """A new booking (status requested) whose saga starts with booking_requested, or the one
    an earlier request with this key made. The new row is inserted unless the key is taken
    (one statement, no read first: a repeat is rare, a new request is the hot path)."""
    try:
        with wire_errors():
            family_id = domain.family_of(actor, request["family_id"])
            gifts = (_locked_gifts(uow, family_id, actor["council"], now)
                     if domain.is_gift(slot.price_pence) else None)
            booking, booking_events = Booking.request(
                uuid.uuid4().hex, actor, request["idempotency_key"], slot, request["places"],
                request["budget_id"], now, timeouts, family_id=family_id, gifts=gifts,
                share_profile=request.get("share_profile"))
    except (InvalidInput, Conflict, Forbidden):
        # what the slot is now does not matter to a request made before: answer that
        earlier = earlier_request(uow, actor, request)
        if earlier is None:
            raise
        return earlier
    inserted = insert_absent(uow.session, bookings, {
        column.name: getattr(booking, column.name) for column in bookings.c},
        ("family_id", "idempotency_key"))
    if inserted.rowcount == 0:
        # an earlier request with this key (maybe another worker's, just committed)
        return earlier_request(uow, actor, request)
    uow.session.execute(ADD_TRANSITIONS, [{
        "booking_id": booking.id, "from_status": transition.from_status,
        "to_status": transition.to_status, "at": transition.at, "why": transition.why,
        "by": transition.by} for transition in booking.transitions])
    payloads.emit_all(uow, booking_events, booking.id, new_aggregate=True)
    return booking


# --- the fair share of gifted breaks -----------------------------------------------------

def _allowance(uow, council):
    allowed = uow.session.execute(sa.select(gifted_allowances.c.breaks_per_12_months).where(
        gifted_allowances.c.council == council)).scalar()
    return domain.DEFAULT_GIFTED_ALLOWANCE if allowed is None else allowed


def _gifts(uow, family_id, council, now):
    used = uow.session.execute(sa.select(sa.func.count()).select_from(bookings).where(
        bookings.c.family_id == family_id, bookings.c.unit_price_pence == 0,
        bookings.c.created_at > now - domain.GIFT_WINDOW,
        bookings.c.status.not_in(domain.NOT_COUNTED_AS_GIFTS))).scalar()
    return domain.Gifts(allowed=_allowance(uow, council), used=used)


def _locked_gifts(uow, family_id, council, now):
    """The family's gifts, counted under the lock of its `gift_takers` row (held until the
    unit of work ends, the new booking inserted): racing requests of one family take turns,
    and each counts the bookings the ones before it committed. SQLite serialises anyway."""
    uow.session.execute(upsert(uow.session, gift_takers).values(family_id=family_id)
                        .on_conflict_do_nothing())
    uow.session.execute(sa.select(gift_takers.c.family_id)
                        .where(gift_takers.c.family_id == family_id).with_for_update())
    return _gifts(uow, family_id, council, now)


def set_gifted_allowance(uow, actor, council, breaks_per_12_months, now):
    """An officer sets their own council's allowance (another council's is NotFound)."""
    with wire_errors():
        domain.require_role(actor.get("role"), "officer")
    if actor["council"] != council:
        raise NotFound("no such council of yours")
    values = {"breaks_per_12_months": breaks_per_12_months, "updated_at": now,
              "updated_by": actor["user_id"]}
    uow.session.execute(upsert(uow.session, gifted_allowances).values(council=council, **values)
                        .on_conflict_do_update(index_elements=[gifted_allowances.c.council],
                                               set_=values))
    return {"council": council, "breaks_per_12_months": breaks_per_12_months}


def gifted_allowance(uow, actor, family_id, now):
    """A carer's gifts: a family's own, or a referrer's carer's."""
    with wire_errors():
        family_id = domain.family_of(actor, family_id)
    gifts = _gifts(uow, family_id, actor["council"], now)
    return {"council": actor["council"], "breaks_per_12_months": gifts.allowed,
            "used": gifts.used, "left": gifts.left}


# --- what bookings knows of providers' slots ---------------------------------------------
#
# Fed by providers' events, which travel on different queues and may arrive in any order:
# - `slots_published` (and, as a fallback, a `get_slot` answer) adds slots; a slot heard
#   withdrawn first stays withdrawn;
# - `slot_withdrawn` marks a slot withdrawn for good;
# - a provider's status is the one of its latest decision (`provider_approved`,
#   `provider_suspended`, by the time providers made it). A publication (only an approved
#   provider publishes) or a bookable answer only says "approved" of a provider bookings
#   knows nothing of: any decision it hears is newer than that.
# Providers' reservation has the last word: a withdrawal or a suspension bookings has not
# heard of yet rejects the booking through the saga (`slot_not_bookable`,
# `provider_not_approved`) instead of refusing the request at once.

def _refuse_ballot_slot():
    """A ballot slot's places are given by its draw, not booked."""
    raise Conflict("by_ballot", "this slot's places are given by ballot: apply for them "
                                "before the applications close")


# One statement, built once (it is asked on every booking request; test_booking_costs counts
# cache keys): the slot, its provider's status and its ballot, if any. A slot and its ballot
# commit together, so one statement sees both or neither; a ballot read in a statement of
# its own could miss a publication another instance committed just before the slot's read,
# and the ballot slot would be booked first come (tests/bookings/test_storage.py).
_KNOWN_SLOT = (
    sa.select(known_slots, known_providers.c.approved,
              ballot_rows.c.slot_id.label("ballot_slot_id"))
    .outerjoin(known_providers, known_providers.c.id == known_slots.c.provider_id)
    .outerjoin(ballot_rows, ballot_rows.c.slot_id == known_slots.c.id)
    .where(known_slots.c.id == sa.bindparam("slot_id")))


def _known_slot_row(uow, slot_id):
    return uow.session.execute(_KNOWN_SLOT, {"slot_id": slot_id}).first()


def known_slot(uow, slot_id):
    """The slot as bookings knows it, or None when it knows nothing of it or its provider."""
    return _slot_of(_known_slot_row(uow, slot_id))


def _slot_of(row):
    if row is None or (row.approved is None and not row.withdrawn):
        return None
    return domain.Slot(id=row.id, offer_id=row.offer_id, provider_id=row.provider_id,
                       category=row.category, price_pence=row.price_pence,
                       start=row.starts_at, end=row.ends_at,
                       bookable=bool(row.approved) and not row.withdrawn)


def slots_published(uow, offer_id, provider_id, category, price_pence, slots):
    if not slots:
        return
    insert = upsert(uow.session, known_slots).values([{
        "id": slot["id"], "offer_id": offer_id, "provider_id": provider_id,
        "category": category, "price_pence": price_pence, "starts_at": slot["start"],
        "ends_at": slot["end"], "withdrawn": False} for slot in slots])
    uow.session.execute(insert.on_conflict_do_update(
        index_elements=[known_slots.c.id],
        set_={name: insert.excluded[name]
              for name in ("category", "price_pence", "starts_at", "ends_at")}))
    _assume_approved(uow, provider_id)


def remember_slot(uow, answer):
    """Keeps providers' `get_slot` answer as if it had been announced (a slot not bookable
    for another reason than its withdrawal is asked about again next time)."""
    if answer["status"] == "withdrawn":
        slot_withdrawn_known(uow, answer["id"], answer["offer_id"], answer["provider_id"])
    elif answer["bookable"]:
        slots_published(uow, answer["offer_id"], answer["provider_id"], answer["category"],
                        answer["price_pence"], [answer])


def _assume_approved(uow, provider_id):
    uow.session.execute(upsert(uow.session, known_providers).values(
        id=provider_id, approved=True, as_of=None).on_conflict_do_nothing())


def provider_decided(uow, provider_id, approved, as_of):
    """A provider's status, unless bookings knows of a later decision already."""
    insert = upsert(uow.session, known_providers).values(
        id=provider_id, approved=approved, as_of=as_of)
    uow.session.execute(insert.on_conflict_do_update(
        index_elements=[known_providers.c.id],
        set_={"approved": insert.excluded.approved, "as_of": insert.excluded.as_of},
        where=sa.or_(known_providers.c.as_of.is_(None),
                     known_providers.c.as_of < insert.excluded.as_of)))


def slot_withdrawn_known(uow, slot_id, offer_id, provider_id):
    uow.session.execute(upsert(uow.session, known_slots).values(
        id=slot_id, offer_id=offer_id, provider_id=provider_id, withdrawn=True)
        .on_conflict_do_update(index_elements=[known_slots.c.id], set_={"withdrawn": True}))


# --- the saga's answers -----------------------------------------------------------------

def react(uow, booking_id, reaction, event=None):
    """Applies `reaction(booking)` (a domain method returning events) to a locked booking,
    and with `event` (the answer heard) only once per event: its `seen` mark and the lock
    are one statement (`UnitOfWork.first_unless_seen`). An answer about a booking this
    service never made is logged and dropped."""
    if event is None:
        booking = _locked(uow, booking_id)
    else:
        seen, row = uow.first_unless_seen(event, LOCKED, {"booking_id": booking_id})
        if seen:
            return None
        booking = row[0] if row is not None else None
    if booking is None:
        log.warning("saga answer for an unknown booking %s ignored", booking_id)
        return None
    with uow.session.no_autoflush:  # one UPDATE of the booking at the end, not one per read
        booking_events = reaction(booking)
    payloads.emit_all(uow, booking_events, booking.id)
    return booking


def slot_withdrawn(uow, slot_id, offer_id, provider_id, booking_ids, now):
    """Cancels the live bookings on a withdrawn slot (those providers named, and any it had
    not reserved yet), and refuses new requests for it from now on."""
    slot_withdrawn_known(uow, slot_id, offer_id, provider_id)
    affected = uow.session.execute(
        sa.select(Booking)
        .where(sa.or_(bookings.c.slot_id == slot_id, bookings.c.id.in_(booking_ids)),
               bookings.c.status.in_(state_machine.CANCELLABLE))
        .order_by(bookings.c.id)
        .with_for_update()
    ).scalars().all()
    for booking in affected:
        payloads.emit_all(uow, booking.slot_withdrawn(now), booking.id)
    return affected


# --- people's requests ------------------------------------------------------------------

def _visible_locked(uow, actor, booking_id):
    booking = _locked(uow, booking_id)
    if booking is None or not domain.visible_to(booking, actor):
        raise NotFound("no such booking")
    return booking


def cancel_booking(uow, actor, booking_id, now):
    booking = _visible_locked(uow, actor, booking_id)
    with wire_errors():
        payloads.emit_all(uow, booking.cancel(actor, now), booking.id)
    return booking


def complete_booking(uow, actor, booking_id, final_amount_pence, now):
    booking = _visible_locked(uow, actor, booking_id)
    with wire_errors():
        payloads.emit_all(uow, booking.complete(actor, final_amount_pence, now), booking.id)
    return booking


# --- time -------------------------------------------------------------------------------

def handle_due(uow, now, timeouts):
    """Late steps are asked again (or given up); approvals that waited too long (their
    deadline was set from `timeouts` when they began) expire. One statement finds both,
    claiming rows with SKIP LOCKED so that several instances share them. Returns how many
    bookings it looked at (TIMER_BATCH means: call again)."""
    late_step = sa.and_(bookings.c.status == state_machine.REQUESTED,
                        bookings.c.step_deadline <= now)
    late_approval = sa.and_(bookings.c.status == state_machine.AWAITING_APPROVAL,
                            bookings.c.approval_deadline <= now)
    due = uow.session.execute(
        sa.select(Booking)
        .where(sa.or_(late_step, late_approval))
        .order_by(sa.func.coalesce(bookings.c.step_deadline, bookings.c.approval_deadline))
        .limit(TIMER_BATCH)
        .with_for_update(skip_locked=True)
    ).scalars().all()
    for booking in due:
        if booking.status == state_machine.REQUESTED:
            payloads.emit_all(uow, booking.step_timed_out(now, timeouts), booking.id)
        else:
            payloads.emit_all(uow, booking.approval_timed_out(now), booking.id)
    return len(due)


def earliest_deadline(uow):
    """The soonest deadline of a live booking (late or not, locked or not), or None."""
    uow.session.flush()  # the deadlines just moved count
    late_step, late_approval = uow.session.execute(sa.select(
        sa.select(sa.func.min(bookings.c.step_deadline))
        .where(bookings.c.status == state_machine.REQUESTED).scalar_subquery(),
        sa.select(sa.func.min(bookings.c.approval_deadline))
        .where(bookings.c.status == state_machine.AWAITING_APPROVAL).scalar_subquery(),
    )).one()
    return min((deadline for deadline in (late_step, late_approval) if deadline is not None),
               default=None)


# --- queries ----------------------------------------------------------------------------

def get_booking(uow, actor, booking_id):
    booking = uow.session.get(Booking, booking_id)
    if booking is None or not domain.visible_to(booking, actor):
        raise NotFound("no such booking")
    return booking


def list_bookings(uow, actor, status, limit, cursor):
    """The actor's bookings (family: own; provider: on own offers; officer: own council;
    referrer: their centre's carers'), newest first."""
    rule = domain.scope(actor)
    if rule is None:
        raise Forbidden("this role has no bookings to list")
    column, value = bookings.c[rule[0]], rule[1]
    query = sa.select(Booking).where(
        column.in_(value) if isinstance(value, frozenset) else column == value)
    if status is not None:
        query = query.where(bookings.c.status == status)
    return keyset_page(uow.session, query, (bookings.c.created_at, bookings.c.id), limit, cursor,
                       descending=True)


def list_awaiting_approval(uow, actor, limit, cursor):
    """The officer's council's bookings waiting for a decision, oldest first."""
    with wire_errors():
        domain.require_role(actor.get("role"), "officer")
    query = sa.select(Booking).where(bookings.c.council == actor["council"],
                                     bookings.c.status == state_machine.AWAITING_APPROVAL)
    return keyset_page(uow.session, query, (bookings.c.created_at, bookings.c.id), limit, cursor)
