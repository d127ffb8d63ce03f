"""The transactional outbox: a unit of work that commits state and events together, and the
relay that moves committed events to RabbitMQ with publisher confirms.

One transaction per unit of work: right after its commit the unit of work publishes the
events it wrote (from memory, no second transaction) and the relay remembers them as
published; the next unit of work of the process marks them sent inside its own transaction,
and the periodic sweep marks what no unit of work came to mark within a sweep interval and
publishes what nobody published (a crash after commit, a broker outage, an aggregate whose
earlier event was not yet out).

Delivery is at least once (a crash between the broker's confirm and the mark publishes the
row again), which is why every event carries an `event_id` and every handler checks it with
`UnitOfWork.seen`. Events of one aggregate are first published in the order they were
committed: a unit of work publishes an aggregate's events itself only when every earlier unsent
row of that aggregate is one this process has already published, and leaves them to the
sweep otherwise; within a process, publishing after commit is serialised per aggregate.
"""
from __future__ import annotations  # `Store` is only imported for the type checker

import datetime
import json
import logging
import uuid
import zlib
from collections import defaultdict
from types import TracebackType
from typing import TYPE_CHECKING, Any, Iterable, Literal, Mapping, cast

import sqlalchemy as sa
from eventlet.semaphore import Semaphore
from kombu import Exchange
from nameko.amqp.publish import Publisher
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .types import utcnow

if TYPE_CHECKING:  # database.py imports this module
    from .database import Store

log = logging.getLogger(__name__)

SWEEP_BATCH = 500
# Publishing after commit takes the lock of each of its aggregates' stripe, in index order.
ORDERING_STRIPES = 64


def new_id() -> str:
    return uuid.uuid4().hex


def envelope(event_type: str, payload: dict[str, Any], aggregate_id: str,
             correlation_id: str | None, schema_version: int = 1) -> dict[str, Any]:
    return {
        "event_id": new_id(),
        "event_type": event_type,
        "schema_version": schema_version,
        "occurred_at": utcnow().isoformat(),
        "aggregate_id": aggregate_id,
        "correlation_id": correlation_id,
        "payload": payload,
    }


class Statements:
    """The statements every unit of work sends, built once per service: SQLAlchemy then
    reuses their cache keys and compiled forms instead of building them per execution (one of
    the profile's costs, docs/performance.md)."""

    def __init__(self, outbox: sa.Table, processed_events: sa.Table, dialect: str) -> None:
        self.emit = outbox.insert()
        self.seen = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
            processed_events).on_conflict_do_nothing()
        self.mark_sent = (outbox.update()
                          .where(outbox.c.seq.in_(sa.bindparam("seqs", expanding=True)),
                                 outbox.c.sent_at.is_(None))
                          .values(sent_at=sa.bindparam("marked_at")))
        self.unsent_of = (sa.select(outbox.c.aggregate_id, outbox.c.seq)
                          .where(outbox.c.sent_at.is_(None),
                                 outbox.c.aggregate_id.in_(
                                     sa.bindparam("aggregates", expanding=True))))


class Emitted:
    """An outbox row this unit of work wrote, kept in memory to publish after commit."""

    def __init__(self, seq: int, aggregate_id: str, event_type: str, body: dict[str, Any],
                 headers: dict[str, Any], new_aggregate: bool) -> None:
        self.seq, self.aggregate_id, self.event_type = seq, aggregate_id, event_type
        self.body, self.headers, self.new_aggregate = body, headers, new_aggregate


