"""The insight use cases: keep each event heard and project it (`record`), make the
projections again from the kept events (`rebuild`), and answer the figures (`report`, `csv`).

Projecting an event is the same code whether it has just come or is replayed by a rebuild:
`project` loads its payload with its producer's schema, as every consumer does. The figures
are SQL groupings over the projections, each shown by the domain's rules."""
import csv
import io
import json

import sqlalchemy as sa

from seibiant_common.contracts import bookings, budgets, payloads, providers
from seibiant_common.errors import NotFound, wire_errors
from seibiant_common.sql import upsert
from seibiant_common.types import utcnow

from . import domain
from .domain import BookingFacts, KeptEvent
from .models import PROJECTIONS, booking_facts, kept_events, published_slots, searches

# What the read model reads of each event it hears (producer, event) -> fields.
READS = {
    (providers.SERVICE, providers.SEARCHES_MADE): ("searches",),
    # no longer emitted: what insight kept of it, and any still queued at an upgrade
    (providers.SERVICE, providers.SEARCH_MADE): (
        "region", "category", "accessibility", "needs", "max_price_pence", "words",
        "offers_found", "council"),
    (providers.SERVICE, providers.SLOTS_PUBLISHED): (
        "offer_id", "provider_id", "category", "price_pence", "region", "slots"),
    (providers.SERVICE, providers.PLACES_RESERVED): (
        "booking_id", "offer_id", "provider_id", "unit_price_pence"),
    (providers.SERVICE, providers.PLACES_RELEASED): ("booking_id",),
    (bookings.SERVICE, bookings.BOOKING_REQUESTED): (
        "booking_id", "family_id", "council", "slot_id", "places", "amount_pence", "category",
        "break_start"),
    (bookings.SERVICE, bookings.BOOKING_CONFIRMED): ("booking_id",),
    (bookings.SERVICE, bookings.BOOKING_REJECTED): ("booking_id", "reason"),
    (bookings.SERVICE, bookings.BOOKING_CANCELLED): ("booking_id", "offer_declined"),
    (bookings.SERVICE, bookings.BOOKING_EXPIRED): ("booking_id",),
    (budgets.SERVICE, budgets.APPROVAL_REQUIRED): ("booking_id",),
    (budgets.SERVICE, budgets.SPEND_APPROVED): ("booking_id",),
    (budgets.SERVICE, budgets.SPEND_DECLINED): ("booking_id",),
    (budgets.SERVICE, budgets.FUNDS_CAPTURED): ("booking_id", "amount_pence"),
}
PRODUCERS = {event_type: producer for producer, event_type in READS}
UNMET_ROWS = 100  # a page, and a CSV, an officer can read


# --- hearing events ------------------------------------------------------------------------

def record(uow, event):
    """Keeps an event and projects it, once (a redelivery changes nothing)."""
    if uow.seen(event):
        return
    at = payloads.occurred_at(event)
    uow.session.add(KeptEvent(event_id=event["event_id"],
                              producer=PRODUCERS[event["event_type"]],
                              event_type=event["event_type"], occurred_at=at,
                              body=json.dumps(event)))
    project(uow, event, at)


def project(uow, event, at):
    event_type = event["event_type"]
    fields = payloads.load(event, *READS[PRODUCERS[event_type], event_type])
    session = uow.session
    if event_type == providers.SEARCHES_MADE:
        session.add_all(domain.search_of(search["search_id"], search, search["searched_at"])
                        for search in fields["searches"])
    elif event_type == providers.SEARCH_MADE:
        session.add(domain.search_of(event["event_id"], fields, at))
    elif event_type == providers.SLOTS_PUBLISHED:
        for slot in domain.slots_of(fields):
            session.merge(slot)  # the same slot again (a retried publication) is one slot
    elif not fields.get("offer_declined"):  # a declined offer was never a booking made
        _facts(uow, fields["booking_id"]).learn(event_type, fields, at)


