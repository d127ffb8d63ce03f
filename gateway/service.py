"""The gateway: the one public door. HTTP entrypoints only; it holds no business rule."""
import json
import os
import time

import eventlet
from nameko.rpc import RpcProxy
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from seibiant_common.database import Database
from seibiant_common.logs import Correlation

from . import models

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")
SERVICES = ("budgets", "providers", "bookings")
HEALTH_TIMEOUT_SECONDS = 2


def json_response(body, status=200, headers=None):
    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers=headers)


class GatewayService:
    name = "gateway"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    budgets = RpcProxy("budgets")
    providers = RpcProxy("providers")
    bookings = RpcProxy("bookings")

    @http("GET", "/api/v1/health")
    def health(self, request):
        replies = {name: getattr(self, name).health.call_async() for name in SERVICES}
        down = []
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        for name, reply in replies.items():
            try:
                with eventlet.Timeout(max(0.01, deadline - time.monotonic())):
                    reply.result()
            except (Exception, eventlet.Timeout):
                down.append(name)
        if down:
            return json_response({"status": "unavailable", "down": down}, status=503)
        return json_response({"status": "ok", "services": list(SERVICES)})