class UnitOfWork:
    """One database transaction. `emit` writes an event into it; after a successful commit
    the events are published at once, so the outbox adds no polling delay and no
    transaction."""

    def __init__(self, store: Store, handler_name: str | None = None,
                 correlation_id: str | None = None, call_id_stack: Iterable[str] = ()) -> None:
        self._store = store
        self._handler_name = handler_name
        self._correlation_id = correlation_id
        self._call_id_stack = list(call_id_stack)
        self._emitted: list[Emitted] = []
        self._due: list[tuple[str, datetime.datetime]] = []
        self.session: Session = None  # type: ignore[assignment]  # from __enter__ on

    def __enter__(self) -> "UnitOfWork":
        self._lock = self._store.write_lock()
        self._lock.__enter__()
        self.session = Session(bind=self._store.engine, expire_on_commit=False)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> Literal[False]:
        relay = self._store.relay
        handoff: Handoff | None = None
        committed = False
        try:
            try:
                if exc_type is None:
                    if relay is not None:
                        handoff = relay.prepare(self.session, self._emitted)
                    self.session.commit()
                    committed = True
                    for name, at in self._due:  # only now can a timer's read see them
                        self._store.next_look(name).due_by(at)
                else:
                    self.session.rollback()
            finally:
                try:
                    self.session.close()
                finally:
                    self._lock.__exit__(None, None, None)
            if handoff is not None:
                handoff.publish()
        finally:  # even for a worker killed on the way: no lock or mark is left behind
            if handoff is not None:
                handoff.finish(committed)
        return False

    def emit(self, event_type: str, payload: dict[str, Any], aggregate_id: object,
             schema_version: int = 1, new_aggregate: bool = False) -> dict[str, Any]:
        """Writes an event into this transaction's outbox. `new_aggregate`: the aggregate
        was created in this unit of work, so no earlier event of it can be waiting (which
        spares a read at commit)."""
        body = envelope(event_type, payload, str(aggregate_id), self._correlation_id,
                        schema_version)
        headers: dict[str, Any] = {"nameko.call_id_stack": self._call_id_stack}
        if self._correlation_id:
            headers["nameko.correlation_id"] = self._correlation_id
        result = cast(sa.CursorResult[Any], self.session.execute(self._store.statements.emit, {
            "event_id": body["event_id"], "aggregate_id": body["aggregate_id"],
            "event_type": event_type, "body": json.dumps(body), "headers": json.dumps(headers),
            "created_at": utcnow()}))
        key = result.inserted_primary_key
        assert key is not None  # the INSERT of one row
        self._emitted.append(Emitted(key[0], body["aggregate_id"], event_type, body, headers,
                                     new_aggregate))
        return body

    def due_by(self, name: str, at: datetime.datetime) -> None:
        """This unit of work makes something due at `at` that the timer of `name` does
        (`Store.next_look`): it is told once the unit of work has committed."""
        self._due.append((name, at))

    def handling(self, handler_name: str) -> None:
        """For a unit of work shared by a batch of events (`messaging.answering_in_batches`):
        the handler whose `seen` marks follow."""
        self._handler_name = handler_name

    def seen(self, event: Mapping[str, Any], handler: str | None = None) -> bool:
        """Records that this handler applied `event`; True if it already had (do nothing then).
        The mark commits or rolls back with the handler's own changes."""
        result = cast(sa.CursorResult[Any], self.session.execute(self._store.statements.seen, {
            "event_id": event["event_id"], "handler": handler or self._handler_name,
            "processed_at": utcnow()}))
        return result.rowcount == 0


class Handoff:
    """What one unit of work hands the relay at its commit: the marks it carried in its
    transaction, the rows it may publish once committed, and its aggregates' ordering locks."""

    def __init__(self, relay: "OutboxRelay", marks: set[int], rows: list[Emitted],
                 locks: list[Semaphore]) -> None:
        self._relay, self._marks, self._rows, self._locks = relay, marks, rows, locks

    def publish(self) -> None:
        """After the commit."""
        if self._rows:
            self._relay.publish_committed(self._rows)

    def finish(self, committed: bool) -> None:
        """The marks are done if the transaction committed, else they go back."""
        (self._relay.marked if committed else self._relay.unmarked)(self._marks)
        for lock in reversed(self._locks):
            lock.release()
        self._locks = []


