"""The use cases of the providers service. Each runs inside the caller's unit of work: it
loads what it needs (locking what it will change), asks `domain` what may happen, stores the
answer with who and when, and emits the events that announce it in the same transaction.

Domain refusals become the errors that cross RPC (`seibiant_common.errors`) here, once.
"""
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from seibiant_common.contracts import payloads
from seibiant_common.contracts import providers as events
from seibiant_common.errors import Conflict, NotFound, wire_errors
from seibiant_common.paging import keyset_page
from seibiant_common.sql import insert_absent
from seibiant_common.types import utcnow

from . import domain
from .domain import (APPROVED, OPEN, RELEASED, RESERVED, REFUSED, WITHDRAWN, AuditEntry, Offer,
                     Provider, Reservation, ServedRegion, Slot)
from .models import offers, provider_regions, providers, reservations, slots

# `get_offer` shows this many future slots at most.
SLOTS_PER_OFFER_PAGE = 500


def new_id():
    return uuid.uuid4().hex


def audit(uow, subject, subject_id, action, actor, now, **detail):
    uow.session.add(AuditEntry(
        subject=subject, subject_id=subject_id, action=action, actor_user_id=actor["user_id"],
        actor_role=actor["role"], detail=detail, at=now))


# --- views: what the output schemas dump ----------------------------------------------

def provider_view(provider):
    return {
        "id": provider.id, "user_id": provider.user_id, "name": provider.name,
        "kind": provider.kind, "regions": sorted(provider.regions),
        "accessibility": provider.accessibility, "supports_needs": provider.supports_needs,
        "description": provider.description, "status": provider.status,
        "contact_email": provider.contact_email, "contact_phone": provider.contact_phone,
        "created_at": provider.created_at, "updated_at": provider.updated_at,
    }


def offer_view(offer, provider_name, provider_status):
    """`offer` is an Offer or a row with its columns."""
    return {
        "id": offer.id, "provider_id": offer.provider_id, "provider_name": provider_name,
        "title": offer.title, "description": offer.description, "title_cy": offer.title_cy,
        "description_cy": offer.description_cy, "category": offer.category,
        "price_pence": offer.price_pence, "region": offer.region,
        "accessibility": offer.accessibility, "supports_needs": offer.supports_needs,
        "bookable": provider_status == APPROVED, "created_at": offer.created_at,
    }


def slot_view(slot):
    return {
        "id": slot.id, "offer_id": slot.offer_id, "start": slot.starts_at, "end": slot.ends_at,
        "capacity": slot.capacity, "remaining": domain.remaining(slot.capacity, slot.reserved),
        "status": slot.status, "allocation": slot.allocation,
        "applications_close_at": slot.applications_close_at,
    }


def reservation_view(reservation):
    return {column: getattr(reservation, column) for column in (
        "booking_id", "slot_id", "status", "reason", "places", "offer_id", "provider_id",
        "unit_price_pence", "total_pence", "category", "slot_start", "slot_end")}


# --- providers -------------------------------------------------------------------------

@wire_errors()
def register_provider(uow, data):
    session, now = uow.session, utcnow()
    if session.scalar(sa.select(providers.c.id).where(providers.c.user_id == data["user_id"])):
        raise Conflict("provider_exists", "this account has registered a provider already")
    regions = data.pop("regions")
    provider = Provider(id=new_id(), status=domain.PENDING, created_at=now, updated_at=now,
                        regions_served=[ServedRegion(region) for region in regions],
                        **data)
    session.add(provider)
    audit(uow, "provider", provider.id, "registered",
          {"user_id": data["user_id"], "role": "provider"}, now)
    return provider_view(provider)


def _officers_provider(uow, actor, provider_id):
    domain.require_role(actor["role"], "officer")
    provider = uow.session.get(Provider, provider_id, with_for_update=True)
    if provider is None or not domain.officer_covers(actor["council"], provider.regions):
        raise NotFound("no such provider")
    return provider


@wire_errors()
def decide_provider(uow, actor, provider_id, action, reason=None):
    """An officer approves (`action` "approve") or suspends ("suspend") a provider serving
    their council. Repeating a decision changes nothing and announces nothing."""
    now = utcnow()
    provider = _officers_provider(uow, actor, provider_id)
    status = domain.provider_transition(provider.status, action)
    if status is not None:
        previous, provider.status, provider.updated_at = provider.status, status, now
        audit(uow, "provider", provider.id, status, actor, now, reason=reason,
              previous_status=previous)
        if status == APPROVED:
            payloads.emit(uow, events.PROVIDER_APPROVED, {
                "provider_id": provider.id, "name": provider.name,
                "contact_email": provider.contact_email,
                "contact_phone": provider.contact_phone}, provider.id)
        else:
            payloads.emit(uow, events.PROVIDER_SUSPENDED,
                        {"provider_id": provider.id, "reason": reason}, provider.id)
    return provider_view(provider)


