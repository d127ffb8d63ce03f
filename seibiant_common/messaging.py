"""Event handlers that retry with back-off and then dead-letter, instead of dropping.

nameko's own `event_handler` acknowledges and forgets a message whose handler raised. Here a
failed message is republished to a per-handler retry queue whose per-message TTL dead-letters
it back to the handler's queue (so it waits without blocking the messages behind it); after
`EVENT_MAX_ATTEMPTS` attempts (`<SERVICE>_EVENT_MAX_ATTEMPTS` and
`<SERVICE>_EVENT_RETRY_BACKOFF_MS` for one service: notifications waits minutes for a mail
server, not the saga's seconds) it goes to the service's dead-letter queue,
`<service>.dead_letters`, where `python -m seibiant_common.dead_letters` lists and replays it.
A message that cannot be decoded goes there at once. Either way its body travels as it came.

A service whose handlers only keep what events say in its own tables (insight, families,
notifications: nothing waits for them) hears them in batches (`answering_in_batches`): the
messages of all its queues that arrive within `EVENT_BATCH_SECONDS` (0.5 s;
`<SERVICE>_EVENT_BATCH_SECONDS` for one service), or until one queue's prefetch is full, are
handled in one unit of work, one commit, and acknowledged after it. Each event is still
marked `seen` by its own handler's name, and still retried and dead-lettered on its own: when
a batch's transaction fails, its events are handled again one by one, each in a transaction
of its own, so only the failing one goes to the retry queue.
"""
import logging
import sys
import traceback

from collections import Counter
from collections.abc import Callable
from typing import Any, Optional, cast

import eventlet

from amqp.exceptions import AMQPError
from kombu import Exchange, Queue
from kombu.exceptions import KombuError
from kombu.message import Message
from eventlet.event import Event
from nameko.amqp.publish import Publisher
from nameko.containers import WorkerContext
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import SharedExtension
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


class EventBatches(SharedExtension):
    """The messages a service's batched handlers took, handed to one worker at a time: the
    first message of a batch starts `EVENT_BATCH_SECONDS` of waiting for more, cut short when
    a queue's prefetch is full (no more of it comes until these are acked) or the service
    stops. A message not handled when the service dies was never acked: the broker delivers
    it again."""

    def setup(self) -> None:
        config = self.container.config
        own = self.container.service_name.upper() + "_"
        self.seconds = setting(config, own + "EVENT_BATCH_SECONDS",
                               setting(config, "EVENT_BATCH_SECONDS", 0.5, float), float)
        self.prefetch = self.container.max_workers  # nameko's prefetch count per queue
        self._pending: list[tuple[BatchedEventHandler, Any, Message]] = []
        self._per_queue: Counter[BatchedEventHandler] = Counter()
        self._arrived, self._full = Event(), Event()
        self._stopping = False

    def start(self) -> None:
        self._thread = self.container.spawn_managed_thread(self._run,
                                                          identifier="event batches")

    def add(self, handler: "BatchedEventHandler", body: Any, message: Message) -> None:
        self._pending.append((handler, body, message))
        self._per_queue[handler] += 1
        if not self._arrived.ready():
            self._arrived.send()
        if (self._stopping or self._per_queue[handler] >= self.prefetch) \
                and not self._full.ready():
            self._full.send()

    def hurry(self) -> None:
        """The service is stopping: what is here is handled now, while it can be acked."""
        self._stopping = True
        if not self._full.ready():
            self._full.send()

    def _run(self) -> None:
        while True:
            self._arrived.wait()
            with eventlet.Timeout(self.seconds, False):
                self._full.wait()
            batch, self._pending, self._per_queue = self._pending, [], Counter()
            self._arrived, self._full = Event(), Event()
            if self._stopping:
                self._full.send()
            self._handle(batch)

    def _handle(self, batch: list[tuple["BatchedEventHandler", Any, Message]]) -> None:
        """One worker for the batch (nameko's, so the service's dependencies are injected);
        returns once each message is acked, retried or dead-lettered."""
        done = Event()

        def handled(worker_ctx: WorkerContext, result: Any = None,
                    exc_info: ExcInfo | None = None) -> tuple[Any, ExcInfo | None]:
            try:
                outcomes = result if exc_info is None else [exc_info] * len(batch)
                for (handler, _body, message), outcome in zip(batch, outcomes, strict=True):
                    handler.handle_message_processed(message, exc_info=outcome)
            finally:
                done.send()
            return result, exc_info

        events = [(handler.method_name, body) for handler, body, _message in batch]
        try:
            self.container.spawn_worker(batch[0][0], (events,), {}, handle_result=handled)
        except ContainerBeingKilled:
            for handler, _body, message in batch:
                handler.queue_consumer.requeue_message(message)
            return
        done.wait()


