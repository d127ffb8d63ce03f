"""The shared plumbing against the real broker: outbox relay, dead letters, idempotency."""
import datetime
import json
import time
from collections import defaultdict

import pytest
import sqlalchemy as sa
from kombu import Connection, Queue
from nameko.standalone.events import event_dispatcher, get_event_exchange
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common import dead_letters
from seibiant_common.database import Database
from seibiant_common.messaging import event_handler
from seibiant_common.outbox import SWEEP_BATCH, OutboxRelay, envelope
from devtools.processes import wait_until
from seibiant_common.rpc import RpcProxy, rpc
from seibiant_common.types import utcnow

from .notes_service import (POISON, TABLES, BatchListenerService, ListenerService, NotesService,
                            received)

OUTBOX = TABLES[0]


def texts(url):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [row.text for row in connection.execute(sa.select(received).order_by(received.c.id))]
    engine.dispose()
    return rows


def unsent(url):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).select_from(OUTBOX).where(OUTBOX.c.sent_at.is_(None))
        ).scalar()
    engine.dispose()
    return count


def store_of(container):
    return next(d for d in container.dependencies if isinstance(d, Database)).store


def commits_of(container):
    """A list that grows by one for each transaction the container's engine commits."""
    commits = []
    sa.event.listen(store_of(container).engine, "commit", lambda connection: commits.append(1))
    return commits


class Spy:
    """A queue of its own on the notes service's event exchange: every publish, duplicates
    included, in the order the broker took them."""

    def __init__(self, amqp_uri, config):
        self.connection = Connection(amqp_uri)
        self.queue = Queue("spy", exchange=get_event_exchange("notes", config),
                           routing_key="#", durable=False)(self.connection.default_channel)
        self.queue.declare()

    def bodies(self):
        bodies = []
        while (message := self.queue.get(no_ack=True)) is not None:
            bodies.append(json.loads(message.body))
        self.connection.close()
        return bodies


def start_pair(start_service, make_database_url, kind, **overrides):
    notes_url = make_database_url(kind, "notes")
    listener_url = make_database_url(kind, "listener")
    databases = {"notes": notes_url, "listener": listener_url}
    start_service(ListenerService, DATABASES=databases)
    notes = start_service(NotesService, DATABASES=databases, **overrides)
    return notes, notes_url, listener_url, databases


def test_an_event_whose_relay_died_before_publishing_is_published_once_after_restart(
        start_service, make_database_url, service_config, monkeypatch):
    notes, notes_url, listener_url, databases = start_pair(
        start_service, make_database_url, "postgresql", OUTBOX_SWEEP_SECONDS=3600)
    # The process dies between the commit and the publish: nothing reaches the broker.
    monkeypatch.setattr(OutboxRelay, "publish_committed", lambda self, rows: None)
    with ServiceRpcProxy("notes", service_config) as proxy:
        proxy.add_note("n1", "written before the crash")
    notes.kill()
    assert unsent(notes_url) == 1
    monkeypatch.undo()

    start_service(NotesService, DATABASES=databases)  # restart: the first sweep publishes it
    wait_until(lambda: unsent(notes_url) == 0, 10, message="the sweep")
    with ServiceRpcProxy("notes", service_config) as proxy:
        proxy.add_note("n2", "after the restart")
    # Events of the listener's queue arrive in order, so once the later one is in,
    # a duplicate of the first would be too.
    wait_until(lambda: "after the restart" in texts(listener_url), 10, message="delivery")
    assert texts(listener_url) == ["written before the crash", "after the restart"]


def add_poison_and_five_good_notes(service_config):
    with ServiceRpcProxy("notes", service_config) as proxy:
        proxy.add_note("p", "poison")
        for number in range(5):
            proxy.add_note("ok{}".format(number), "fine {}".format(number))