@wire_errors()
def get_provider(uow, provider_id):
    provider = uow.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("no such provider")
    return provider_view(provider)


@wire_errors()
def list_providers(uow, actor, status, limit, cursor):
    """Officers see the providers serving their council, an admin all, a provider itself."""
    query = sa.select(Provider)
    if actor["role"] == "officer":
        query = query.where(providers.c.id.in_(
            sa.select(provider_regions.c.provider_id)
            .where(provider_regions.c.region == actor["council"])))
    elif actor["role"] == "provider":
        query = query.where(providers.c.id == actor["provider_id"])
    else:
        domain.require_role(actor["role"], "admin", "officer", "provider")
    if status is not None:
        query = query.where(providers.c.status == status)
    return keyset_page(uow.session, query.options(selectinload(Provider.regions_served)),
                       (providers.c.created_at, providers.c.id), limit, cursor, view=provider_view)


# --- offers and slots ------------------------------------------------------------------

def _actors_provider(uow, actor):
    domain.require_role(actor["role"], "provider")
    provider = actor["provider_id"] and uow.session.get(Provider, actor["provider_id"])
    if not provider:
        raise NotFound("no provider for this account")
    return provider


def _own_offer(uow, actor, offer_id):
    """The actor's offer, locked; another provider's is not found (existence must not leak)."""
    domain.require_role(actor["role"], "provider")
    offer = uow.session.scalar(
        sa.select(Offer)
        .where(offers.c.id == offer_id, offers.c.provider_id == actor["provider_id"])
        .with_for_update())
    if offer is None:
        raise NotFound("no such offer")
    return offer


def _own_slot(uow, actor, slot_id):
    domain.require_role(actor["role"], "provider")
    slot = uow.session.scalar(
        sa.select(Slot).join(offers, offers.c.id == slots.c.offer_id)
        .where(slots.c.id == slot_id, offers.c.provider_id == actor["provider_id"])
        .with_for_update(of=slots))
    if slot is None:
        raise NotFound("no such slot")
    return slot


@wire_errors()
def create_offer(uow, actor, data):
    now = utcnow()
    provider = _actors_provider(uow, actor)
    domain.check_may_publish(provider.status)
    domain.check_offer_region(data["region"], provider.regions)
    offer = Offer.new(id=new_id(), provider_id=provider.id, created_by=actor["user_id"],
                      created_at=now, **data)
    uow.session.add(offer)
    audit(uow, "offer", offer.id, "created", actor, now)
    return offer_view(offer, provider.name, provider.status)


@wire_errors()
def list_offers(uow, actor, provider_id, limit, cursor):
    """A provider's offers, oldest first, bookable or not (with or without slots): for the
    provider itself, the officers of a council it serves, and an admin. Anyone else is told
    there is no such provider, as for a provider that does not exist."""
    domain.require_role(actor["role"], "admin", "officer", "provider")
    provider = uow.session.get(Provider, provider_id)
    if provider is None or not (
            actor["role"] == "admin"
            or (actor["role"] == "provider" and actor["provider_id"] == provider.id)
            or (actor["role"] == "officer"
                and domain.officer_covers(actor["council"], provider.regions))):
        raise NotFound("no such provider")
    page = keyset_page(uow.session, sa.select(Offer).where(offers.c.provider_id == provider.id),
                       (offers.c.created_at, offers.c.id), limit, cursor,
                       view=lambda offer: offer_view(offer, provider.name, provider.status))
    # how many times each offer has to book (as get_offer lists them), in one query
    counts = dict(uow.session.execute(
        sa.select(slots.c.offer_id, sa.func.count())
        .where(slots.c.offer_id.in_([offer["id"] for offer in page["items"]]),
               slots.c.status == OPEN, slots.c.starts_at > utcnow())
        .group_by(slots.c.offer_id)).all())
    for offer in page["items"]:
        offer["slots_to_book"] = counts.get(offer["id"], 0)
    return page


@wire_errors()
def offer_titles(uow, offer_ids):
    """`{offer_id: title}` of the offers that exist among `offer_ids` (titles are public)."""
    return dict(uow.session.execute(
        sa.select(offers.c.id, offers.c.title).where(offers.c.id.in_(offer_ids))).all())


