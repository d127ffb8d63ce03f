"""Event handlers that retry with back-off and then dead-letter, instead of dropping.

nameko's own `event_handler` acknowledges and forgets a message whose handler raised. Here a
failed message is republished to a per-handler retry queue whose per-message TTL dead-letters
it back to the handler's queue (so it waits without blocking the messages behind it); after
`EVENT_MAX_ATTEMPTS` attempts (`<SERVICE>_EVENT_MAX_ATTEMPTS` and
`<SERVICE>_EVENT_RETRY_BACKOFF_MS` for one service: notifications waits minutes for a mail
server, not the saga's seconds) it goes to the service's dead-letter queue,
`<service>.dead_letters`, where `python -m seibiant_common.dead_letters` lists and replays it.
A message that cannot be decoded goes there at once. Either way its body travels as it came.
"""
import logging
import traceback

from collections.abc import Callable
from typing import Any

from amqp.exceptions import AMQPError
from kombu import Exchange, Queue
from kombu.exceptions import KombuError
from kombu.message import Message
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from nameko.messaging import QueueConsumer

from .config import setting
from .logs import ExcInfo

log = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-seibiant-attempts"
ORIGIN_QUEUE_HEADER = "x-seibiant-origin-queue"
ERROR_HEADER = "x-seibiant-error"
DEFAULT_EXCHANGE = Exchange("")
# What a connection to a broker that went away raises (a reset socket is an OSError).
BROKER_ERRORS = (OSError, KombuError, AMQPError)


def dead_letter_queue_name(service_name: str) -> str:
    return "{}.dead_letters".format(service_name)


def dead_letter_queue(service_name: str) -> Queue:
    return Queue(dead_letter_queue_name(service_name), exchange=DEFAULT_EXCHANGE,
                 routing_key=dead_letter_queue_name(service_name), durable=True)


class ResilientQueueConsumer(QueueConsumer):
    """nameko's consumer lets a socket error escape from an ack or a requeue on a connection
    the broker has just closed, which kills the whole container. The broker has taken the
    message back already and will deliver it again (handlers are idempotent), so here the
    error is only logged.

    It also hands an event or an RPC request that cannot be decoded (not JSON, not UTF-8, a
    compression that fails) to its entrypoint to dead-letter: kombu's consumer would log it
    and ack it, lost.

    Its loop waits for the broker at most `CONSUMER_POLL_SECONDS` (0.25 s; kombu's own is 1 s)
    before it looks again for entrypoints to cancel: each step of a container's stop
    (entrypoints, then RPC reply listeners, then the consumer itself) waits for that turn of
    the loop, so a stop takes two or three of them. The tests, which stop hundreds of
    containers, set it smaller still."""

    def setup(self) -> None:
        super().setup()
        self.poll_seconds = setting(self.container.config, "CONSUMER_POLL_SECONDS", 0.25, float)

    def consume(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["safety_interval"] = self.poll_seconds
        return super().consume(*args, **kwargs)

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = getattr(provider, "handle_undecodable_message",
                                               consumer.on_decode_error)
        return consumers

    def ack_message(self, message: Message) -> None:
        try:
            super().ack_message(message)
        except BROKER_ERRORS:
            log.warning("could not ack a message on a lost connection; the broker will "
                        "deliver it again", exc_info=True)

    def requeue_message(self, message: Message) -> None:
        try:
            super().requeue_message(message)
        except BROKER_ERRORS:
            log.warning("could not requeue a message on a lost connection; the broker "
                        "will deliver it again", exc_info=True)


def as_it_came(message: Message) -> dict[str, Any]:
    """Publish arguments that send a received message's body on unchanged, not serialized
    again (no content type is what kombu reads as `application/data`)."""
    return {"body": message.body, "content_type": message.content_type or "application/data",
            "content_encoding": message.content_encoding}


def describe(exc_type: type[BaseException], exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(exc_type, exc)).strip()[:2000]


class ReliableEventHandler(EventHandler):

    queue_consumer = ResilientQueueConsumer()

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        own = self.container.service_name.upper() + "_"
        self.max_attempts = setting(config, own + "EVENT_MAX_ATTEMPTS",
                                    setting(config, "EVENT_MAX_ATTEMPTS", 5, int), int)
        self.backoff_ms = setting(config, own + "EVENT_RETRY_BACKOFF_MS",
                                  setting(config, "EVENT_RETRY_BACKOFF_MS", 200, int), int)
        self.retry_queue = Queue(
            "{}.retry".format(self.queue.name), exchange=DEFAULT_EXCHANGE,
            routing_key="{}.retry".format(self.queue.name), durable=True,
            queue_arguments={"x-dead-letter-exchange": "",
                             "x-dead-letter-routing-key": self.queue.name},
        )
        self.dead_letters = dead_letter_queue(self.container.service_name)
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True, serializer="json",
                                   declare=[self.retry_queue, self.dead_letters])

    def handle_message_processed(self, message: Message, result: Any = None,
                                 exc_info: ExcInfo | None = None) -> None:
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
        if attempts < self.max_attempts:
            self._pass_on(message, self.retry_queue, attempts,
                          expiration=self.backoff_ms * 2 ** (attempts - 1) / 1000.0)
        else:
            self._pass_on(message, self.dead_letters, attempts,
                          error=describe(exc_info[0], exc_info[1]))

    def handle_undecodable_message(self, message: Message, exc: Exception) -> None:
        """No retry would decode it: it is dead-lettered at once, its body as it came."""
        self._pass_on(message, self.dead_letters, 1, error=describe(type(exc), exc))

    def _pass_on(self, message: Message, queue: Queue, attempts: int, error: str | None = None,
                 expiration: float | None = None) -> None:
        pass_on(self.publisher, self.queue_consumer, message, self.queue.name, queue, attempts,
                error=error, expiration=expiration)


