"""What one confirmed booking costs each service's PostgreSQL database: transactions committed
and statements sent, counted by SQLAlchemy in the services' own processes (here, this one).
The booking path is written as few statements as it can be (docs/performance.md): a count
above these bounds is a regression of it."""
import collections
import math
import time

import psycopg2
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.sql import cache_key

from devtools.processes import wait_until
from services.bookings.service import BookingsService

BOOKINGS = 5
# Per confirmed booking (with a budget, approved automatically): the request, and one
# transaction per answer (places reserved, funds held) in bookings; one in providers; one in
# budgets. Statements include each transaction's COMMIT, not the BEGIN psycopg2 sends itself.
MOST_TRANSACTIONS = {"bookings": 3, "providers": 1, "budgets": 1}
# (measured 13, 6 and 8: the outbox marks and the read of an aggregate's earlier unsent rows
# ride on the outbox statements, a saga answer's `seen` mark on the lock of its booking, and
# a booking's history comes with its locked row; one more where marks published during a
# transaction are carried at its commit)
MOST_STATEMENTS = {"bookings": 14, "providers": 7, "budgets": 9}
# Statements whose SQLAlchemy cache key is built afresh, in all three services together
# (measured 0.4: the outbox statements carrying marks, at their first use; the hot path's
# statements are built once).
MOST_CACHE_KEYS = 1


class Counter:
    """Statements and commits per database, while counting."""

    def __init__(self, databases):
        self._names = {url.rsplit("/", 1)[1]: name for name, url in databases.items()}
        self.statements, self.commits = collections.Counter(), collections.Counter()
        self.texts = collections.defaultdict(list)
        self.counting = False

    def _name(self, connection):
        return self._names.get(connection.engine.url.database)

    def statement(self, connection, cursor, text, parameters, context, executemany):
        name = self._name(connection)
        if self.counting and name:
            self.statements[name] += 1
            self.texts[name].append(text.split("\n")[0][:100])

    def commit(self, connection):
        name = self._name(connection)
        if self.counting and name:
            self.commits[name] += 1
            self.statements[name] += 1
            self.texts[name].append("COMMIT")


@pytest.fixture
def counter():
    counters = []

    def make(databases):
        counters.append(Counter(databases))
        event.listen(Engine, "before_cursor_execute", counters[-1].statement)
        event.listen(Engine, "commit", counters[-1].commit)
        return counters[-1]

    yield make
    for made in counters:
        event.remove(Engine, "before_cursor_execute", made.statement)
        event.remove(Engine, "commit", made.commit)


def test_a_confirmed_booking_costs_few_transactions_and_statements(start_saga, counter,
                                                                   monkeypatch):
    # No timer tick and no outbox sweep while counting: they are per second, not per booking.
    saga = start_saga("postgresql", BOOKING_TIMER_SECONDS=3600, OUTBOX_SWEEP_SECONDS=3600)
    world = saga.world()
    provider = world.provider()
    slot_id = world.slot_of(provider, capacity=BOOKINGS + 1)
    families = [world.family() for _ in range(BOOKINGS + 1)]
    budgets = [world.budget(family) for family in families]
    # bookings hears of the slot (slots_published) before the first request
    wait_until(lambda: saga.query("SELECT 1 FROM known_slots WHERE id = :id", id=slot_id),
               10, message="bookings to hear of the slot")
    # a first booking warms up every path (pools, compiled statements)
    world.settled(world.book(families[0], slot_id, budget_id=budgets[0])["id"])

    # watched without SQLAlchemy, so that watching is not counted
    url = make_url(saga.databases["bookings"])
    watcher = psycopg2.connect(host=url.host, port=url.port, user=url.username,
                               dbname=url.database)
    watcher.autocommit = True

    def confirmed(booking_id):
        with watcher.cursor() as cursor:
            cursor.execute("SELECT 1 FROM bookings WHERE id = %s AND status = 'confirmed'",
                           (booking_id,))
            return cursor.fetchone()

    # SQLAlchemy builds a statement's cache key once per statement object (then memoised):
    # a statement built per execution costs one each time (a hot frame of the profile).
    keys = []
    generate = cache_key.HasCacheKey._generate_cache_key

    def counted_key(statement):
        keys.append(type(statement).__name__)
        return generate(statement)

    counted = counter(saga.databases)
    counted.counting = True
    monkeypatch.setattr(cache_key.HasCacheKey, "_generate_cache_key", counted_key)
    try:
        for family, budget_id in zip(families[1:], budgets[1:], strict=True):
            booking = world.book(family, slot_id, budget_id=budget_id)
            wait_until(lambda: confirmed(booking["id"]), 15,
                       message="the booking to be confirmed")
    finally:
        monkeypatch.setattr(cache_key.HasCacheKey, "_generate_cache_key", generate)
        counted.counting = False
        watcher.close()

    per_booking = {name: (counted.commits[name] / BOOKINGS,
                          counted.statements[name] / BOOKINGS) for name in MOST_TRANSACTIONS}
    assert len(keys) / BOOKINGS <= MOST_CACHE_KEYS, collections.Counter(keys)
    for name, (transactions, statements) in per_booking.items():
        assert transactions <= MOST_TRANSACTIONS[name], (name, per_booking, counted.texts[name])
        assert statements <= MOST_STATEMENTS[name], (name, per_booking, counted.texts[name])


def test_an_idle_timer_reads_the_database_once_per_shortest_timeout(start_saga, counter,
                                                                   monkeypatch):
    """With no booking live, a deadline can only come a timeout after the timer's last look:
    it wakes every 50 ms but reads (one transaction) once a second."""
    saga = start_saga("postgresql", services=("bookings",), BOOKING_TIMER_SECONDS=0.05,
                      STEP_TIMEOUT_SECONDS=1, APPROVAL_TIMEOUT_SECONDS=3600,
                      OUTBOX_SWEEP_SECONDS=3600)
    ticks = []
    tick = BookingsService.handle_timeouts

    def counted_tick(service):
        ticks.append(time.monotonic())
        return tick(service)
    counted = counter(saga.databases)
    counted.counting = True
    monkeypatch.setattr(BookingsService, "handle_timeouts", counted_tick)
    wait_until(lambda: len(ticks) >= 40, 60, message="forty timer ticks")
    monkeypatch.setattr(BookingsService, "handle_timeouts", tick)
    counted.counting = False
    seconds = ticks[-1] - ticks[0]
    assert 1 <= counted.commits["bookings"] <= math.ceil(seconds) + 1 < len(ticks) / 2, (
        seconds, counted.texts)