def get_offer(uow, offer_id):
    """An offer with its future open slots (sold-out ones too, with no places remaining)."""
    offer = uow.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound("no such offer")
    upcoming = uow.session.scalars(
        sa.select(Slot).where(slots.c.offer_id == offer.id, slots.c.status == OPEN,
                              slots.c.starts_at > utcnow())
        .order_by(slots.c.starts_at).limit(SLOTS_PER_OFFER_PAGE + 1)).all()
    return dict(offer_view(offer, offer.provider.name, offer.provider.status),
                slots=[slot_view(slot) for slot in upcoming[:SLOTS_PER_OFFER_PAGE]],
                more_slots=len(upcoming) > SLOTS_PER_OFFER_PAGE)


@wire_errors()
def publish_slots(uow, actor, offer_id, data):
    """Many slots in one go, as a list or a weekly pattern: all of them, or none."""
    now = utcnow()
    offer = _own_offer(uow, actor, offer_id)  # locked: publications of an offer take turns
    domain.check_may_publish(offer.provider.status)
    if data["slots"] is not None:
        new = [(slot["start"].astimezone(domain.UTC), slot["end"].astimezone(domain.UTC),
                slot["capacity"]) for slot in data["slots"]]
        domain.check_new_slots(new, _open_starts(uow, offer, new), now)
        allocations = [(slot["allocation"], slot["applications_close_at"] and
                        slot["applications_close_at"].astimezone(domain.UTC))
                       for slot in data["slots"]]
        domain.check_allocations(allocations, new, offer.price_pence, now)
    else:
        new = domain.expand_pattern(**data["pattern"])
        domain.check_pattern_slots(new, _open_starts(uow, offer, new), now)
        allocations = [(domain.FIRST_COME, None)] * len(new)  # a pattern is first come
    published = [Slot(id=new_id(), offer_id=offer.id, starts_at=start, ends_at=end,
                      capacity=capacity, reserved=0, status=OPEN, created_at=now,
                      allocation=allocation, applications_close_at=close_at)
                 for (start, end, capacity), (allocation, close_at) in zip(
                     new, allocations, strict=True)]
    uow.session.add_all(published)
    audit(uow, "offer", offer.id, "slots_published", actor, now,
          slot_ids=[slot.id for slot in published])
    payloads.emit(uow, events.SLOTS_PUBLISHED, {
        "offer_id": offer.id, "provider_id": offer.provider_id, "category": offer.category,
        "price_pence": offer.price_pence, "title": offer.title, "title_cy": offer.title_cy,
        "region": offer.region,
        "slots": [{"id": slot.id, "start": slot.starts_at, "end": slot.ends_at,
                   "capacity": slot.capacity, "allocation": slot.allocation,
                   "applications_close_at": slot.applications_close_at}
                  for slot in published]}, offer.id)
    return {"items": [slot_view(slot) for slot in published]}


def _open_starts(uow, offer, new):
    return set(uow.session.scalars(sa.select(slots.c.starts_at).where(
        slots.c.offer_id == offer.id, slots.c.status == OPEN,
        slots.c.starts_at.in_({start for start, _end, _capacity in new}))))


@wire_errors()
def change_capacity(uow, actor, slot_id, capacity):
    now = utcnow()
    slot = _own_slot(uow, actor, slot_id)
    domain.check_capacity_change(capacity=capacity, reserved=slot.reserved,
                                 slot_status=slot.status, slot_start=slot.starts_at, now=now)
    if capacity != slot.capacity:
        audit(uow, "slot", slot.id, "capacity_changed", actor, now,
              previous=slot.capacity, capacity=capacity)
        slot.capacity = capacity
    return slot_view(slot)


@wire_errors()
def withdraw_slot(uow, actor, slot_id):
    """Withdraws a slot and announces the bookings holding places on it; bookings cancels
    them, and their cancellations release the places."""
    now = utcnow()
    slot = _own_slot(uow, actor, slot_id)
    booking_ids = list(uow.session.scalars(
        sa.select(reservations.c.booking_id)
        .where(reservations.c.slot_id == slot.id, reservations.c.status == RESERVED)
        .order_by(reservations.c.created_at, reservations.c.booking_id)))
    if domain.withdrawal_needed(slot_status=slot.status, slot_start=slot.starts_at, now=now):
        slot.status = WITHDRAWN
        audit(uow, "slot", slot.id, "withdrawn", actor, now, booking_ids=booking_ids)
        payloads.emit(uow, events.SLOT_WITHDRAWN, {
            "slot_id": slot.id, "offer_id": slot.offer_id,
            "provider_id": slot.offer.provider_id, "booking_ids": booking_ids}, slot.id)
    return dict(slot_view(slot), booking_ids=booking_ids)