def test_a_failing_handler_dead_letters_without_blocking_others_and_replay_brings_it_back(
        start_service, make_database_url, service_config, amqp_uri):
    _, _, listener_url, _ = start_pair(start_service, make_database_url, "sqlite")
    POISON.add("poison")
    try:
        add_poison_and_five_good_notes(service_config)
        wait_until(lambda: len(texts(listener_url)) == 5, 10, message="the good events")
        dead = wait_until(lambda: dead_letters.list_dead_letters(amqp_uri, "listener"), 10,
                          message="the dead letter")
        assert [d["body"]["payload"]["text"] for d in dead] == ["poison"]
        assert dead[0]["attempts"] == 3
        assert "cannot take poison" in dead[0]["error"]
        assert "poison" not in texts(listener_url)
    finally:
        POISON.discard("poison")

    assert dead_letters.replay(amqp_uri, "listener") == 1
    wait_until(lambda: "poison" in texts(listener_url), 10, message="the replayed event")
    assert dead_letters.list_dead_letters(amqp_uri, "listener") == []


def test_the_same_event_delivered_twice_changes_state_once(
        start_service, make_database_url, service_config):
    _, _, listener_url, _ = start_pair(start_service, make_database_url, "sqlite")
    dispatch = event_dispatcher(service_config)
    event = envelope("note_added", {"note_id": "d", "text": "twice"}, "d", None)
    dispatch("notes", "note_added", event)
    dispatch("notes", "note_added", event)
    dispatch("notes", "note_added",
             envelope("note_added", {"note_id": "e", "text": "last"}, "e", None))
    wait_until(lambda: "last" in texts(listener_url), 10, message="delivery")
    assert texts(listener_url) == ["twice", "last"]


def test_the_correlation_id_of_a_call_travels_with_the_events_it_causes(
        start_service, make_database_url, service_config):
    notes, notes_url, listener_url, _ = start_pair(start_service, make_database_url, "sqlite")
    with ServiceRpcProxy("notes", service_config,
                         context_data={"correlation_id": "req-42"}) as proxy:
        proxy.add_note("c", "correlated")
    wait_until(lambda: "correlated" in texts(listener_url), 10, message="delivery")
    engine = sa.create_engine(notes_url)
    with engine.connect() as connection:
        body = json.loads(connection.execute(sa.select(OUTBOX.c.body)).scalar())
        headers = json.loads(connection.execute(sa.select(OUTBOX.c.headers)).scalar())
    engine.dispose()
    assert body["correlation_id"] == "req-42"
    assert headers["nameko.correlation_id"] == "req-42"


def test_a_unit_of_work_is_one_transaction_and_its_events_go_out_once_in_order(
        start_service, make_database_url, service_config, amqp_uri):
    notes_url = make_database_url("postgresql", "notes")
    listener_url = make_database_url("postgresql", "listener")
    databases = {"notes": notes_url, "listener": listener_url}
    listener = start_service(ListenerService, DATABASES=databases)
    # No sweep after the first: what marks rows sent here is the next unit of work.
    notes = start_service(NotesService, DATABASES=databases, OUTBOX_SWEEP_SECONDS=3600)
    spy = Spy(amqp_uri, service_config)
    notes_commits, listener_commits = commits_of(notes), commits_of(listener)
    with ServiceRpcProxy("notes", service_config) as proxy:
        for number in range(5):
            proxy.add_note("one-note", "version {}".format(number))
    versions = ["version {}".format(number) for number in range(5)]
    wait_until(lambda: len(texts(listener_url)) == 5, 10, message="delivery")

    assert texts(listener_url) == versions
    # One transaction per message handled, on both sides; before, a second one per event
    # locked the row, published it and marked it sent.
    assert (len(notes_commits), len(listener_commits)) == (5, 5)
    assert unsent(notes_url) == 1  # published; its mark rides on the next unit of work
    relay = store_of(notes).relay
    assert relay.sweep() == 0  # or, when none came for a sweep interval, on the sweep
    assert (unsent(notes_url), len(notes_commits)) == (1, 5)
    assert relay.sweep() == 0  # which publishes nothing again
    assert (unsent(notes_url), len(notes_commits)) == (0, 6)
    assert [body["payload"]["text"] for body in spy.bodies()] == versions


