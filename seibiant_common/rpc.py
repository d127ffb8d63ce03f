"""RPC that survives the broker going away mid-call: `rpc` (the entrypoint) and `RpcProxy`.

nameko's own let a failure to publish a reply, or to ack a message on a connection the broker
has just closed, escape from the worker, which kills the whole container: a RabbitMQ restart
while any RPC is in flight takes the service down with it. These log the loss instead and
keep running. A refusal (`errors.REFUSALS`) is an expected exception of every entrypoint,
which `logs.RefusalsAtInfo` logs as INFO without a traceback. Nothing else changes: an
unacknowledged request is delivered again once the broker is back (every RPC that changes
state must be idempotent or refuse a repeat), and a caller that missed its reply times out
and may retry.

    from seibiant_common.rpc import RpcProxy, rpc
"""
import logging

from typing import Any

from kombu.message import Message
from nameko import rpc as nameko_rpc
from nameko.amqp.publish import Publisher

from .errors import REFUSALS
from .logs import ExcInfo
from .messaging import (BROKER_ERRORS, ResilientQueueConsumer, dead_letter_queue, describe,
                        pass_on)

log = logging.getLogger(__name__)


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
        try:
            return super().handle_result(message, result, exc_info)
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


rpc = ResilientRpc.decorator
