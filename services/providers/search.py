"""Search: the offers a family can book, soonest available first.

An offer is found when its provider is approved, it matches the filters, and it has at least
one slot in the window that is open, has not started and has places left. The query walks
only such slots (the partial indexes `ix_slots_open_*`), so it stays fast as slots pile up.
Page order is (first available start in the window, offer id); the cursor is that pair.
"""
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from seibiant_common.cursors import encode_cursor
from seibiant_common.types import utcnow

from . import domain
from .application import SLOTS_PER_OFFER, offer_view, slot_view, use_case
from .models import Offer, Provider, Slot

LIKE_ESCAPE = "\\"


def _like_pattern(term):
    escaped = (term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
               .replace("_", LIKE_ESCAPE + "_"))
    return "%{}%".format(escaped)


def _offer_conditions(filters):
    conditions = [Provider.status == domain.APPROVED]
    if filters["region"] is not None:
        conditions.append(Offer.region == filters["region"])
    if filters["category"] is not None:
        conditions.append(Offer.category == filters["category"])
    if filters["max_price_pence"] is not None:
        conditions.append(Offer.price_pence <= filters["max_price_pence"])
    required = domain.accessibility_mask(filters["accessibility"] or ())
    if required:
        conditions.append(Offer.accessibility_mask.op("&")(required) == required)
    required = domain.needs_mask(filters["needs"] or ())
    if required:
        conditions.append(Offer.needs_mask.op("&")(required) == required)
    for term in domain.search_terms(filters["q"] or ""):
        conditions.append(Offer.search_text.like(_like_pattern(term), escape=LIKE_ESCAPE))
    return conditions


def _slot_conditions(window_from, window_to, now):
    # Spelled as the partial indexes' predicate, so the planner can use them.
    conditions = [Slot.status == domain.OPEN, Slot.reserved < Slot.capacity,
                  Slot.starts_at > now, Slot.starts_at >= window_from]
    if window_to is not None:
        conditions.append(Slot.starts_at < window_to)
    return conditions


@use_case
def search(uow, filters, limit, cursor):
    """A page of `{"items": [offer with "slots" (in the window, with places)], "next_cursor"}`.
    The window is slots starting from `from` (default now) until before `to` (default open)."""
    now = utcnow()
    window_from = filters["window_from"] or now
    domain.check_window(window_from, filters["window_to"])
    slot_conditions = _slot_conditions(window_from, filters["window_to"], now)
    first_start = sa.func.min(Slot.starts_at).label("first_start")
    query = (
        sa.select(Slot.offer_id, first_start)
        .join(Offer, Offer.id == Slot.offer_id).join(Provider, Provider.id == Offer.provider_id)
        .where(*slot_conditions, *_offer_conditions(filters))
        .group_by(Slot.offer_id)
        .order_by(first_start, Slot.offer_id)
        .limit(limit + 1))
    if cursor is not None:
        after_start, after_id = domain.decode_position(cursor)
        query = query.having(sa.or_(
            first_start > after_start, sa.and_(first_start == after_start,
                                               Slot.offer_id > after_id)))
    page = uow.session.execute(query).all()
    next_cursor = None
    if len(page) > limit:
        page = page[:limit]
        next_cursor = encode_cursor(page[-1].first_start.isoformat(), page[-1].offer_id)
    offer_ids = [row.offer_id for row in page]
    return {"items": _offers_with_slots(uow.session, offer_ids, slot_conditions),
            "next_cursor": next_cursor}


def _offers_with_slots(session, offer_ids, slot_conditions):
    if not offer_ids:
        return []
    offers = {offer.id: (offer, provider) for offer, provider in session.execute(
        sa.select(Offer, Provider).join(Offer.provider).where(Offer.id.in_(offer_ids)))}
    position = (sa.func.row_number()
                .over(partition_by=Slot.offer_id, order_by=(Slot.starts_at, Slot.id))
                .label("position"))
    ranked = (sa.select(Slot, position)
              .where(Slot.offer_id.in_(offer_ids), *slot_conditions).subquery())
    slot_alias = aliased(Slot, ranked)
    slots = {offer_id: [] for offer_id in offer_ids}
    for slot in session.scalars(
            sa.select(slot_alias).where(ranked.c.position <= SLOTS_PER_OFFER + 1)
            .order_by(ranked.c.offer_id, ranked.c.position)):
        slots[slot.offer_id].append(slot)
    items = []
    for offer_id in offer_ids:
        offer, provider = offers[offer_id]
        found = slots[offer_id]
        items.append(dict(offer_view(offer, provider),
                          slots=[slot_view(slot) for slot in found[:SLOTS_PER_OFFER]],
                          more_slots=len(found) > SLOTS_PER_OFFER))
    return items
