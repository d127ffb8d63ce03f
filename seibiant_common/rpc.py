"""RPC that survives the broker going away mid-call: `rpc` (the entrypoint) and `RpcProxy`.

nameko's own let a failure to publish a reply, or to ack a message on a connection the broker
has just closed, escape from the worker, which kills the whole container: a RabbitMQ restart
while any RPC is in flight takes the service down with it. These log the loss instead and
keep running. A refusal (`errors.REFUSALS`) is an expected exception of every entrypoint,
which `logs.RefusalsAtInfo` logs as INFO without a traceback. A request not yet
acknowledged when its consumer's connection drops is delivered again (every RPC that changes
state must be idempotent or refuse a repeat); requests and replies are not persistent
(`FleetingPublisher`), so a broker restart loses those in flight, and a caller that missed
its reply times out and may retry.

    from seibiant_common.rpc import RpcProxy, TimedRpcProxy, rpc

`TimedRpcProxy` is the one RPC with a deadline: a service that does not answer in time is
`errors.Unavailable` (a 503 at the gateway), wherever it is called from.
"""
import functools
import logging
from typing import Any

import eventlet
from kombu.message import Message
from nameko import rpc as nameko_rpc
from nameko.amqp.publish import Publisher
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER,
                              LOGIN_METHOD_CONFIG_KEY, NON_PERSISTENT, SERIALIZER_CONFIG_KEY)

from .config import setting
from .errors import REFUSALS, Unavailable
from .logs import ExcInfo
from .messaging import (BROKER_ERRORS, ResilientQueueConsumer, dead_letter_queue, describe,
                        pass_on)

log = logging.getLogger(__name__)


class FleetingPublisher(Publisher):
    """An RPC request or reply lives only as long as its caller waits for it: kept in memory
    by the broker, not written to its disk (a broker restart loses it, and the caller times
    out as it would anyway). Events stay persistent: the outbox publishes them."""

    delivery_mode = NON_PERSISTENT


class Reply(nameko_rpc.Responder):
    # no confirm either: a reply the broker drops is a caller that times out
    publisher_cls = functools.partial(FleetingPublisher, use_confirms=False)


class ResilientRpcConsumer(nameko_rpc.RpcConsumer):

    queue_consumer = ResilientQueueConsumer()

    def setup(self) -> None:
        super().setup()
        self.dead_letters = dead_letter_queue(self.container.service_name)
        self.publisher = Publisher(self.container.config["AMQP_URI"], use_confirms=True,
                                   declare=[self.dead_letters])

    def handle_undecodable_message(self, message: Message, exc: Exception) -> None:
        """A request nobody can read goes to the dead letters, as an event would (its caller
        times out): kept for an operator to see, not dropped."""
        pass_on(self.publisher, self.queue_consumer, message, self.queue.name,
                self.dead_letters, 1, error=describe(type(exc), exc))

    def handle_result(self, message: Message, result: Any,
                      exc_info: ExcInfo | None) -> tuple[Any, ExcInfo | None]:
        config = self.container.config
        try:
            result, exc_info = Reply(
                config[AMQP_URI_CONFIG_KEY], nameko_rpc.get_rpc_exchange(config),
                config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
                ssl=config.get(AMQP_SSL_CONFIG_KEY),
                login_method=config.get(LOGIN_METHOD_CONFIG_KEY)).send_response(result, exc_info)
            self.queue_consumer.ack_message(message)
            return result, exc_info
        except BROKER_ERRORS:
            log.warning("could not send an RPC reply (is the broker away?); the caller "
                        "will time out and the request will be delivered again",
                        exc_info=True)
            return result, exc_info


class ResilientRpc(nameko_rpc.Rpc):
    rpc_consumer = ResilientRpcConsumer()

    def __init__(self, expected_exceptions: tuple[type[Exception], ...] = REFUSALS,
                 **kwargs: Any) -> None:
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)


class ResilientReplyListener(nameko_rpc.ReplyListener):
    queue_consumer = ResilientQueueConsumer()


class RpcProxy(nameko_rpc.RpcProxy):
    rpc_reply_listener = ResilientReplyListener()

    def __init__(self, target_service: str, **options: Any) -> None:
        # confirmed still: nameko tells an unknown service from the broker's answer
        super().__init__(target_service, delivery_mode=NON_PERSISTENT, **options)


class TimedMethod:
    """One RPC method of a `TimedRpcProxy`: its reply awaited `timeout` seconds at most."""

    def __init__(self, method: Any, service_name: str, timeout: float) -> None:
        self._method = method
        self._service_name = service_name
        self._timeout = timeout

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.result(self._method.call_async(*args, **kwargs))

    def call_async(self, *args: Any, **kwargs: Any) -> Any:
        return self._method.call_async(*args, **kwargs)

    def result(self, reply: Any) -> Any:
        # Unavailable crosses RPC as itself, so a caller's caller answers 503 too, not 500.
        with eventlet.Timeout(self._timeout, Unavailable("{}.{} did not answer in time".format(
                self._service_name, self._method.method_name))):
            return reply.result()


class TimedServiceProxy:
    def __init__(self, proxy: Any, service_name: str, timeout: float) -> None:
        self._proxy = proxy
        self._service_name = service_name
        self._timeout = timeout

    def __getattr__(self, name: str) -> TimedMethod:
        return TimedMethod(getattr(self._proxy, name), self._service_name, self._timeout)


class TimedRpcProxy(RpcProxy):
    """The one RPC with a deadline: an `RpcProxy` whose calls raise `errors.Unavailable` after
    `RPC_TIMEOUT_SECONDS` (10) instead of waiting for ever on a service that is down."""

    def setup(self) -> None:
        super().setup()
        self.timeout = setting(self.container.config, "RPC_TIMEOUT_SECONDS", 10.0, float)

    def get_dependency(self, worker_ctx: Any) -> TimedServiceProxy:
        return TimedServiceProxy(super().get_dependency(worker_ctx), self.target_service,
                                 self.timeout)


rpc = ResilientRpc.decorator
