"""What each service's `test_handlers.py` shares (Cosmic Python's `tests/unit/test_handlers.py`):
the service's own database on SQLite, made by its migrations; its `EVENT_HANDLERS` fed event
envelopes as its nameko entrypoints feed them; and what it wrote to its outbox. Nothing runs
but the code under test, so these are `unit` tests (tests/conftest.py): no broker fixture."""
import atexit
import functools
import json
import os
import shutil
import tempfile
import types

import sqlalchemy as sa

from seibiant_common.contracts import payloads
from seibiant_common.database import Store, make_engine
from seibiant_common.migrations import upgrade
from seibiant_common.outbox import envelope


@functools.lru_cache(maxsize=None)
def _migrated(migrations):
    """An empty database file made by the migrations in `migrations`, once per test run: each
    test starts from a copy, which costs a file copy instead of a migration."""
    directory = tempfile.mkdtemp(prefix="seibiant-migrated-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = os.path.join(directory, "empty.sqlite3")
    engine = make_engine("sqlite:///{}".format(path))
    upgrade(engine, migrations)
    engine.dispose()  # the last connection closed: the write-ahead log is in the file
    return path


class Service:
    """Stands in for a running service as its handlers see it: `db`, whose units of work
    carry the name of the entrypoint `messaging.answering` makes of the row (so `uow.seen`
    marks events as the service does), and the service's settings as attributes."""

    def __init__(self, name, models, event_handlers, directory, **settings):
        self.name = name
        self.event_handlers = event_handlers
        self.settings = settings
        path = directory / "{}.sqlite3".format(name)
        shutil.copyfile(_migrated(os.path.join(os.path.dirname(models.__file__), "migrations")),
                        path)
        self.store = Store(make_engine("sqlite:///{}".format(path)), *models.PLUMBING_TABLES)

    def unit_of_work(self):
        """A unit of work for calling a use case directly, as an RPC entrypoint does."""
        return self.store.unit_of_work()

    def handle(self, producer, event_type, event):
        """Hands `event` (an envelope, maybe one heard before) to the handler of its row."""
        handler = self.event_handlers[(producer, event_type)]
        name = "{}.handle_{}".format(self.name, event_type)
        db = types.SimpleNamespace(
            unit_of_work=lambda: self.store.unit_of_work(handler_name=name))
        handler(types.SimpleNamespace(db=db, **self.settings), event)

    def hear(self, producer, event_type, aggregate_id="a", **payload):
        """A new event (a new id), its payload in its wire form as its producer writes it;
        returns the envelope, to be handed again as a redelivery."""
        event = envelope(event_type, payloads.dump(event_type, payload), aggregate_id, None)
        self.handle(producer, event_type, event)
        return event

    def emitted(self):
        """The events the service wrote to its outbox, oldest first: (type, payload)."""
        outbox = self.store.outbox
        with self.store.engine.connect() as connection:
            bodies = connection.execute(sa.select(outbox.c.body).order_by(outbox.c.seq))
            return [(body["event_type"], body["payload"])
                    for body in (json.loads(row[0]) for row in bodies)]
