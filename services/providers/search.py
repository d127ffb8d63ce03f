"""Search: the offers a family can book, soonest available first.

An offer is found when its provider is approved, it matches the filters, and it has at least
one slot in the window that is open, has not started and has places left ("available"). A page
is ordered by (first available start in the window, offer id), and the cursor is that pair.

Two ways to a page, both on the partial indexes of available slots (`ix_slots_open_*`):
- few offers match the filters: their first available starts, one index probe each;
- many match: walk the available slots in time order and stop as soon as the page is full;
  with many offers matching, a page fills after a few steps however many slots there are.

Every new search (a first page; the pages after it are the same search) is recorded for
commissioning: its filters and how many offers it found, never who searched (only their
council, when the caller says it). A search stays a read: it is recorded in the process
(`dependencies.SearchRecords`), which writes what it recorded as one `searches_made` event
about once a second (docs/performance.md, "Recording searches", has the cost and the
trade-off).
"""
import sqlalchemy as sa

from seibiant_common.contracts import payloads
from seibiant_common.contracts import providers as events
from seibiant_common.cursors import ID, MOMENT, decode_cursor
from seibiant_common.errors import wire_errors
from seibiant_common.paging import page_of
from seibiant_common.types import utcnow

from . import domain
from .application import new_id, offer_view, slot_view
from .models import offers, providers, slots

LIKE_ESCAPE = "\\"
# Up to this many matching offers, look each one's first start up; beyond, walk the slots.
FEW_OFFERS = 300
# Slots read per step of the walk.
WALK_STEP = 250
# An offer in a result carries its soonest slots in the window, at most this many;
# `more_slots` says there are more (the offer's own page shows them all).
SLOTS_PER_OFFER = 10


def _like_pattern(term):
    escaped = (term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
               .replace("_", LIKE_ESCAPE + "_"))
    return "%{}%".format(escaped)


def _offer_conditions(filters):
    conditions = [providers.c.status == domain.APPROVED]
    if filters["region"] is not None:
        conditions.append(offers.c.region == filters["region"])
    if filters["category"] is not None:
        conditions.append(offers.c.category == filters["category"])
    if filters["max_price_pence"] is not None:
        conditions.append(offers.c.price_pence <= filters["max_price_pence"])
    required = domain.accessibility_mask(filters["accessibility"] or ())
    if required:
        conditions.append(offers.c.accessibility_mask.op("&")(required) == required)
    required = domain.needs_mask(filters["needs"] or ())
    if required:
        conditions.append(offers.c.needs_mask.op("&")(required) == required)
    for term in domain.search_terms(filters["q"] or ""):
        conditions.append(offers.c.search_text.like(_like_pattern(term), escape=LIKE_ESCAPE))
    return conditions


class Window:
    """The available slots starting in [from, to), never before now."""

    def __init__(self, window_from, window_to, now):
        domain.check_window(window_from, window_to)
        # Spelled as the partial indexes' predicate, so the planner can use them.
        self.conditions = [slots.c.status == domain.OPEN, slots.c.reserved < slots.c.capacity,
                           slots.c.starts_at > now, slots.c.starts_at >= window_from]
        if window_to is not None:
            self.conditions.append(slots.c.starts_at < window_to)


def _after(start_column, id_column, position):
    """Rows after `position` in (start, id) order, spelled so an index on start serves it."""
    start, item_id = position
    return sa.and_(start_column >= start,
                   sa.or_(start_column > start, id_column > item_id))


@wire_errors()
def search(uow, filters, limit, cursor, record, searcher_council=None):
    """A page of `{"items": [offer with "slots" (in the window, with places)], "next_cursor"}`.
    The window is slots starting from `from` (default now) until before `to` (default open).
    A first page is handed to `record` (as `searches_made` will carry it), with
    `searcher_council` if given."""
    now = utcnow()
    window = Window(filters["window_from"] or now, filters["window_to"], now)
    position = decode_cursor(cursor, MOMENT, ID) if cursor is not None else None
    # A page is only read: plain rows, past the ORM's objects.
    connection = uow.session.connection()
    matching = (sa.select(offers.c.id)
                .join(providers, providers.c.id == offers.c.provider_id)
                .where(*_offer_conditions(filters)))
    few = connection.execute(matching.limit(FEW_OFFERS + 1)).scalars().all()
    if len(few) <= FEW_OFFERS:
        page = _first_starts(connection, few, window, position, limit + 1)
    else:
        everyone = set(connection.execute(matching).scalars())
        page = _walk(connection, everyone, window, position, limit + 1)
    page = page_of([offer_id for offer_id, _ in page],
                   [(start, offer_id) for offer_id, start in page], limit)
    if cursor is None:
        record(_demand(filters, len(page["items"]), page["next_cursor"] is not None,
                       searcher_council, now))
    return {"items": _offers_with_slots(connection, page["items"], window),
            "next_cursor": page["next_cursor"]}