@wire_errors()
def get_slot(uow, slot_id):
    row = uow.session.execute(
        sa.select(Slot, Offer, providers.c.status).select_from(slots)
        .join(offers, offers.c.id == slots.c.offer_id)
        .join(providers, providers.c.id == offers.c.provider_id)
        .where(slots.c.id == slot_id)).first()
    if row is None:
        raise NotFound("no such slot")
    slot, offer, provider_status = row
    return dict(slot_view(slot), provider_id=offer.provider_id, price_pence=offer.price_pence,
                category=offer.category,
                bookable=domain.bookable(provider_status=provider_status,
                                         slot_status=slot.status, slot_start=slot.starts_at,
                                         now=utcnow()))


# --- places ----------------------------------------------------------------------------

def _answer_reservation(uow, reservation):
    """Announces a booking's reservation outcome: its places reserved, or its refusal. A
    released reservation answers nothing: its booking has ended and nobody waits for it."""
    if reservation.status == RESERVED:
        payloads.emit(uow, events.PLACES_RESERVED, reservation_view(reservation),
                    reservation.booking_id)  # the payload's fields of it
    elif reservation.status == REFUSED:
        payloads.emit(uow, events.RESERVATION_REFUSED, {
            "booking_id": reservation.booking_id, "slot_id": reservation.slot_id,
            "reason": reservation.reason}, reservation.booking_id)


def _answer_release(uow, reservation):
    """Announces that a booking's places went back; a reservation that never held any (refused,
    or released before its request came) has nothing to announce."""
    if reservation.status == RELEASED and reservation.offer_id is not None:
        payloads.emit(uow, events.PLACES_RELEASED, {
            "booking_id": reservation.booking_id, "slot_id": reservation.slot_id,
            "places": reservation.places}, reservation.booking_id)


# Built once, so SQLAlchemy reuses its cache key (the saga's hot path): the slot, locked,
# with its offer, its provider's status and the booking's earlier outcome.
SLOT_TO_RESERVE = (
    sa.select(Slot, Offer, providers.c.status, Reservation).select_from(slots)
    .join(offers, offers.c.id == slots.c.offer_id)
    .join(providers, providers.c.id == offers.c.provider_id)
    .outerjoin(Reservation, reservations.c.booking_id == sa.bindparam("booking_id"))
    .where(slots.c.id == sa.bindparam("slot_id")).with_for_update(of=slots))


@wire_errors()
def reserve_places(uow, booking_id, slot_id, places):
    """Reserves a booking's places, or refuses them with a reason. The outcome is stored once;
    asking again returns it unchanged and announces it again (a new event: the earlier one may
    have been dead-lettered, and the saga's retry must still get its answer)."""
    now = utcnow()
    session = uow.session
    # The slot's row lock makes reservations of one slot take turns (on SQLite the whole
    # unit of work does); the booking's earlier outcome comes with the slot, in one statement.
    row = session.execute(SLOT_TO_RESERVE, {"slot_id": slot_id,
                                            "booking_id": booking_id}).first()
    earlier = row.Reservation if row is not None else session.get(Reservation, booking_id)
    if earlier is not None:
        _answer_reservation(uow, earlier)
        return reservation_view(earlier)
    slot, offer, provider_status, _ = row if row is not None else (None, None, None, None)
    reservation = Reservation.answer(booking_id=booking_id, slot_id=slot_id, places=places,
                                     slot=slot, offer=offer, provider_status=provider_status,
                                     now=now)
    inserted = insert_absent(session, reservations, {
        column.key: getattr(reservation, column.key) for column in reservations.c},
        ("booking_id",))
    if inserted.rowcount == 0:
        # The same booking's request of another worker committed while this one waited for
        # the slot's lock (after this statement's snapshot): answer with its outcome.
        earlier = session.get(Reservation, booking_id, populate_existing=True)
        _answer_reservation(uow, earlier)
        return reservation_view(earlier)
    if reservation.status == RESERVED:
        slot.reserved += places
    _answer_reservation(uow, reservation)
    return reservation_view(reservation)


@wire_errors()
def release_places(uow, booking_id):
    """Gives a booking's places back, once; releasing again changes nothing but announces the
    release again, and a refused booking's places are nobody's to give back."""
    now = utcnow()
    session = uow.session
    reservation = session.get(Reservation, booking_id, with_for_update=True)
    status = domain.places_to_release(reservation.status if reservation else None)
    if status is None:
        _answer_release(uow, reservation)
        return reservation_view(reservation)
    if reservation is None:
        reservation = Reservation(booking_id=booking_id, status=RELEASED, places=0,
                                  created_at=now, released_at=now)
        session.add(reservation)
        return reservation_view(reservation)
    slot = session.get(Slot, reservation.slot_id, with_for_update=True)
    slot.reserved -= reservation.places
    reservation.status, reservation.released_at = status, now
    _answer_release(uow, reservation)
    return reservation_view(reservation)
