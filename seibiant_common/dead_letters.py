"""List and replay dead letters.

    python -m seibiant_common.dead_letters list <service>
    python -m seibiant_common.dead_letters replay <service> [--event-id ID]

`replay` sends each dead letter back to the queue of the handler that gave up on it, its body
as it came and its attempt count reset; anything not replayed stays in the dead-letter queue.
`list` shows any body: JSON decoded, anything else (not JSON, not UTF-8) as text.
"""
import argparse
import json
import os
import sys

from typing import Any

from kombu import Connection, Producer
from kombu.exceptions import ContentDisallowed, DecodeError
from kombu.message import Message

from .config import DEFAULT_AMQP_URI
from .messaging import (ATTEMPTS_HEADER, ERROR_HEADER, ORIGIN_QUEUE_HEADER, as_it_came,
                        dead_letter_queue)


def _drain(connection: Connection, service: str) -> list[Message]:
    """Every dead letter, unacknowledged (they return to the queue unless acked)."""
    queue = dead_letter_queue(service)(connection.default_channel)
    queue.declare()
    messages: list[Message] = []
    while True:
        message = queue.get(no_ack=False, accept=["json"])
        if message is None:
            return messages
        messages.append(message)


def _read(message: Message) -> tuple[Any, dict[str, Any]]:
    """(body, event): the body decoded from JSON, or as text when it is not JSON (that may be
    why it is here); and the body again if it is an event (an object), else {}."""
    try:
        body = message.decode()
    except (ContentDisallowed, DecodeError):
        raw = message.body
        return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw), {}
    return body, body if isinstance(body, dict) else {}


def list_dead_letters(amqp_uri: str, service: str) -> list[dict[str, Any]]:
    letters = []
    with Connection(amqp_uri) as connection:
        for message in _drain(connection, service):
            body, event = _read(message)
            letters.append({
                "event_id": event.get("event_id"), "event_type": event.get("event_type"),
                "queue": message.headers.get(ORIGIN_QUEUE_HEADER),
                "attempts": message.headers.get(ATTEMPTS_HEADER),
                "error": message.headers.get(ERROR_HEADER),
                "content_type": message.content_type, "body": body})
    return letters


def replay(amqp_uri: str, service: str, event_id: str | None = None) -> int:
    """Replays the dead letters (only the event `event_id`'s, when given), each body as it
    came; one that names no queue to go back to stays."""
    replayed = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        for message in _drain(connection, service):
            headers = dict(message.headers)
            if event_id and _read(message)[1].get("event_id") != event_id:
                continue
            if not headers.get(ORIGIN_QUEUE_HEADER):
                continue
            headers[ATTEMPTS_HEADER] = 0
            producer.publish(exchange="", routing_key=headers[ORIGIN_QUEUE_HEADER],
                             headers=headers, delivery_mode=2, **as_it_came(message))
            message.ack()
            replayed += 1
    return replayed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seibiant_common.dead_letters")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("service", help="budgets, providers, bookings, insight, families, "
                        "notifications or gateway")
    parser.add_argument("--event-id")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    args = parser.parse_args(argv)
    if args.action == "list":
        json.dump(list_dead_letters(args.amqp_uri, args.service), sys.stdout, indent=2)
        print()
    else:
        print("replayed", replay(args.amqp_uri, args.service, args.event_id))


if __name__ == "__main__":
    main()