def pass_on(publisher: Publisher, queue_consumer: QueueConsumer, message: Message, origin: str,
            queue: Queue, attempts: int, error: str | None = None,
            expiration: float | None = None) -> None:
    """Republishes the message's body, as it came from `origin`, to the retry or dead-letter
    `queue`, then acks it; if the broker will not take it, leaves it with the broker rather
    than lose it."""
    headers = dict(message.headers or {})
    headers[ATTEMPTS_HEADER] = attempts
    headers[ORIGIN_QUEUE_HEADER] = origin
    if error is not None:
        headers[ERROR_HEADER] = error
    try:
        raw = as_it_came(message)
        publisher.publish(raw.pop("body"), exchange=DEFAULT_EXCHANGE, routing_key=queue.name,
                          headers=headers, expiration=expiration, **raw)
    except Exception:
        log.warning("could not republish a failed message; requeueing", exc_info=True)
        queue_consumer.requeue_message(message)
        return
    if error is not None:
        log.error("message dead-lettered after %s attempts: %s %s", attempts, origin, error)
    queue_consumer.ack_message(message)


event_handler = ReliableEventHandler.decorator


def answering(handlers: dict[tuple[str, str], Callable[[Any, dict[str, Any]], Any]]
              ) -> Callable[[type], type]:
    """A class decorator for a service: for each row of its table `handlers`,
    `{(producer, event name): function(service, event)}`, one dead-lettering `event_handler`
    method named `handle_<event name>` (the name its queue and its `uow.seen` marks carry).
    The table is the one place that says which use case answers which event."""
    def decorate(cls: type) -> type:
        for (producer, event_type), function in handlers.items():
            name = "handle_" + event_type
            if name in vars(cls):
                raise TypeError("{}.{} is written by hand and in the table".format(
                    cls.__name__, name))

            def handle(self: Any, event: dict[str, Any], function: Callable[..., Any] = function
                       ) -> Any:
                return function(self, event)
            handle.__name__ = name
            handle.__qualname__ = "{}.{}".format(cls.__qualname__, name)
            handle.__doc__ = function.__doc__
            setattr(cls, name, event_handler(producer, event_type)(handle))
        return cls
    return decorate
