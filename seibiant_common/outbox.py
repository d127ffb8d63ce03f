"""The transactional outbox: a unit of work that commits state and events together, and the
relay that moves committed events to RabbitMQ with publisher confirms.

Delivery is at least once (a crash between the broker's confirm and marking a row sent
publishes it again), which is why every event carries an `event_id` and every handler
checks it with `UnitOfWork.seen`. Events of one aggregate are published in the order they
were written.
"""
import json
import logging
import uuid
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .types import utcnow

log = logging.getLogger(__name__)

SWEEP_BATCH = 500


def new_id():
    return uuid.uuid4().hex


def envelope(event_type, payload, aggregate_id, correlation_id, schema_version=1):
    return {
        "event_id": new_id(),
        "event_type": event_type,
        "schema_version": schema_version,
        "occurred_at": utcnow().isoformat(),
        "aggregate_id": aggregate_id,
        "correlation_id": correlation_id,
        "payload": payload,
    }


class UnitOfWork:
    """One database transaction. `emit` writes an event into it; after a successful commit
    the events are handed to the relay at once, so the outbox adds no polling delay."""

    def __init__(self, store, handler_name=None, correlation_id=None, call_id_stack=()):
        self._store = store
        self._handler_name = handler_name
        self._correlation_id = correlation_id
        self._call_id_stack = list(call_id_stack)
        self._aggregates = []
        self.session = None

    def __enter__(self):
        self._lock = self._store.write_lock()
        self._lock.__enter__()
        self.session = Session(bind=self._store.engine, expire_on_commit=False)
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
            self._lock.__exit__(None, None, None)
        if exc_type is None and self._aggregates:
            self._store.relay.publish_aggregates(self._aggregates)
        return False

    def emit(self, event_type, payload, aggregate_id, schema_version=1):
        body = envelope(event_type, payload, str(aggregate_id), self._correlation_id,
                        schema_version)
        headers = {"nameko.call_id_stack": self._call_id_stack}
        if self._correlation_id:
            headers["nameko.correlation_id"] = self._correlation_id
        self.session.execute(self._store.outbox.insert().values(
            event_id=body["event_id"], aggregate_id=body["aggregate_id"],
            event_type=event_type, body=json.dumps(body), headers=json.dumps(headers),
            created_at=utcnow(),
        ))
        if body["aggregate_id"] not in self._aggregates:
            self._aggregates.append(body["aggregate_id"])
        return body

    def seen(self, event, handler=None):
        """Records that this handler applied `event`; True if it already had (do nothing then).
        The mark commits or rolls back with the handler's own changes."""
        handler = handler or self._handler_name
        insert = (postgresql.insert if self._store.dialect == "postgresql" else sqlite.insert)
        result = self.session.execute(
            insert(self._store.processed_events)
            .values(event_id=event["event_id"], handler=handler, processed_at=utcnow())
            .on_conflict_do_nothing()
        )
        return result.rowcount == 0


class OutboxRelay:
    """Publishes committed outbox rows, oldest first per aggregate, and marks them sent."""

    def __init__(self, store, publisher, exchange):
        self._store = store
        self._publisher = publisher
        self._exchange = exchange

    def publish_aggregates(self, aggregate_ids):
        """Right after a commit. A failure here is not the caller's failure: the state
        change is committed and the sweep will publish what is left."""
        try:
            outbox = self._store.outbox
            with self._store.write_lock(), Session(bind=self._store.engine) as session:
                rows = session.execute(
                    sa.select(outbox)
                    .where(outbox.c.sent_at.is_(None), outbox.c.aggregate_id.in_(aggregate_ids))
                    .order_by(outbox.c.seq)
                    .with_for_update()
                ).all()
                self._publish(session, rows)
        except Exception:
            log.warning("outbox publish after commit failed; the sweep will retry",
                        exc_info=True)

    def sweep(self):
        """Publishes rows nobody published (a crash after commit, a broker outage). Safe to
        run in several instances at once: rows are claimed with SKIP LOCKED, and an aggregate
        whose earlier row is claimed elsewhere waits for the next sweep. Returns the count."""
        outbox = self._store.outbox
        with self._store.write_lock(), Session(bind=self._store.engine) as session:
            claimed = session.execute(
                sa.select(outbox).where(outbox.c.sent_at.is_(None)).order_by(outbox.c.seq)
                .limit(SWEEP_BATCH).with_for_update(skip_locked=True)
            ).all()
            if not claimed:
                return 0
            unsent = defaultdict(list)
            for aggregate_id, seq in session.execute(
                sa.select(outbox.c.aggregate_id, outbox.c.seq)
                .where(outbox.c.sent_at.is_(None),
                       outbox.c.aggregate_id.in_({row.aggregate_id for row in claimed}))
                .order_by(outbox.c.seq)
            ):
                unsent[aggregate_id].append(seq)
            claimed_seqs = {row.seq for row in claimed}
            publishable = set()
            for seqs in unsent.values():
                for seq in seqs:  # only the unbroken run from the aggregate's oldest row
                    if seq not in claimed_seqs:
                        break
                    publishable.add(seq)
            rows = [row for row in claimed if row.seq in publishable]
            return self._publish(session, rows)

    def _publish(self, session, rows):
        sent = []
        try:
            for row in rows:
                self._publisher.publish(
                    json.loads(row.body), exchange=self._exchange, routing_key=row.event_type,
                    headers=json.loads(row.headers), message_id=row.event_id,
                )
                sent.append(row.seq)
        finally:
            if sent:
                outbox = self._store.outbox
                session.execute(outbox.update().where(outbox.c.seq.in_(sent))
                                .values(sent_at=utcnow()))
            session.commit()
        return len(sent)