def _facts(uow, booking_id):
    """The booking's facts, locked (made empty first if this is its first event heard, by
    whichever of two handlers gets there first). Locked once per unit of work: a batch
    often brings several events of one booking."""
    session = uow.session
    locked = session.info.setdefault("locked_facts", {})
    if booking_id not in locked:
        session.execute(upsert(session, booking_facts).values(booking_id=booking_id)
                        .on_conflict_do_nothing(index_elements=[booking_facts.c.booking_id]))
        locked[booking_id] = session.execute(sa.select(BookingFacts).where(
            booking_facts.c.booking_id == booking_id).with_for_update()).scalar_one()
    return locked[booking_id]


@wire_errors()
def rebuild(uow):
    """Empties the projections and projects every kept event again, in the order they came.
    On PostgreSQL the kept events are locked meanwhile: an event arriving waits, then is
    projected onto the rebuilt model."""
    session = uow.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE kept_events IN EXCLUSIVE MODE"))
    for table in PROJECTIONS:
        session.execute(table.delete())
    count = 0
    for kept in session.execute(sa.select(kept_events.c.body, kept_events.c.occurred_at)
                                .order_by(kept_events.c.seq)).yield_per(2000):
        project(uow, json.loads(kept.body), kept.occurred_at)
        count += 1
        if count % 2000 == 0:
            session.flush()
            session.expunge_all()  # a rebuild of many events keeps no objects in memory
    return {"events": count}


# --- the figures ---------------------------------------------------------------------------

@wire_errors()
def report(uow, actor, first_day, last_day, tables=None):
    """`{from, to, council, provider_id, <table>: rows}` of the actor's scope; `tables` limits
    which are worked out (a CSV wants one)."""
    scope = domain.scope_of(actor)
    window = domain.window(first_day, last_day, utcnow().date())
    connection = uow.session.connection()
    answer = {"from": window.first_day.isoformat(), "to": window.last_day.isoformat(),
              "council": scope.council,
              "provider_id": scope.provider_id}
    for table in tables or scope.tables:
        domain.require_table(scope, table)
        answer[table] = TABLE_QUERIES[table](connection, scope, window)
    return answer


@wire_errors()
def csv_table(uow, actor, table, first_day, last_day):
    """One table of the report as CSV text: a header row, then a row per grouping (lists of
    filters joined by spaces, an unshown figure as "fewer than 5", nothing as empty)."""
    domain.require_table(domain.scope_of(actor), table)
    rows = report(uow, actor, first_day, last_day, tables=(table,))[table]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = CSV_COLUMNS[table]
    writer.writerow(columns)
    for row in rows if isinstance(rows, list) else [rows]:
        writer.writerow(["" if row[column] is None else
                         " ".join(row[column]) if isinstance(row[column], list) else
                         row[column] for column in columns])
    return out.getvalue()


def _searches_of(scope, window):
    where = [searches.c.searched_at >= window.start, searches.c.searched_at < window.end]
    if scope.council is not None:
        where.append(sa.or_(searches.c.council == scope.council,
                            sa.and_(searches.c.council.is_(None),
                                    searches.c.region == scope.council)))
    return where


def _slots_of(scope, window):
    where = [published_slots.c.starts_at >= window.start,
             published_slots.c.starts_at < window.end]
    if scope.council is not None:
        where.append(published_slots.c.region == scope.council)
    if scope.provider_id is not None:
        where.append(published_slots.c.provider_id == scope.provider_id)
    return where


def _families_of(scope):
    return [booking_facts.c.council == scope.council] if scope.council is not None else []


BOOKED = sa.and_(booking_facts.c.confirmed_at.is_not(None),
                 booking_facts.c.cancelled_at.is_(None),
                 sa.or_(booking_facts.c.released.is_(None),
                        booking_facts.c.released == sa.false()))
FAMILIES = sa.func.count(sa.distinct(booking_facts.c.family_id))
AREA = sa.func.coalesce(published_slots.c.region, domain.UNKNOWN_AREA)
WITH_SLOT = booking_facts.outerjoin(published_slots,
                                    published_slots.c.slot_id == booking_facts.c.slot_id)


