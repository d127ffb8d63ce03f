"""The transactional outbox: a unit of work that commits state and events together, and the
relay that moves committed events to RabbitMQ with publisher confirms.

One transaction per unit of work: right after its commit the unit of work publishes the
events it wrote (from memory, no second transaction) and the relay remembers them as
published; the next unit of work of the process marks them sent inside its own transaction
(on PostgreSQL within the first outbox statement it sends: `Statements.marking`), and the
periodic sweep marks what no unit of work came to mark within a sweep interval and
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
        # PostgreSQL: the INSERT also returns the aggregate's earlier unsent rows (a subquery
        # of RETURNING sees the table as it was before the statement): no read at the commit
        self.emit_reads_earlier = dialect == "postgresql"
        if self.emit_reads_earlier:
            older = outbox.alias("older")
            self.emit = self.emit.returning(outbox.c.seq, sa.select(sa.func.coalesce(
                sa.func.array_agg(older.c.seq), sa.literal_column("'{}'::bigint[]")))
                .where(older.c.aggregate_id == sa.bindparam("of_aggregate"),
                       older.c.sent_at.is_(None)).scalar_subquery())
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
        # PostgreSQL: the same, each carrying the marks in a WITH (every part of a statement
        # sees one snapshot, so rows marked there still read as unsent: they are the unit of
        # work's own). A round trip fewer per unit of work that marks (docs/performance.md).
        # Written out, because an UPDATE built by SQLAlchemy would also SET every outbox
        # column the outer statement has a parameter for (event_id, say).
        self.marking: dict[str, Any] = {}
        self._marks: Any = None
        self._with_seen: dict[int, tuple[Any, Any, Any]] = {}
        if dialect == "postgresql":
            self._marks = marks = sa.text(
                "UPDATE {} SET sent_at = :marked_at WHERE seq = ANY(:seqs) AND sent_at IS NULL"
                .format(outbox.name)).bindparams(
                sa.bindparam("marked_at", type_=outbox.c.sent_at.type)).columns().cte("marked")
            self.marking = {name: getattr(self, name).add_cte(marks)
                            for name in ("emit", "seen", "unsent_of")}

    def with_seen(self, query: Any) -> tuple[Any, Any] | None:
        """PostgreSQL: `query` with the `seen` mark in a WITH and a last column `fresh`
        (the mark is new), plain and carrying marks; built once per query. None elsewhere."""
        if self._marks is None:
            return None
        built = self._with_seen.get(id(query))
        if built is None or built[0] is not query:
            mark = self.seen.values(
                event_id=sa.bindparam("seen_event"), handler=sa.bindparam("seen_by"),
                processed_at=sa.bindparam("seen_at")).returning(
                self.seen.table.c.event_id).cte("seen_mark")
            plain = query.add_cte(mark).add_columns(
                sa.exists(sa.select(mark.c.event_id)).label("fresh"))
            built = self._with_seen[id(query)] = (query, plain, plain.add_cte(self._marks))
        return built[1], built[2]

    @staticmethod
    def marks_of(marks: set[int]) -> dict[str, Any]:
        """The parameters a statement of `marking` takes for `marks`."""
        return {"seqs": sorted(marks), "marked_at": utcnow()}


class Emitted:
    """An outbox row this unit of work wrote, kept in memory to publish after commit, with
    the earlier unsent rows of its aggregate when it was written (None: not read yet)."""

    def __init__(self, seq: int, aggregate_id: str, event_type: str, body: dict[str, Any],
                 headers: dict[str, Any], earlier: set[int] | None) -> None:
        self.seq, self.aggregate_id, self.event_type = seq, aggregate_id, event_type
        self.body, self.headers, self.earlier = body, headers, earlier


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
        # the relay's marks its first outbox statement carried (`_plumbing`), once taken
        self._carried: set[int] | None = None
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
                        handoff = relay.prepare(self.session, self._emitted,
                                                self._carried or set())
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
            elif self._carried and relay is not None:  # rolled back, or prepare failed
                relay.unmarked(self._carried)
        return False

    def _carry(self) -> dict[str, Any]:
        """The first outbox statement this unit of work sends carries the marks of what the
        process published since the last unit of work took them, where the dialect can (a
        round trip fewer than marking them at the commit): their parameters, or {} if there
        are none to carry."""
        relay, statements = self._store.relay, self._store.statements
        if self._carried is not None or relay is None or not statements.marking:
            return {}
        self._carried = relay.take_marks()
        return statements.marks_of(self._carried) if self._carried else {}

    def _plumbing(self, name: str) -> tuple[Any, dict[str, Any]]:
        """The outbox statement `name` (of `Statements`), carrying marks (`_carry`) with the
        parameters they add."""
        statements, marks = self._store.statements, self._carry()
        return (statements.marking[name] if marks else getattr(statements, name)), marks

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
        statement, marks = self._plumbing("emit")
        reads_earlier = self._store.statements.emit_reads_earlier
        result = cast(sa.CursorResult[Any], self.session.execute(statement, dict(
            marks, event_id=body["event_id"], aggregate_id=body["aggregate_id"],
            event_type=event_type, body=json.dumps(body), headers=json.dumps(headers),
            created_at=utcnow(), **({"of_aggregate": body["aggregate_id"]}
                                    if reads_earlier else {}))))
        earlier: set[int] | None = None
        if reads_earlier:
            seq, older = cast(tuple[int, list[int]], tuple(result.one()))
            earlier = set(older)
        else:
            key = result.inserted_primary_key
            assert key is not None  # the INSERT of one row
            seq = key[0]
        self._emitted.append(Emitted(seq, body["aggregate_id"], event_type, body, headers,
                                     set() if new_aggregate else earlier))
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
        statement, marks = self._plumbing("seen")
        result = cast(sa.CursorResult[Any], self.session.execute(statement, {
            "event_id": event["event_id"], "handler": handler or self._handler_name,
            "processed_at": utcnow(), **marks}))
        return result.rowcount == 0

    def first_unless_seen(self, event: Mapping[str, Any], query: Any,
                          parameters: dict[str, Any]) -> tuple[bool, Any]:
        """`seen(event)` and the first row of `query` (a statement built once) unless the
        event was applied already, in one round trip on PostgreSQL: `(True, None)` if it
        was, else `(False, row)` (row None if the query found nothing; an event about
        nothing found reads as not seen)."""
        combined = self._store.statements.with_seen(query)
        if combined is None:
            seen = self.seen(event)
            row = self.session.execute(query, parameters).unique().first()
            return (True, None) if seen and row is not None else (False, row)
        marks = self._carry()
        row = self.session.execute(combined[1] if marks else combined[0], dict(
            parameters, **marks, seen_event=event["event_id"], seen_by=self._handler_name,
            seen_at=utcnow())).unique().first()
        if row is None:
            return False, None
        return (False, tuple(row)[:-1]) if row[-1] else (True, None)


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

    def prepare(self, session: Session, emitted: list[Emitted], carried: set[int]) -> Handoff:
        """In the unit of work's transaction, just before its commit: mark sent what this
        process published since (unless an earlier statement of it `carried` marks), and
        find which of its own rows it may publish after the commit without overtaking an
        earlier unsent row of the same aggregate."""
        locks: list[Semaphore] = []
        for stripe in sorted({zlib.crc32(row.aggregate_id.encode()) % ORDERING_STRIPES
                              for row in emitted}):  # released once published (Handoff)
            self._stripes[stripe].acquire()
            locks.append(self._stripes[stripe])
        marks = set() if carried else self.take_marks()
        try:
            rows = self._publishable(session, emitted, marks)
        except BaseException:
            Handoff(self, marks, [], locks).finish(committed=False)
            raise
        return Handoff(self, carried | marks, rows, locks)

    def _publishable(self, session: Session, emitted: list[Emitted],
                     marks: set[int]) -> list[Emitted]:
        """Marks `marks` sent (with the read of earlier unsent rows where both are sent and
        the dialect can) and returns the rows of `emitted` that may be published now."""
        unread = sorted({row.aggregate_id for row in emitted if row.earlier is None})
        earlier = self._unsent_of(session, unread, marks)
        earlier += [(row.aggregate_id, seq) for row in emitted if row.earlier
                    for seq in row.earlier]
        waiting = self._waiting(emitted, earlier)
        if waiting - set(unread):
            # Read when written: an earlier row may have been one this process was still
            # publishing then (another unit of work's, after its commit). Read again.
            waiting = self._waiting(emitted, self._unsent_of(session, sorted(waiting), set()))
        return [row for row in emitted if row.aggregate_id not in waiting]

    def _unsent_of(self, session: Session, aggregates: list[str],
                   marks: set[int]) -> list[tuple[str, int]]:
        """The unsent rows of `aggregates`, `(aggregate_id, seq)`; marks `marks` sent."""
        statements = self._store.statements
        carried = bool(aggregates and marks and statements.marking)
        if not carried:
            self._mark_sent(session, marks)
        if not aggregates:
            return []
        statement, parameters = ((statements.marking["unsent_of"], statements.marks_of(marks))
                                 if carried else (statements.unsent_of, {}))
        return [(row.aggregate_id, row.seq) for row in session.execute(
            statement, dict(parameters, aggregates=aggregates))]

    def _waiting(self, emitted: list[Emitted], earlier: list[tuple[str, int]]) -> set[str]:
        """The aggregates of `emitted` with an earlier unsent row that is not this
        process's (published, being marked, or written by this unit of work)."""
        ours = {row.seq for row in emitted} | self._published | self._stale | self._marking
        return {aggregate_id for aggregate_id, seq in earlier if seq not in ours}

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

    def take_marks(self) -> set[int]:
        """What this process published and nobody has marked sent: the caller's to mark, in
        its transaction (`marked` once it committed, `unmarked` if not)."""
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
