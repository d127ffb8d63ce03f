"""`python -m seibiant_common.health SERVICE`: exit 0 when SERVICE answers, 1 when it does not
(docker-compose.yml's health checks).

A nameko service is asked its `health` RPC: the request goes through its queue consumer and
the answer through its database (`db.ping()`), so a process that is up but not consuming, or
cut off from its database, is unhealthy. The gateway is asked GET /api/v1/health on its own
port, which asks every service in turn."""
import argparse
import os
import sys

import requests
from nameko.standalone.rpc import ServiceRpcProxy

from .config import DEFAULT_AMQP_URI, SERVICE_MODULES

TIMEOUT_SECONDS = 5


def check(service: str, timeout: float = TIMEOUT_SECONDS) -> None:
    """Raises when `service` does not answer within `timeout` seconds."""
    if service == "gateway":
        port = os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000").rpartition(":")[2]
        requests.get("http://127.0.0.1:{}/api/v1/health".format(port),
                     timeout=timeout).raise_for_status()
        return
    config = {"AMQP_URI": os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)}
    with ServiceRpcProxy(service, config, timeout=timeout) as proxy:
        proxy.health()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seibiant_common.health",
                                     description="Exit 0 when the service answers.")
    parser.add_argument("service", choices=sorted(SERVICE_MODULES))
    service = parser.parse_args(argv).service
    try:
        check(service)
    except Exception as error:
        print("{} is not healthy: {!r}".format(service, error), file=sys.stderr)
        return 1
    print("{} is healthy".format(service))
    return 0


if __name__ == "__main__":
    sys.exit(main())
