"""`sandbox.rabbitmq_node`: a broker of one's own to stop and start, leaving the machine's
shared broker (and every connection to it) alone, and nothing behind once the block ends."""
import os

from kombu import Connection

from devtools.sandbox import rabbitmq_node


def test_own_node_restarts_without_touching_the_shared_broker_and_leaves_nothing(amqp_uri):
    with Connection(amqp_uri) as shared:
        channel = shared.channel()
        with rabbitmq_node() as node:
            assert node.name.startswith("seibiant-test-") and node.port != 5672
            node.ctl("stop_app")
            node.ctl("start_app")
            assert node.answers()
            folder, pid = node.folder, node.process.pid
        # the same connection to the shared broker is still open: it never went away
        channel.queue_declare("probe", auto_delete=True)
        channel.close()
    assert not os.path.exists(folder)
    try:
        os.killpg(pid, 0)
        raise AssertionError("the node's processes are still running")
    except ProcessLookupError:
        pass