def test_two_instances_sweeping_at_once_publish_each_row_once_in_order_per_aggregate(
        start_service, make_database_url, service_config, amqp_uri):
    notes_url = make_database_url("postgresql", "notes")
    spy = Spy(amqp_uri, service_config)
    start_service(NotesService, DATABASES={"notes": notes_url})  # creates the tables
    engine = sa.create_engine(notes_url)
    # Unsent rows older than the sweep's grace, as a crash would leave them: the first batch
    # touches every "early" aggregate; the second also has "late" ones of its own.
    rows = 2 * SWEEP_BATCH + 100
    written = utcnow() - datetime.timedelta(minutes=1)
    with engine.begin() as connection:
        for number in range(rows):
            aggregate = ("early-{}" if number < SWEEP_BATCH + 50 else "late-{}").format(number % 6)
            body = envelope("note_added", {"note_id": aggregate, "text": str(number)},
                            aggregate, None)
            connection.execute(OUTBOX.insert().values(
                event_id=body["event_id"], aggregate_id=aggregate, event_type="note_added",
                body=json.dumps(body), headers="{}", created_at=written))
    engine.dispose()

    for _ in range(2):
        start_service(NotesService, DATABASES={"notes": notes_url}, OUTBOX_SWEEP_SECONDS=0.05)
    wait_until(lambda: unsent(notes_url) == 0, 30, message="the sweeps")

    bodies = spy.bodies()
    assert sorted(int(body["payload"]["text"]) for body in bodies) == list(range(rows))
    by_aggregate = defaultdict(list)
    for body in bodies:
        by_aggregate[body["aggregate_id"]].append(int(body["payload"]["text"]))
    assert all(numbers == sorted(numbers) for numbers in by_aggregate.values())


def test_an_event_waits_for_an_earlier_unpublished_event_of_its_aggregate(
        start_service, make_database_url, service_config, amqp_uri):
    notes_url = make_database_url("postgresql", "notes")
    notes = start_service(NotesService, DATABASES={"notes": notes_url})
    spy = Spy(amqp_uri, service_config)
    relay = store_of(notes).relay
    with ServiceRpcProxy("notes", service_config) as proxy:
        relay.publish_committed = lambda rows: None  # this publish after commit is lost
        proxy.add_note("same", "first")
        del relay.publish_committed
        proxy.add_note("same", "second")  # must not overtake "first": left to the sweep
        proxy.add_note("other", "unrelated")  # nothing before it: published at once
    wait_until(lambda: unsent(notes_url) == 0, 10, message="the sweep")
    assert [body["payload"]["text"] for body in spy.bodies()] == ["unrelated", "first", "second"]


