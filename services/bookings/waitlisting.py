"""The waiting lists' use cases (rules: `waiting.py`): joining and leaving a full slot's list,
offering places that came free down the line, accepting an offer, and the offers' expiry.

Locking: joining, leaving and offering take the slot's `waiting_lists` row lock (`FOR
UPDATE`), so they take turns: two families joining at once get the next two positions, and
an offer is made to whoever is first in line when the release is heard. Each release is
offered once (`waiting_releases`, by the booking whose places came free), however often
providers announces it. The expiry timer claims offers with `SKIP LOCKED`, so two instances
expire each one once; an offer's booking is changed under its own row lock, as any booking.
"""
import uuid

import sqlalchemy as sa

from seibiant_common.contracts import payloads
from seibiant_common.errors import Conflict, NotFound, wire_errors
from seibiant_common.sql import upsert

from . import application, ballots, domain, state_machine, waiting
from .domain import Booking
from .models import bookings, waiting_list_entries, waiting_lists, waiting_releases
from .waiting import Entry

EXPIRY_BATCH = 100
# What `uow.due_by` and `db.next_look` call the expiry timer's work (an offer made is due then).
EXPIRY = "waiting-list offers"


def _lock_list(uow, slot_id, create=False):
    """The slot's list row, locked (created first when asked); None when it has none."""
    if create:
        uow.session.execute(upsert(uow.session, waiting_lists).values(
            slot_id=slot_id, next_position=1).on_conflict_do_nothing())
    return uow.session.execute(sa.select(waiting_lists).where(
        waiting_lists.c.slot_id == slot_id).with_for_update()).first()


def _line(uow, slot_id):
    return uow.session.execute(sa.select(Entry).where(
        waiting_list_entries.c.slot_id == slot_id)
        .order_by(waiting_list_entries.c.position)).scalars().all()


def _own_entry(uow, slot_id, family_id):
    return uow.session.execute(sa.select(Entry).where(
        waiting_list_entries.c.slot_id == slot_id,
        waiting_list_entries.c.family_id == family_id)).scalar()


def _take_position(uow, slot_id, row):
    uow.session.execute(waiting_lists.update().where(waiting_lists.c.slot_id == slot_id)
                        .values(next_position=row.next_position + 1))
    return row.next_position


# --- joining and leaving ----------------------------------------------------------------

def join(uow, actor, slot_id, places, family_id, remaining, now):
    """The family joins (again: the places asked change) the list of a slot with fewer than
    `places` left (`remaining`, as providers answered just now) -> (entry view, created)."""
    slot = application.known_slot(uow, slot_id)
    if slot is None:
        raise NotFound("no such slot")
    with wire_errors():
        family_id = waiting.joiner(actor, family_id, slot.price_pence)
        waiting.check_joinable(slot, remaining, places, now)
    row = _lock_list(uow, slot_id, create=True)
    entry = _own_entry(uow, slot_id, family_id)
    created = entry is None
    if created:
        entry = Entry(uuid.uuid4().hex, slot_id, family_id, actor.get("council"), places,
                      _take_position(uow, slot_id, row), now,
                      booked_by=actor["user_id"] if actor["role"] == "referrer" else None)
        uow.session.add(entry)
    else:
        position = (entry.position if entry.status in waiting.IN_LINE
                    else _take_position(uow, slot_id, row))
        entry.join_again(places, position, now)
    uow.session.flush()
    return entry_view(uow, entry), created


def leave(uow, actor, slot_id, family_id, now):
    """The family leaves the list; an offer it holds is declined (its places go on down the
    line). Not in line: NotFound."""
    with wire_errors():
        family_id = domain.family_of(actor, family_id)
    row = _lock_list(uow, slot_id)
    entry = None if row is None else _own_entry(uow, slot_id, family_id)
    if entry is None or entry.status not in waiting.IN_LINE:
        raise NotFound("you are not on this slot's waiting list")
    offer = entry.booking_id if entry.status == waiting.OFFERED else None
    with wire_errors():
        entry.leave(now)
    if offer is not None:
        application.react(uow, offer, lambda booking: booking.decline_offer(
            actor["user_id"], now))
    return entry_view(uow, entry)


def place(uow, actor, slot_id, family_id):
    """The family's entry on the slot's list, with its place in line; none: NotFound."""
    with wire_errors():
        family_id = domain.family_of(actor, family_id)
    entry = _own_entry(uow, slot_id, family_id)
    if entry is None or not waiting.may_see(entry, actor):
        raise NotFound("you are not on this slot's waiting list")
    return entry_view(uow, entry)


