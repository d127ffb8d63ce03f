"""The shared plumbing against the real broker: outbox relay, dead letters, idempotency."""
import json

import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common import dead_letters
from seibiant_common.outbox import OutboxRelay, envelope
from seibiant_common.processes import wait_until

from .notes_service import POISON, TABLES, ListenerService, NotesService, received

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
    monkeypatch.setattr(OutboxRelay, "publish_aggregates", lambda self, ids: None)
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


def test_a_failing_handler_dead_letters_without_blocking_others_and_replay_brings_it_back(
        start_service, make_database_url, service_config, amqp_uri):
    _, _, listener_url, _ = start_pair(start_service, make_database_url, "sqlite")
    POISON.add("poison")
    try:
        with ServiceRpcProxy("notes", service_config) as proxy:
            proxy.add_note("p", "poison")
            for number in range(5):
                proxy.add_note("ok{}".format(number), "fine {}".format(number))
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
    dispatch("notes", "note_added", envelope("note_added", {"note_id": "e", "text": "last"}, "e", None))
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
