"""The ballots' use cases (rules: `ballots.py`): bookings' copy of the ballot slots providers
publish, the carers' applications, the draw at the close, and its record.

Locking: an application and its withdrawal take the ballot's row lock (`FOR UPDATE`), and
the draw claims due ballots with `SKIP LOCKED`, so an application is either in before the
draw or refused after it, and two instances never draw one ballot: the draw (its record,
the winners' bookings, the losers' events) is one transaction, which a crash undoes whole,
and the seed it draws with was fixed when the ballot was first heard of, so the draw after
a restart has the outcome the first one would have had.
"""
import secrets
import uuid

import sqlalchemy as sa

from seibiant_common.contracts import bookings as events
from seibiant_common.contracts import payloads
from seibiant_common.errors import Conflict, NotFound, wire_errors
from seibiant_common.sql import upsert

from . import application, ballots
from .ballots import Application, Ballot
from .models import ballot_applications, ballots as ballot_rows, known_slots

DRAW_BATCH = 20
# What `uow.due_by` and `db.next_look` call the draw timer's work (a ballot is due as it closes).
DRAWS = "ballot draws"


# --- what bookings knows of ballot slots --------------------------------------------------

def slots_published(uow, offer_id, provider_id, slots):
    """Keeps the ballot slots of a publication (or of a `get_slot` answer); the same again
    changes nothing (the seed chosen first stays)."""
    found = [slot for slot in slots if slot.get("allocation") == ballots.BALLOT_ALLOCATION]
    if not found:
        return
    uow.session.execute(upsert(uow.session, ballot_rows).values([{
        "slot_id": slot["id"], "offer_id": offer_id, "provider_id": provider_id,
        "capacity": slot["capacity"], "applications_close_at": slot["applications_close_at"],
        "slot_start": slot["start"], "seed": secrets.token_hex(16),
        "status": ballots.OPEN} for slot in found]).on_conflict_do_nothing())
    for slot in found:
        uow.due_by(DRAWS, slot["applications_close_at"])


def slot_answered(uow, answer):
    """Providers' `get_slot` answer (None: no such slot), for a ballot slot bookings had not
    heard of."""
    if answer is not None:
        slots_published(uow, answer["offer_id"], answer["provider_id"], [answer])


def _ballot(uow, slot_id, lock=False):
    """The slot's ballot, or None when bookings knows nothing of the slot (ask providers);
    `Conflict("not_a_ballot")` for a slot booked first come."""
    # The known slot first: a slot and its ballot commit together, and each statement reads
    # afresh, so a ballot asked after its slot was seen is seen too (asked the other way
    # round, another instance's commit in between made a ballot slot look first come).
    if uow.session.execute(sa.select(known_slots.c.id).where(
            known_slots.c.id == slot_id)).first() is None:
        return None
    query = sa.select(Ballot).where(ballot_rows.c.slot_id == slot_id)
    ballot = uow.session.execute(query.with_for_update() if lock else query).scalar()
    if ballot is None:
        raise Conflict("not_a_ballot", "this slot is booked first come: book it instead")
    return ballot


# --- applications -------------------------------------------------------------------------

def _own_application(uow, slot_id, family_id):
    return uow.session.execute(sa.select(Application).where(
        ballot_applications.c.slot_id == slot_id,
        ballot_applications.c.family_id == family_id)).scalar()


def apply(uow, actor, slot_id, places, now, family_id=None):
    """A carer applies for `places` (again: the places asked change), or their referrer for
    them (`family_id`) -> (application view, created), or None when bookings knows nothing
    of the slot yet."""
    with wire_errors():
        family_id = ballots.applicant(actor, family_id)
    ballot = _ballot(uow, slot_id, lock=True)
    if ballot is None:
        return None
    with wire_errors():
        ballot.check_open(now)
        ballot.check_places(places)
    application_ = _own_application(uow, slot_id, family_id)
    created = application_ is None
    if created:
        application_ = Application(uuid.uuid4().hex, slot_id, family_id, actor.get("council"),
                                   places, now)
        uow.session.add(application_)
    else:
        application_.apply_again(places, now)
    uow.session.flush()
    return application_view(application_, ballot), created


def withdraw(uow, actor, slot_id, now, family_id=None):
    """A carer (or their referrer, `family_id`) withdraws their application before the
    close; none is NotFound."""
    with wire_errors():
        family_id = ballots.applicant(actor, family_id)
    ballot = _ballot(uow, slot_id, lock=True)
    application_ = None if ballot is None else _own_application(uow, slot_id, family_id)
    if application_ is None or application_.status != ballots.APPLIED:
        raise NotFound("no application of yours for this slot")
    with wire_errors():
        ballot.check_open(now)
    application_.withdraw(now)
    return application_view(application_, ballot)


def application_view(application_, ballot):
    return {"id": application_.id, "slot_id": application_.slot_id,
            "family_id": application_.family_id, "places": application_.places,
            "status": application_.status, "applied_at": application_.applied_at,
            "withdrawn_at": application_.withdrawn_at, "outcome": application_.outcome,
            "booking_id": application_.booking_id,
            "applications_close_at": ballot.applications_close_at}