class OutboxRelay:
    """Publishes committed outbox rows, oldest first per aggregate, and marks them sent.

    `published` holds the rows this process published and has not yet marked sent (`stale`:
    those that were already waiting at the last sweep); `marking` those whose mark is in a
    transaction not yet committed. Each row is marked by exactly one transaction of the
    process (no two of them wait on each other's row locks)."""

    def __init__(self, store: Store, publisher: Publisher, exchange: Exchange,
                 grace_seconds: float) -> None:
        self._store = store
        self._publisher = publisher
        self._exchange = exchange
        # The sweep leaves younger rows to the unit of work that wrote them (or, in another
        # instance, has published them and not yet marked them): fewer duplicates.
        self._grace = datetime.timedelta(seconds=grace_seconds)
        self._published: set[int] = set()
        self._stale: set[int] = set()
        self._marking: set[int] = set()
        self._stripes = [Semaphore(1) for _ in range(ORDERING_STRIPES)]

    # --- a unit of work's commit --------------------------------------------------------

    def prepare(self, session: Session, emitted: list[Emitted]) -> Handoff:
        """In the unit of work's transaction, just before its commit: mark sent what this
        process published since, and find which of its own rows it may publish after the
        commit without overtaking an earlier unsent row of the same aggregate."""
        locks: list[Semaphore] = []
        for stripe in sorted({zlib.crc32(row.aggregate_id.encode()) % ORDERING_STRIPES
                              for row in emitted}):  # released once published (Handoff)
            self._stripes[stripe].acquire()
            locks.append(self._stripes[stripe])
        marks = self._take_marks()
        try:
            self._mark_sent(session, marks)
            rows = self._publishable(session, emitted) if emitted else []
        except BaseException:
            Handoff(self, marks, [], locks).finish(committed=False)
            raise
        return Handoff(self, marks, rows, locks)

    def _publishable(self, session: Session, emitted: list[Emitted]) -> list[Emitted]:
        own = {row.seq for row in emitted}
        older = {row.aggregate_id for row in emitted if not row.new_aggregate}
        earlier = session.execute(self._store.statements.unsent_of,
                                  {"aggregates": sorted(older)}).all() if older else []
        ours = own | self._published | self._stale | self._marking
        waiting = {aggregate_id for aggregate_id, seq in earlier if seq not in ours}
        return [row for row in emitted if row.aggregate_id not in waiting]

    def publish_committed(self, rows: list[Emitted]) -> None:
        """Right after a commit. A failure here is not the caller's failure: the state
        change is committed and the sweep will publish what is left."""
        try:
            for row in rows:
                self._publish_one(row.body, row.event_type, row.headers)
                self._published.add(row.seq)
        except Exception:
            log.warning("outbox publish after commit failed; the sweep will retry",
                        exc_info=True)

    # --- marks --------------------------------------------------------------------------

    def _take_marks(self) -> set[int]:
        marks = self._published | self._stale
        self._published, self._stale = set(), set()
        self._marking |= marks
        return marks

    def _take_stale_marks(self) -> set[int]:
        """The sweep's: only marks no unit of work came to carry since the last sweep, so
        that while the service is busy its units of work carry them all."""
        marks, self._stale, self._published = self._stale, self._published, set()
        self._marking |= marks
        return marks

    def marked(self, marks: set[int]) -> None:
        self._marking -= marks

    def unmarked(self, marks: set[int]) -> None:
        self._marking -= marks
        self._stale |= marks

    def _mark_sent(self, session: Session, seqs: set[int]) -> None:
        if seqs:
            session.execute(self._store.statements.mark_sent,
                            {"seqs": sorted(seqs), "marked_at": utcnow()})

    # --- the sweep ----------------------------------------------------------------------

    def sweep(self) -> int:
        """Marks what this process published and no unit of work has marked since the last
        sweep, and publishes rows nobody published. Safe to run in several instances at once:
        rows are claimed with SKIP LOCKED, and an aggregate whose earlier row is claimed
        elsewhere (or is too young, or was published here and is not marked yet) waits for the
        next sweep. Returns the count published. Commits only when it marked or published
        something."""
        outbox = self._store.outbox
        with self._store.write_lock(), Session(bind=self._store.engine) as session:
            marks, committed = self._take_stale_marks(), False
            sent: list[int] = []
            try:
                self._mark_sent(session, marks)
                try:
                    self._publish_unsent(session, sent)
                finally:  # what reached the broker is marked, even if a later row failed
                    if sent:
                        session.execute(outbox.update().where(outbox.c.seq.in_(sent))
                                        .values(sent_at=utcnow()))
                    if marks or sent:
                        session.commit()
                    committed = True
            finally:
                (self.marked if committed else self.unmarked)(marks)
            return len(sent)

    def _publish_unsent(self, session: Session, sent: list[int]) -> None:
        outbox = self._store.outbox
        claim = (sa.select(outbox)
                 .where(outbox.c.sent_at.is_(None),
                        outbox.c.created_at < utcnow() - self._grace)
                 .order_by(outbox.c.seq).limit(SWEEP_BATCH).with_for_update(skip_locked=True))
        ours = self._published | self._stale | self._marking  # published, not yet marked
        if ours:
            claim = claim.where(outbox.c.seq.notin_(sorted(ours)))
        claimed = session.execute(claim).all()
        if not claimed:
            return
        unsent: defaultdict[str, list[int]] = defaultdict(list)
        for aggregate_id, seq in session.execute(
            sa.select(outbox.c.aggregate_id, outbox.c.seq)
            .where(outbox.c.sent_at.is_(None),
                   outbox.c.aggregate_id.in_({row.aggregate_id for row in claimed}))
            .order_by(outbox.c.seq)
        ):
            unsent[aggregate_id].append(seq)
        claimed_seqs = {row.seq for row in claimed}
        publishable: set[int] = set()
        for seqs in unsent.values():
            for seq in seqs:  # only the unbroken run from the aggregate's oldest row
                if seq not in claimed_seqs:
                    break
                publishable.add(seq)
        for row in claimed:
            if row.seq in publishable:
                self._publish_one(json.loads(row.body), row.event_type, json.loads(row.headers))
                sent.append(row.seq)

    def _publish_one(self, body: dict[str, Any], event_type: str,
                     headers: dict[str, Any]) -> None:
        self._publisher.publish(body, exchange=self._exchange, routing_key=event_type,
                                headers=headers, message_id=body["event_id"])
