"""List and replay dead letters.

    python -m seibiant_common.dead_letters list <service>
    python -m seibiant_common.dead_letters replay <service> [--event-id ID]

`replay` sends each dead letter back to the queue of the handler that gave up on it, with
its attempt count reset; anything not replayed stays in the dead-letter queue.
"""
import argparse
import json
import os
import sys

from kombu import Connection, Producer

from .config import DEFAULT_AMQP_URI
from .messaging import ATTEMPTS_HEADER, ORIGIN_QUEUE_HEADER, dead_letter_queue


def _drain(connection, service):
    """Every dead letter, unacknowledged (they return to the queue unless acked)."""
    queue = dead_letter_queue(service)(connection.default_channel)
    queue.declare()
    messages = []
    while True:
        message = queue.get(no_ack=False, accept=["json"])
        if message is None:
            return messages
        messages.append(message)


def list_dead_letters(amqp_uri, service):
    with Connection(amqp_uri) as connection:
        return [
            {"event_id": (m.payload or {}).get("event_id"),
             "event_type": (m.payload or {}).get("event_type"),
             "queue": m.headers.get(ORIGIN_QUEUE_HEADER),
             "attempts": m.headers.get(ATTEMPTS_HEADER),
             "error": m.headers.get("x-seibiant-error"),
             "body": m.payload}
            for m in _drain(connection, service)
        ]


def replay(amqp_uri, service, event_id=None):
    replayed = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        for message in _drain(connection, service):
            if event_id and (message.payload or {}).get("event_id") != event_id:
                continue
            headers = dict(message.headers)
            headers[ATTEMPTS_HEADER] = 0
            producer.publish(message.payload, exchange="", serializer="json",
                             routing_key=headers[ORIGIN_QUEUE_HEADER], headers=headers,
                             delivery_mode=2)
            message.ack()
            replayed += 1
    return replayed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m seibiant_common.dead_letters")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("service", help="budgets, providers, bookings or gateway")
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