def entry_view(uow, entry):
    offer = entry.booking_id and uow.session.get(Booking, entry.booking_id)
    return {"id": entry.id, "slot_id": entry.slot_id, "family_id": entry.family_id,
            "places": entry.places, "status": entry.status, "position": entry.position,
            "place_in_line": waiting.place_in_line(entry, _line(uow, entry.slot_id)),
            "joined_at": entry.joined_at, "left_at": entry.left_at,
            "booking_id": entry.booking_id,
            "offer_expires_at": offer.offer_expires_at
            if offer and offer.status == state_machine.OFFERED else None}


# --- places that came free --------------------------------------------------------------

def places_released(uow, booking_id, slot_id, places, now, timeouts):
    """Providers gave back a booking's `places` on `slot_id`: they are offered down the
    slot's line (once per release). Returns the offers made."""
    row = _lock_list(uow, slot_id)
    if row is None or places <= 0:
        return []  # no one waits for this slot
    heard = uow.session.execute(upsert(uow.session, waiting_releases).values(
        booking_id=booking_id, slot_id=slot_id, places=places, at=now)
        .on_conflict_do_nothing())
    if heard.rowcount == 0:
        return []  # this release was offered already
    slot = application.known_slot(uow, slot_id)
    if slot is None or not slot.bookable or slot.start <= now:
        return []
    made = []
    for entry in waiting.to_offer(places, _line(uow, slot_id)):
        offer, offer_events = Booking.offer(
            uuid.uuid4().hex, entry.family_id, entry.council,
            "waiting:{}:{}".format(booking_id, entry.id), slot, entry.places, now, timeouts,
            booked_by=entry.booked_by)
        uow.session.add(offer)
        uow.session.flush()
        entry.offered(offer.id)
        payloads.emit_all(uow, offer_events, offer.id, new_aggregate=True)
        uow.due_by(EXPIRY, offer.offer_expires_at)
        made.append(offer)
    return made


def offer_answered(uow, booking, now):
    """An offer that ended (accepted, declined or cancelled, lapsed, or its places taken
    first) moves its entry on (waiting.Entry.offer_ended)."""
    entry = uow.session.execute(sa.select(Entry).where(
        waiting_list_entries.c.booking_id == booking.id)).scalar()
    if entry is None:
        return
    if booking.status == state_machine.OFFERED:
        return
    if booking.status == state_machine.EXPIRED:
        outcome = waiting.WAITING if booking.reason == "sold_out" else waiting.LAPSED
    elif booking.status == state_machine.CANCELLED:
        outcome = waiting.DECLINED
    else:
        outcome = waiting.ACCEPTED
    entry.offer_ended(outcome, now)


def accept(uow, actor, booking_id, budget_id, now, timeouts):
    """The family accepts its offer in time: it becomes a request (domain.Booking.accept),
    its gifts counted under their lock as for any gifted request."""
    booking = application._visible_locked(uow, actor, booking_id)
    with wire_errors():
        gifts = (application._locked_gifts(uow, booking.family_id, booking.council, now)
                 if domain.is_gift(booking.unit_price_pence)
                 and booking.status == state_machine.OFFERED else None)
        booking_events = booking.accept(actor, budget_id, gifts, now, timeouts)
    payloads.emit_all(uow, booking_events, booking.id)
    offer_answered(uow, booking, now)
    return booking


# --- time -------------------------------------------------------------------------------

def soonest_expiry(uow):
    """When the soonest offer not answered yet expires (None: there is none)."""
    return uow.session.execute(sa.select(sa.func.min(bookings.c.offer_expires_at)).where(
        bookings.c.status == state_machine.OFFERED)).scalar()


def expire_due(uow, now):
    """Offers not answered by their `offer_expires_at` expire (their places are released by
    providers, and the release is offered to the next in line). Claimed with SKIP LOCKED:
    two instances never expire one offer twice. Returns how many (EXPIRY_BATCH: again)."""
    due = uow.session.execute(
        sa.select(Booking).where(bookings.c.status == state_machine.OFFERED,
                                 bookings.c.offer_expires_at <= now)
        .order_by(bookings.c.offer_expires_at, bookings.c.id)
        .limit(EXPIRY_BATCH).with_for_update(skip_locked=True)).scalars().all()
    for booking in due:
        payloads.emit_all(uow, booking.offer_timed_out(now), booking.id)
        offer_answered(uow, booking, now)
    return len(due)


def refuse_ballot_slot(answer):
    """A ballot slot's places are given by its draw: it has no waiting list."""
    if answer.get("allocation") == ballots.BALLOT_ALLOCATION:
        raise Conflict("by_ballot", "this slot's places are given by ballot: apply for "
                                    "them instead")
