"""The database dependency every service uses: its own engine, migrations on start, units of
work with the outbox, and the periodic outbox sweep."""
import contextlib
import datetime
import logging
import os
from typing import Any, Callable, ContextManager, Iterator

import eventlet
from eventlet.semaphore import Semaphore
from eventlet.support.psycopg2_patcher import make_psycopg_green
from nameko.amqp.publish import Publisher
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from nameko.containers import WorkerContext
from sqlalchemy import Table, create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session

from .config import database_url, setting
from .migrations import upgrade
from .outbox import OutboxRelay, Statements, UnitOfWork
from .timers import NextLook
from .types import utcnow

log = logging.getLogger(__name__)

PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2,
                        "interval_max": 0.5}


def make_engine(url: str | URL, pool_size: int = 10) -> Engine:
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        # No pre-ping: it cost a round trip per unit of work (py-spy, docs/performance.md).
        # A connection the server dropped fails its statement; recycling keeps them fresh,
        # and the failed worker's message is retried.
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                             pool_recycle=1800)
    if url.database and url.database != ":memory:":
        os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Take the write lock at the start, so two processes never deadlock upgrading
        # read locks; SQLite has no SELECT ... FOR UPDATE.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """An engine with the service's outbox: what a unit of work and the relay need."""

    def __init__(self, engine: Engine, outbox: Table, processed_events: Table,
                 look_ceiling: datetime.timedelta = datetime.timedelta(minutes=10)) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.outbox = outbox
        self.processed_events = processed_events
        self.statements = Statements(outbox, processed_events, self.dialect)
        self.relay: OutboxRelay | None = None
        # sqlite3 is not green: a greenlet yielding inside a write transaction (say, to
        # publish) would let another block the whole process on the file lock. So within a
        # process, SQLite units of work take turns.
        self._sqlite_lock = Semaphore(1) if self.dialect == "sqlite" else None
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._look_ceiling = look_ceiling
        self._next_looks: dict[str, NextLook] = {}

    def write_lock(self) -> ContextManager[Any]:
        return self._sqlite_lock if self._sqlite_lock else contextlib.nullcontext()

    def unit_of_work(self, **context: Any) -> UnitOfWork:
        return UnitOfWork(self, **context)

    @contextlib.contextmanager
    def reading(self) -> Iterator["Reading"]:
        """Work that only reads: on PostgreSQL each statement is its own snapshot, with no
        BEGIN and COMMIT around it (two round trips fewer on what every request reads, such
        as its token). Nothing it changes is kept. SQLite reads in a unit of work, whose
        BEGIN IMMEDIATE an autocommit connection would leave open."""
        if self.dialect == "sqlite":
            with self.unit_of_work() as uow:
                yield Reading(uow.session)
            return
        with Session(bind=self._reader, expire_on_commit=False) as session:
            yield Reading(session)

    def next_look(self, name: str) -> NextLook:
        """When the timer reading what `name` makes due next needs to (this process's)."""
        if name not in self._next_looks:
            self._next_looks[name] = NextLook(self._look_ceiling)
        return self._next_looks[name]


class Reading:
    """What a read-only use case gets in place of a unit of work: its `session`, and
    nothing to emit."""

    def __init__(self, session: Session) -> None:
        self.session = session


class DatabaseAccess:
    """What a worker gets: units of work and a health check, nothing else."""

    def __init__(self, store: Store, worker_ctx: WorkerContext) -> None:
        self._store = store
        self._worker_ctx = worker_ctx

    def unit_of_work(self) -> UnitOfWork:
        ctx = self._worker_ctx
        return self._store.unit_of_work(
            handler_name="{}.{}".format(ctx.service_name, ctx.entrypoint.method_name),
            # read now, not at injection: the Correlation dependency sets it in worker_setup
            correlation_id=ctx.data.get("correlation_id"),
            call_id_stack=ctx.call_id_stack,
        )

    def reading(self) -> ContextManager[Reading]:
        return self._store.reading()

    def next_look(self, name: str) -> NextLook:
        return self._store.next_look(name)

    def in_batches(self, step: Callable[[UnitOfWork], int], batch: int,
                   due: tuple[str, Callable[[UnitOfWork], datetime.datetime | None]]
                   | None = None) -> None:
        """A timer's work: `step` (which does at most `batch` of what is due and says how
        many) in a unit of work of its own, again while it did a full batch. With `due`,
        `(name, soonest)`: only once something may be due (`next_look(name)`: an idle tick
        reads and commits nothing), and the last unit of work also reads when the next is
        (`soonest`)."""
        look, looked_at = (self.next_look(due[0]) if due else None), utcnow()
        if look is not None and not look.due(looked_at):
            return
        done, found = batch, None
        while done == batch:
            with self.unit_of_work() as uow:
                done = step(uow)
                if due is not None and done < batch:
                    found = due[1](uow)
        if look is not None:
            look.looked(looked_at, found)

    def ping(self) -> bool:
        with self._store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True


class Database(DependencyProvider):
    """`db = Database(metadata_module.outbox, ..., migrations_dir)` on a service class.

    The URL comes from `DATABASES[<service name>]` in the config (environment variable
    `<SERVICE>_DATABASE_URL`); migrations in `migrations_dir` are applied in `setup`.
    """

    def __init__(self, tables: tuple[Table, Table], migrations_dir: str) -> None:
        self.outbox, self.processed_events = tables
        self.migrations_dir = migrations_dir

    def setup(self) -> None:
        config = self.container.config
        service_name = self.container.service_name
        url = database_url(config, service_name)
        if make_url(url).get_backend_name() == "postgresql":
            # psycopg2 waits for PostgreSQL through eventlet's hub, so a worker's query lets
            # the process's other workers run. `nameko run`'s eventlet.monkey_patch() does
            # this too; a service must not depend on how it was launched.
            make_psycopg_green()
        engine = make_engine(url, pool_size=int(config.get("max_workers", 10)) + 5)
        upgrade(engine, self.migrations_dir)
        # how long a timer with nothing due waits before it reads anyway (what another
        # instance made due, or left when it died): seibiant_common.timers.NextLook
        self.store = Store(engine, self.outbox, self.processed_events, datetime.timedelta(
            seconds=setting(config, "TIMER_CEILING_SECONDS", 600.0, float)))
        exchange = get_event_exchange(service_name, config)
        # Fail fast after a commit when the broker is away: the sweep publishes later.
        publisher = Publisher(config["AMQP_URI"], use_confirms=True, declare=[exchange],
                              serializer="json", retry_policy=PUBLISH_RETRY_POLICY)
        self.sweep_seconds = setting(config, "OUTBOX_SWEEP_SECONDS", 1.0, float)
        # Rows another instance published are marked within two of its sweeps: wait longer.
        self.relay = self.store.relay = OutboxRelay(self.store, publisher, exchange,
                                                    grace_seconds=3 * self.sweep_seconds)

    def start(self) -> None:
        self._sweeper = self.container.spawn_managed_thread(self._sweep_forever)

    def _sweep_forever(self) -> None:
        while True:
            try:
                self.relay.sweep()
            except Exception:
                log.warning("outbox sweep failed; will try again", exc_info=True)
            eventlet.sleep(self.sweep_seconds)

    def stop(self) -> None:
        self._sweeper.kill()
        self.store.engine.dispose()

    def kill(self) -> None:
        self._sweeper.kill()

    def get_dependency(self, worker_ctx: WorkerContext) -> DatabaseAccess:
        return DatabaseAccess(self.store, worker_ctx)