def unmet_demand(connection, scope, window):
    """Searches that found nothing, grouped; the UNMET_ROWS groupings with the most of them
    (100,000 searches with every mix of needs and features asked make tens of thousands of
    groupings, and the most asked for are what commissioning acts on)."""
    count = sa.func.count()
    keys = (searches.c.month, searches.c.region, searches.c.category, searches.c.needs,
            searches.c.accessibility)
    rows = connection.execute(
        sa.select(*keys, count.label("searches"))
        .where(*_searches_of(scope, window), searches.c.offers_found == 0)
        .group_by(*keys).order_by(count.desc(), *keys).limit(UNMET_ROWS))
    return [{"month": row.month, "area": row.region, "kind": row.category,
             "needs": domain.unlisted(row.needs),
             "accessibility": domain.unlisted(row.accessibility),
             "searches": domain.shown_searches(row.searches)} for row in rows]


def _published(connection, scope, window, *keys, where=()):
    return {tuple(row)[:-1]: int(row.places) for row in connection.execute(
        sa.select(*keys, sa.func.sum(published_slots.c.capacity).label("places"))
        .where(*_slots_of(scope, window), *where).group_by(*keys))}


def _booked(connection, scope, window, *keys, where=(BOOKED,)):
    return {tuple(row)[:-2]: (int(row.places), row.families) for row in connection.execute(
        sa.select(*keys, sa.func.sum(booking_facts.c.places).label("places"),
                  FAMILIES.label("families"))
        .select_from(WITH_SLOT).where(*_slots_of(scope, window), *where).group_by(*keys))}


def supply_and_demand(connection, scope, window):
    """Places published against places booked, by month, area and kind, and how full."""
    keys = (published_slots.c.month, published_slots.c.region, published_slots.c.category)
    published = _published(connection, scope, window, *keys)
    booked = _booked(connection, scope, window, *keys)
    rows = []
    for month, area, kind in sorted(set(published) | set(booked),
                                    key=lambda key: tuple(part or "" for part in key)):
        places = published.get((month, area, kind), 0)
        taken, families = booked.get((month, area, kind), (0, 0))
        rows.append({"month": month, "area": area, "kind": kind, "places_published": places,
                     "places_booked": domain.shown(taken, families),
                     "full_percent": domain.full_percent(places, taken, families)})
    return rows


def gifted(connection, scope, window):
    """Gifted places (price 0) published and booked, by month and area."""
    keys = (published_slots.c.month, published_slots.c.region)
    free = published_slots.c.price_pence == 0
    given = _published(connection, scope, window, *keys, where=(free,))
    taken = _booked(connection, scope, window, *keys, where=(BOOKED, free))
    rows = []
    for month, area in sorted(set(given) | set(taken),
                              key=lambda key: tuple(part or "" for part in key)):
        places, families = taken.get((month, area), (0, 0))
        rows.append({"month": month, "area": area, "places_given": given.get((month, area), 0),
                     "places_taken": domain.shown(places, families)})
    return rows


def _spend(connection, scope, window, key, name):
    rows = connection.execute(
        sa.select(key.label("key"), sa.func.sum(booking_facts.c.captured_pence).label("pence"),
                  FAMILIES.label("families"))
        .select_from(WITH_SLOT)
        .where(*_families_of(scope), booking_facts.c.captured_at >= window.start,
               booking_facts.c.captured_at < window.end)
        .group_by(key).order_by(key))
    return [{name: row.key, "spent_pence": domain.shown(int(row.pence), row.families),
             "families": domain.shown(row.families, row.families)} for row in rows]


def spend_by_kind(connection, scope, window):
    return _spend(connection, scope, window, booking_facts.c.category, "kind")


def spend_by_area(connection, scope, window):
    return _spend(connection, scope, window, AREA, "area")


def _counted(connection, scope, key, name, moment, window):
    rows = connection.execute(
        sa.select(key.label("key"), sa.func.count().label("bookings"),
                  FAMILIES.label("families"))
        .where(*_families_of(scope), moment >= window.start, moment < window.end,
               booking_facts.c.family_id.is_not(None))
        .group_by(key).order_by(key))
    return [{name: row.key, "bookings": domain.shown(row.bookings, row.families)}
            for row in rows]


def rejections(connection, scope, window):
    """Why bookings were not made: each rejection reason (and `expired`) counted."""
    return _counted(connection, scope, booking_facts.c.not_made_reason, "reason",
                    booking_facts.c.not_made_at, window)


def cancellations(connection, scope, window):
    return _counted(connection, scope, booking_facts.c.category, "kind",
                    booking_facts.c.cancelled_at, window)


