"""An RPC entrypoint that survives the broker going away while it answers.

nameko's own `@rpc` lets a failure to publish the reply escape from the worker, which kills
the whole container: a RabbitMQ restart while any RPC is in flight takes the service down
with it. This one logs the lost reply instead and keeps running. Nothing else changes: the
request was not acknowledged, so the broker hands it out again once it is back (every RPC
that changes state must therefore be idempotent or refuse a repeat), and a caller that
missed the reply times out and may retry.

    from seibiant_common.rpc import rpc
"""
import logging

from amqp.exceptions import AMQPError
from kombu.exceptions import KombuError
from nameko.rpc import Rpc, RpcConsumer

log = logging.getLogger(__name__)

BROKER_ERRORS = (OSError, KombuError, AMQPError)


class ResilientRpcConsumer(RpcConsumer):

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except BROKER_ERRORS:
            log.warning("could not send an RPC reply (is the broker away?); the caller "
                        "will time out and the request will be delivered again",
                        exc_info=True)
            return result, exc_info


class ResilientRpc(Rpc):
    rpc_consumer = ResilientRpcConsumer()


rpc = ResilientRpc.decorator