def test_an_event_whose_earlier_row_another_instance_sent_meanwhile_goes_out_at_once(
        start_service, make_database_url, service_config, amqp_uri):
    """On PostgreSQL an event's INSERT also reads its aggregate's earlier unsent rows. One
    another instance then sends and marks before this commit is read again there: the event
    is published at once, not left to the sweep (none runs here)."""
    notes_url = make_database_url("postgresql", "notes")
    notes = start_service(NotesService, DATABASES={"notes": notes_url},
                          OUTBOX_SWEEP_SECONDS=3600)
    spy = Spy(amqp_uri, service_config)
    store = store_of(notes)
    other = envelope("note_added", {"note_id": "same", "text": "first"}, "same", None)
    with store.engine.begin() as connection:  # another instance's row, not yet sent
        seq = connection.execute(OUTBOX.insert().values(
            event_id=other["event_id"], aggregate_id="same", event_type="note_added",
            body=json.dumps(other), headers="{}", created_at=utcnow())).inserted_primary_key[0]
    with store.unit_of_work() as uow:
        uow.emit("note_added", {"note_id": "same", "text": "second"}, "same")
        assert uow._emitted[0].earlier == {seq}  # read with the INSERT
        with store.engine.begin() as connection:  # the other instance has sent it now
            connection.execute(OUTBOX.update().where(OUTBOX.c.seq == seq)
                               .values(sent_at=utcnow()))
    # published with the broker's confirm before the unit of work ended
    assert [body["payload"]["text"] for body in spy.bodies()] == ["second"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_first_unless_seen_reads_a_row_once_per_event(start_service, make_database_url, kind):
    """The saga's answers mark the event seen and lock their row in one statement on
    PostgreSQL (two on SQLite): the row the first time, nothing for the same event again."""
    notes_url = make_database_url(kind, "notes")
    store = store_of(start_service(NotesService, DATABASES={"notes": notes_url}))
    with store.engine.begin() as connection:
        connection.execute(received.insert().values(event_id="row", text="a note"))
    query = sa.select(received.c.text).where(received.c.event_id == sa.bindparam("key"))
    event = {"event_id": "an-answer"}

    def first(event, key="row"):
        with store.unit_of_work(handler_name="notes.test") as uow:
            return uow.first_unless_seen(event, query, {"key": key})
    assert first(event) == (False, ("a note",))
    assert first(event) == (True, None)  # the same event again
    assert first({"event_id": "another"}, key="nothing") == (False, None)
    assert first({"event_id": "another"}, key="nothing") == (False, None)  # still nothing


def start_batches(start_service, make_database_url, **settings):
    """The notes service and the batched listener on PostgreSQL; the listener's commits."""
    databases = {"notes": make_database_url("postgresql", "notes"),
                 "batch_listener": make_database_url("postgresql", "batch_listener")}
    listener = start_service(BatchListenerService, DATABASES=databases, **settings)
    start_service(NotesService, DATABASES=databases)
    return databases["batch_listener"], commits_of(listener)


def test_events_heard_in_batches_are_kept_once_each_in_fewer_transactions(
        start_service, make_database_url, service_config):
    # A long window: the events below all arrive within it, however loaded the machine.
    url, commits = start_batches(start_service, make_database_url, EVENT_BATCH_SECONDS=3)
    dispatch = event_dispatcher(service_config)
    twice = envelope("note_added", {"note_id": "t", "text": "twice"}, "t", None)
    dispatch("notes", "note_added", twice)
    for number in range(6):
        dispatch("notes", "note_added",
                 envelope("note_added", {"note_id": str(number), "text": str(number)},
                          str(number), None))
    dispatch("notes", "note_added", twice)  # a redelivery in the same batch
    wait_until(lambda: len(texts(url)) == 7, 15, message="the batch")
    assert sorted(texts(url)) == ["0", "1", "2", "3", "4", "5", "twice"]
    assert len(commits) <= 2  # 8 messages: one commit, two if the window fell between them
    dispatch("notes", "note_added", twice)  # and later, in a batch of its own
    dispatch("notes", "note_added", envelope("note_added", {"note_id": "l", "text": "last"},
                                             "l", None))
    wait_until(lambda: "last" in texts(url), 15, message="the second batch")
    assert sorted(texts(url)) == ["0", "1", "2", "3", "4", "5", "last", "twice"]


def test_a_poison_event_in_a_batch_is_dead_lettered_alone_and_the_others_are_kept(
        start_service, make_database_url, service_config, amqp_uri):
    url, _ = start_batches(start_service, make_database_url, EVENT_BATCH_SECONDS=0.5)
    POISON.add("poison")
    try:
        add_poison_and_five_good_notes(service_config)
        wait_until(lambda: len(texts(url)) == 5, 15, message="the good events")
        dead = wait_until(lambda: dead_letters.list_dead_letters(amqp_uri, "batch_listener"),
                          15, message="the dead letter")
        assert [d["body"]["payload"]["text"] for d in dead] == ["poison"]
        assert dead[0]["attempts"] == 3
        assert "cannot take poison" in dead[0]["error"]
        assert sorted(texts(url)) == ["fine {}".format(number) for number in range(5)]
    finally:
        POISON.discard("poison")

    assert dead_letters.replay(amqp_uri, "batch_listener") == 1
    wait_until(lambda: "poison" in texts(url), 15, message="the replayed event")


class QuietService:
    """An RPC, an event handler and an RPC proxy: the three steps of a container's stop that
    each wait for a turn of the consumer's loop."""
    name = "quiet"
    notes = RpcProxy("notes")

    @rpc
    def ping(self):
        return "pong"

    @event_handler("notes", "note_added")
    def handle_note_added(self, event):
        pass


def stop_seconds(start_service, **settings):
    container = start_service(QuietService, **settings)
    started = time.monotonic()
    container.stop()
    return time.monotonic() - started


def test_a_service_stops_within_a_few_turns_of_its_consumer_poll(start_service):
    # two turns at least, three at most when idle: kombu's own 1 s makes it two or three
    # seconds, the tests' CONSUMER_POLL_SECONDS a fraction of one
    assert stop_seconds(start_service, CONSUMER_POLL_SECONDS=0.5) >= 1.0
    assert stop_seconds(start_service, CONSUMER_POLL_SECONDS=0.05) < 1.0