def approvals(connection, scope, window):
    """How long approvals take: those decided in the window, asked to decided."""
    decided = booking_facts.c.approval_decided_at
    rows = connection.execute(
        sa.select(booking_facts.c.family_id, booking_facts.c.approval,
                  booking_facts.c.approval_asked_at, decided)
        .where(*_families_of(scope), decided >= window.start, decided < window.end,
               booking_facts.c.approval_asked_at.is_not(None))).all()
    return domain.approval_times(
        [row.approval_decided_at - row.approval_asked_at for row in rows],
        len({row.family_id for row in rows}),
        sum(row.approval == "approved" for row in rows),
        sum(row.approval == "declined" for row in rows))


def provider(connection, scope, window):
    """A provider's own places by month and kind: offered, booked, cancelled."""
    keys = (published_slots.c.month, published_slots.c.category)
    offered = _published(connection, scope, window, *keys)
    booked = _booked(connection, scope, window, *keys)
    cancelled = _booked(connection, scope, window, *keys,
                        where=(booking_facts.c.cancelled_at.is_not(None),))
    rows = []
    for month, kind in sorted(set(offered) | set(booked) | set(cancelled)):
        places, families = booked.get((month, kind), (0, 0))
        gone, gone_families = cancelled.get((month, kind), (0, 0))
        rows.append({"month": month, "kind": kind,
                     "places_offered": offered.get((month, kind), 0),
                     "places_booked": domain.shown(places, families),
                     "places_cancelled": domain.shown(gone, gone_families)})
    return rows


@wire_errors()
def impact(uow, actor, provider_id, provider_councils):
    """What a provider gave as gifted breaks (`domain.impact`), and the gifted bookings made
    (`booking_ids`, for the gateway to ask families for their feedback: never shown); NotFound
    for whoever may not see it."""
    if not domain.may_see_impact(actor, provider_id, provider_councils):
        raise NotFound("no such provider's impact")
    connection = uow.session.connection()
    free = published_slots.c.price_pence == 0
    mine = published_slots.c.provider_id == provider_id
    rows = connection.execute(
        sa.select(booking_facts.c.booking_id, published_slots.c.offer_id,
                  booking_facts.c.family_id, booking_facts.c.places,
                  published_slots.c.starts_at, published_slots.c.ends_at)
        .select_from(booking_facts.join(published_slots,
                                        published_slots.c.slot_id == booking_facts.c.slot_id))
        .where(mine, free, BOOKED, booking_facts.c.family_id.is_not(None))
        .order_by(booking_facts.c.booking_id)).all()
    offered = connection.execute(
        sa.select(published_slots.c.offer_id, published_slots.c.capacity,
                  published_slots.c.starts_at).where(mine, free)).all()
    answer = domain.impact(
        [domain.Gift(row.offer_id, row.family_id, row.places or 1, row.starts_at, row.ends_at)
         for row in rows],
        [domain.Offered(row.offer_id, row.capacity, row.starts_at) for row in offered])
    answer["provider_id"] = provider_id
    answer["booking_ids"] = [row.booking_id for row in rows]
    return answer


TABLE_QUERIES = {
    "unmet_demand": unmet_demand, "supply_and_demand": supply_and_demand,
    "spend_by_kind": spend_by_kind, "spend_by_area": spend_by_area, "gifted": gifted,
    "rejections": rejections, "cancellations": cancellations, "approvals": approvals,
    "provider": provider,
}
CSV_COLUMNS = {
    "unmet_demand": ("month", "area", "kind", "needs", "accessibility", "searches"),
    "supply_and_demand": ("month", "area", "kind", "places_published", "places_booked",
                          "full_percent"),
    "spend_by_kind": ("kind", "spent_pence", "families"),
    "spend_by_area": ("area", "spent_pence", "families"),
    "gifted": ("month", "area", "places_given", "places_taken"),
    "rejections": ("reason", "bookings"),
    "cancellations": ("kind", "bookings"),
    "approvals": ("decided", "approved", "declined", "median_hours", "p90_hours"),
    "provider": ("month", "kind", "places_offered", "places_booked", "places_cancelled"),
}