def _demand(filters, found, more, council, now):
    """The demand a search shows: one search of `searches_made`."""
    return {
        "search_id": new_id(), "searched_at": now,
        "region": filters["region"], "category": filters["category"],
        "window_from": filters["window_from"], "window_to": filters["window_to"],
        "accessibility": sorted(set(filters["accessibility"] or ())),
        "needs": sorted(set(filters["needs"] or ())),
        "max_price_pence": filters["max_price_pence"],
        "words": domain.search_terms(filters["q"] or ""),
        "offers_found": found, "more_found": more, "council": council,
    }


def record_searches(uow, searches):
    """The searches recorded since the last time, as one `searches_made` (a new aggregate:
    nothing to order)."""
    payloads.emit(uow, events.SEARCHES_MADE, {"searches": searches}, new_id(),
                  new_aggregate=True)


def _first_starts(connection, offer_ids, window, position, count):
    """(offer id, first available start) of these offers, in page order."""
    if not offer_ids:
        return []
    first_start = sa.func.min(slots.c.starts_at).label("first_start")
    query = (sa.select(slots.c.offer_id, first_start)
             .where(slots.c.offer_id.in_(offer_ids), *window.conditions)
             .group_by(slots.c.offer_id)
             .order_by(first_start, slots.c.offer_id).limit(count))
    if position is not None:
        query = query.having(_after(first_start, slots.c.offer_id, position))
    return [tuple(row) for row in connection.execute(query)]


def _walk(connection, matching, window, position, count):
    """The same, found by walking the available slots in time order (an index-only scan)
    and keeping the matching offers' first ones. An offer's first slot after the cursor is its
    first start, unless it has an earlier one (then it was on an earlier page)."""
    page, seen = [], set()
    walked_to = position
    while len(page) < count:
        query = (sa.select(slots.c.offer_id, slots.c.starts_at).where(*window.conditions)
                 .order_by(slots.c.starts_at, slots.c.offer_id).limit(WALK_STEP))
        if walked_to is not None:
            query = query.where(_after(slots.c.starts_at, slots.c.offer_id, walked_to))
        rows = connection.execute(query).all()
        candidates = {}
        for offer_id, starts_at in rows:
            if offer_id in matching and offer_id not in seen and offer_id not in candidates:
                candidates[offer_id] = starts_at
        seen.update(candidates)
        if position is not None and candidates:
            for listed in _listed_before(connection, list(candidates), window, position):
                del candidates[listed]
        page += list(candidates.items())
        if len(rows) < WALK_STEP:
            break
        walked_to = (rows[-1].starts_at, rows[-1].offer_id)
    return page[:count]


def _listed_before(connection, offer_ids, window, position):
    """Those of the offers with an available slot at or before the cursor's position."""
    start, offer_id = position
    return set(connection.execute(
        sa.select(slots.c.offer_id).distinct()
        .where(slots.c.offer_id.in_(offer_ids), *window.conditions,
               sa.or_(slots.c.starts_at < start,
                      sa.and_(slots.c.starts_at == start, slots.c.offer_id <= offer_id)))
    ).scalars())


def _offers_with_slots(connection, offer_ids, window):
    if not offer_ids:
        return []
    found_offers = {row.id: row for row in connection.execute(
        sa.select(*offers.c, providers.c.name.label("provider_name"),
                  providers.c.status.label("provider_status"))
        .join(providers, providers.c.id == offers.c.provider_id)
        .where(offers.c.id.in_(offer_ids)))}
    position = (sa.func.row_number()
                .over(partition_by=slots.c.offer_id, order_by=slots.c.starts_at)
                .label("position"))
    ranked = (sa.select(slots.c.id, slots.c.offer_id, slots.c.starts_at, slots.c.ends_at,
                        slots.c.capacity, slots.c.reserved, slots.c.status,
                        slots.c.allocation, slots.c.applications_close_at, position)
              .where(slots.c.offer_id.in_(offer_ids), *window.conditions).subquery())
    slots_of = {offer_id: [] for offer_id in offer_ids}
    for row in connection.execute(
            sa.select(ranked).where(ranked.c.position <= SLOTS_PER_OFFER + 1)
            .order_by(ranked.c.offer_id, ranked.c.position)):
        slots_of[row.offer_id].append(slot_view(row))
    items = []
    for offer_id in offer_ids:
        offer = found_offers[offer_id]
        found = slots_of[offer_id]
        items.append(dict(offer_view(offer, offer.provider_name, offer.provider_status),
                          slots=found[:SLOTS_PER_OFFER],
                          more_slots=len(found) > SLOTS_PER_OFFER))
    return items