class BatchedEventHandler(ReliableEventHandler):
    """A dead-lettering event handler whose messages are handled in batches (`EventBatches`):
    its worker gets `[(method name, event)]`, and returns an outcome for each (None, or the
    exc_info it failed with)."""

    batches = EventBatches()

    def handle_message(self, body: Any, message: Message) -> None:
        self.batches.add(self, body, message)

    def stop(self) -> None:
        self.batches.hurry()
        super().stop()


# A row of a batched table: function(service, uow, event), which may return what to do once
# the batch has committed (a callable: raising there fails only its event).
Row = Callable[[Any, Any, dict[str, Any]], Optional[Callable[[], None]]]


def _failure() -> ExcInfo:
    """The exception being handled, as an outcome."""
    return cast(ExcInfo, sys.exc_info())


def apply_batch(service: Any, batch: list[tuple[str, dict[str, Any]]],
                rows: dict[str, Row]) -> list[ExcInfo | None]:
    """Handles `[(method name, event)]` in one unit of work of `service.db`, each event by
    its row (`rows[method name]`), with the unit of work's `seen` marks under the handler's
    name (`<service>.<method name>`, as `answering`'s handlers mark them); then what each
    row left for after the commit. If the unit of work fails, each event is handled again
    alone. Returns each event's outcome: None, or the exc_info it failed with."""
    afters = []
    try:
        with service.db.unit_of_work() as uow:
            for name, event in batch:
                uow.handling("{}.{}".format(service.name, name))
                afters.append(rows[name](service, uow, event))
                uow.session.flush()  # the next row's statements see this one's changes
    except Exception:
        if len(batch) == 1:
            log.warning("%s failed on event %s", batch[0][0],
                        batch[0][1].get("event_id") if isinstance(batch[0][1], dict) else None,
                        exc_info=True)
            return [_failure()]
        log.warning("a batch of %s events failed; each is handled alone", len(batch),
                    exc_info=True)
        return [apply_batch(service, [item], rows)[0] for item in batch]
    outcomes: list[ExcInfo | None] = []
    for (name, event), after in zip(batch, afters, strict=True):
        try:
            if after is not None:
                after()
            outcomes.append(None)
        except Exception:
            log.warning("%s failed after its commit on event %s", name,
                        event.get("event_id"), exc_info=True)
            outcomes.append(_failure())
    return outcomes


def _decorate(handlers: dict[tuple[str, str], Any], entrypoint: Callable[..., Any],
              method: Callable[[str, Any], Callable[..., Any]]) -> Callable[[type], type]:
    """For each row `{(producer, event name): function}`, a method `handle_<event name>`
    (the name its queue and its `uow.seen` marks carry) made by `method(name, function)`
    and decorated with `entrypoint(producer, event name)`."""
    def decorate(cls: type) -> type:
        for (producer, event_type), function in handlers.items():
            name = "handle_" + event_type
            if name in vars(cls):
                raise TypeError("{}.{} is written by hand and in the table".format(
                    cls.__name__, name))
            handle = method(name, function)
            handle.__name__ = name
            handle.__qualname__ = "{}.{}".format(cls.__qualname__, name)
            handle.__doc__ = function.__doc__
            setattr(cls, name, entrypoint(producer, event_type)(handle))
        return cls
    return decorate


def answering(handlers: dict[tuple[str, str], Callable[[Any, dict[str, Any]], Any]]
              ) -> Callable[[type], type]:
    """A class decorator for a service: for each row of its table `handlers`,
    `{(producer, event name): function(service, event)}`, one dead-lettering `event_handler`
    method named `handle_<event name>` (the name its queue and its `uow.seen` marks carry).
    The table is the one place that says which use case answers which event."""
    def method(_name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def handle(self: Any, event: dict[str, Any]) -> Any:
            return function(self, event)
        return handle
    return _decorate(handlers, event_handler, method)


def answering_in_batches(handlers: dict[tuple[str, str], Row]) -> Callable[[type], type]:
    """As `answering`, for a service that only keeps what it hears (nothing waits for it):
    each row is `function(service, uow, event)` in a unit of work that a batch of events
    shares (`apply_batch`; the service's database dependency is `db`). A row must not
    depend on being alone in its transaction; it may return a callable to run after the
    commit (a message to send)."""
    rows: dict[str, Row] = {}

    def method(name: str, function: Row) -> Callable[..., Any]:
        def handle(self: Any, batch: list[tuple[str, dict[str, Any]]]) -> Any:
            return apply_batch(self, batch, rows)
        rows[name] = function
        return handle

    return _decorate(handlers, BatchedEventHandler.decorator, method)
