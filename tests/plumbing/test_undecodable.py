"""Messages that cannot be decoded, or are not events, reach the dead letters like any other
failure, and `dead_letters` lists and replays them whatever their body."""
import json

from kombu import Connection, Exchange, Producer
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common import dead_letters
from seibiant_common.messaging import dead_letter_queue
from seibiant_common.outbox import envelope
from devtools.processes import wait_until

from .notes_service import ListenerService, NotesService
from .test_messaging import texts

QUEUE = "evt-notes-note_added--listener.handle_note_added"
BAD_UTF8 = b'{"event_id": "e1", "payload": {"text": "caf\xe9"}}'  # Latin-1, not UTF-8
XML = b"<note><text>hello</text></note>"
ARRAY = b'["not", "an", "event"]'


def publish_raw(amqp_uri, body, content_type, content_encoding="utf-8"):
    """A message as another client might send it: bytes with whatever content type."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=Exchange("notes.events", type="topic", durable=True),
            routing_key="note_added", content_type=content_type,
            content_encoding=content_encoding, delivery_mode=2)


def raw_dead_letters(amqp_uri):
    """The dead letters' bodies and content types, byte for byte (left in the queue)."""
    with Connection(amqp_uri) as connection:
        queue = dead_letter_queue("listener")(connection.default_channel)
        messages = iter(lambda: queue.get(no_ack=False), None)
        # py-amqp hands over a body it could decode by its content encoding as text.
        return sorted((m.body if isinstance(m.body, bytes) else m.body.encode(m.content_encoding),
                       m.content_type) for m in messages)


def dead_lettered(amqp_uri, count):
    return wait_until(
        lambda: (lambda letters: letters if len(letters) >= count else None)(
            dead_letters.list_dead_letters(amqp_uri, "listener")),
        15, message="{} dead letters".format(count))


def test_undecodable_and_non_event_messages_are_dead_lettered_listed_and_replayed(
        start_service, make_database_url, service_config, amqp_uri, capsys):
    listener_url = make_database_url("sqlite", "listener")
    start_service(ListenerService, DATABASES={"listener": listener_url})

    publish_raw(amqp_uri, BAD_UTF8, "application/json")
    publish_raw(amqp_uri, XML, "application/xml")
    publish_raw(amqp_uri, ARRAY, "application/json")
    event_dispatcher(service_config)("notes", "note_added", envelope(
        "note_added", {"note_id": "n1", "text": "after them"}, "n1", None))

    wait_until(lambda: texts(listener_url) == ["after them"], 10, message="the good event")
    letters = {letter["content_type"] + " " + str(letter["attempts"]): letter
               for letter in dead_lettered(amqp_uri, 3)}
    assert sorted(letters) == ["application/json 1", "application/json 3",
                               "application/xml 1"]
    # Undecodable: dead-lettered at once, listed as text; not an event: retried first.
    assert letters["application/json 1"]["body"] == BAD_UTF8.decode("utf-8", "replace")
    assert "DecodeError" in letters["application/json 1"]["error"]
    assert letters["application/xml 1"]["body"] == XML.decode()
    assert "ContentDisallowed" in letters["application/xml 1"]["error"]
    assert letters["application/json 3"]["body"] == ["not", "an", "event"]
    for letter in letters.values():
        assert (letter["queue"], letter["event_id"], letter["event_type"]) == (QUEUE, None, None)
    before = raw_dead_letters(amqp_uri)
    assert before == sorted([(BAD_UTF8, "application/json"), (XML, "application/xml"),
                             (ARRAY, "application/json")])

    # The command line lists them, and replaying one event leaves them alone.
    dead_letters.main(["list", "listener", "--amqp-uri", amqp_uri])
    assert len(json.loads(capsys.readouterr().out)) == 3
    dead_letters.main(["replay", "listener", "--event-id", "e1", "--amqp-uri", amqp_uri])
    assert capsys.readouterr().out == "replayed 0\n"

    # Replayed, each body goes back as it came, and (still not an event) ends here again.
    assert dead_letters.replay(amqp_uri, "listener") == 3
    again = dead_lettered(amqp_uri, 3)
    assert sorted(letter["attempts"] for letter in again) == [1, 1, 3]
    assert raw_dead_letters(amqp_uri) == before
    assert texts(listener_url) == ["after them"]


def test_an_rpc_request_that_cannot_be_decoded_is_dead_lettered_and_the_service_answers_on(
        start_service, make_database_url, service_config, amqp_uri):
    notes_url = make_database_url("sqlite", "notes")
    start_service(NotesService, DATABASES={"notes": notes_url})
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            BAD_UTF8, exchange=Exchange("nameko-rpc", type="topic", durable=True),
            routing_key="notes.add_note", content_type="application/json",
            content_encoding="utf-8", delivery_mode=2)

    letters = wait_until(lambda: dead_letters.list_dead_letters(amqp_uri, "notes"), 15,
                         message="the request in notes.dead_letters")
    assert [(letter["queue"], letter["attempts"]) for letter in letters] == [("rpc-notes", 1)]
    assert "DecodeError" in letters[0]["error"]
    with ServiceRpcProxy("notes", service_config, timeout=10) as notes:
        assert notes.add_note("n2", "still answering") is None