# --- the draw -----------------------------------------------------------------------------

def soonest_close(uow):
    """When the soonest ballot not drawn yet closes (None: there is none)."""
    return uow.session.execute(sa.select(sa.func.min(ballot_rows.c.applications_close_at))
                               .where(ballot_rows.c.status == ballots.OPEN)).scalar()


def draw_due(uow, now, timeouts):
    """Draws the ballots whose applications have closed, claiming them with SKIP LOCKED (a
    ballot being applied to is drawn at the next tick). Returns how many it drew
    (DRAW_BATCH: call again)."""
    due = uow.session.execute(
        sa.select(Ballot).where(ballot_rows.c.status == ballots.OPEN,
                                ballot_rows.c.applications_close_at <= now)
        .order_by(ballot_rows.c.applications_close_at, ballot_rows.c.slot_id)
        .limit(DRAW_BATCH).with_for_update(skip_locked=True)).scalars().all()
    for ballot in due:
        _draw(uow, ballot, now, timeouts)
    return len(due)


def _draw(uow, ballot, now, timeouts):
    slot = application.known_slot(uow, ballot.slot_id)
    entered = uow.session.execute(
        sa.select(Application).where(ballot_applications.c.slot_id == ballot.slot_id,
                                     ballot_applications.c.status == ballots.APPLIED)
        .order_by(ballot_applications.c.family_id)).scalars().all()
    ballot.drawn_at = now
    if slot is None or not slot.bookable or slot.start <= now:
        ballot.status = ballots.VOID  # withdrawn, or its provider suspended: no draw
        return
    ballot.status = ballots.DRAWN
    # each entrant's gifts counted under their lock (family order: no deadlock), as a
    # gifted request counts them; a gifted booking of theirs racing the draw takes turns
    gifts = {entry.family_id: application._locked_gifts(uow, entry.family_id, entry.council,
                                                        now) for entry in entered}
    by_id = {entry.id: entry for entry in entered}
    drawn = ballots.draw(ballot.seed, [
        ballots.Entrant(entry.id, entry.places, gifts[entry.family_id].used,
                        gifts[entry.family_id].left) for entry in entered], ballot.capacity)
    for outcome in drawn:
        entry = by_id[outcome.entrant.application_id]
        entry.gifts, entry.position, entry.outcome = (
            outcome.entrant.gifts, outcome.position, outcome.outcome)
        if outcome.outcome == ballots.WON:
            booking = application.request_for_family(
                uow, entry.family_id, entry.council, slot, entry.places,
                "ballot:" + ballot.slot_id, now, timeouts)
            entry.booking_id = booking.id
        else:
            payloads.emit(uow, events.BALLOT_LOST, {
                "application_id": entry.id, "slot_id": ballot.slot_id,
                "offer_id": ballot.offer_id, "provider_id": ballot.provider_id,
                "family_id": entry.family_id, "council": entry.council,
                "places": entry.places, "slot_start": slot.start, "slot_end": slot.end,
                "outcome": entry.outcome, "booking_id": None}, entry.id, new_aggregate=True)


# --- the record ---------------------------------------------------------------------------

def record(uow, actor, slot_id):
    """The ballot as the actor may see it (ballots.may_see, ballots.names); NotFound for
    anyone else, and for a slot that is no ballot."""
    ballot = uow.session.get(Ballot, slot_id)
    entries = [] if ballot is None else uow.session.execute(
        sa.select(Application).where(ballot_applications.c.slot_id == slot_id)
        .order_by(ballot_applications.c.position, ballot_applications.c.id)).scalars().all()
    mine = next((entry for entry in entries if actor.get("role") == "family"
                 and entry.family_id == actor.get("user_id")), None)
    if ballot is None or not ballots.may_see(ballot, actor, mine is not None):
        raise NotFound("no such ballot")
    entered = [entry for entry in entries if entry.status == ballots.APPLIED]
    drawn = ballot.status == ballots.DRAWN
    return {
        "slot_id": ballot.slot_id, "offer_id": ballot.offer_id,
        "provider_id": ballot.provider_id, "capacity": ballot.capacity,
        "applications_close_at": ballot.applications_close_at,
        "slot_start": ballot.slot_start, "status": ballot.status, "drawn_at": ballot.drawn_at,
        "seed": ballot.seed if drawn else None,  # secret until it has drawn
        "applicants": len(entered),
        "entries": [_entry(actor, ballot, entry) for entry in entered] if drawn else [],
        "mine": mine and application_view(mine, ballot),
    }


def _entry(actor, ballot, entry):
    named = ballots.names(actor, ballot, entry)
    return {"position": entry.position, "application_id": entry.id,
            "ticket": ballots.ticket(ballot.seed, entry.id), "gifts": entry.gifts,
            "places": entry.places, "outcome": entry.outcome,
            "family_id": entry.family_id if named else None,
            "booking_id": entry.booking_id if named else None}
