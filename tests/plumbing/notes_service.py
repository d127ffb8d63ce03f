"""A tiny pair of services that exercise the shared plumbing the way real services do."""
import os
import time

import sqlalchemy as sa

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering_in_batches, event_handler
from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.rpc import rpc

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")
metadata = sa.MetaData()
TABLES = add_plumbing_tables(metadata)
received = sa.Table(
    "received", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("text", sa.String(200), nullable=False),
)
# Set by tests: texts the listener refuses while they are in here.
POISON = set()


class NotesService:
    name = "notes"
    db = Database(TABLES, MIGRATIONS)
    correlation = Correlation()

    @rpc
    def add_note(self, note_id, text):
        with self.db.unit_of_work() as uow:
            uow.emit("note_added", {"note_id": note_id, "text": text}, aggregate_id=note_id)

    @rpc
    def nap(self, seconds):
        """A slow query (PostgreSQL): when it started and ended, on this process's clock."""
        with self.db.unit_of_work() as uow:
            started = time.monotonic()
            uow.session.execute(sa.text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
            return started, time.monotonic()


class ListenerService:
    name = "listener"
    db = Database(TABLES, MIGRATIONS)

    @event_handler("notes", "note_added")
    def handle_note_added(self, event):
        if event["payload"]["text"] in POISON:
            raise ValueError("cannot take " + event["payload"]["text"])
        with self.db.unit_of_work() as uow:
            if uow.seen(event):
                return
            uow.session.execute(received.insert().values(
                event_id=event["event_id"], text=event["payload"]["text"]))


def take_note(service, uow, event):
    """The batched listener's row: as ListenerService's handler, in a batch's unit of work."""
    if event["payload"]["text"] in POISON:
        raise ValueError("cannot take " + event["payload"]["text"])
    if uow.seen(event):
        return
    uow.session.execute(received.insert().values(
        event_id=event["event_id"], text=event["payload"]["text"]))


@answering_in_batches({("notes", "note_added"): take_note})
class BatchListenerService:
    name = "batch_listener"
    db = Database(TABLES, MIGRATIONS)
