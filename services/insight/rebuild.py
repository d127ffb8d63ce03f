"""`python -m services.insight.rebuild`: make the insight read model again from the events it
kept (the running service does it, over its `rebuild` RPC), and say how many it replayed."""
import os
import sys

from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.config import DEFAULT_AMQP_URI

TIMEOUT_SECONDS = 600


def main() -> int:
    config = {"AMQP_URI": os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)}
    with ServiceRpcProxy("insight", config, timeout=TIMEOUT_SECONDS) as insight:
        done = insight.rebuild()
    print("rebuilt the insight read model from {} kept events".format(done["events"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
