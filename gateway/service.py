"""The gateway: the one public door (its contract: docs/api-v1.md, served as OpenAPI at
/api/v1/openapi.json), HTTP entrypoints only; it holds no business rule of the
services. Its parts: the JSON API's operations (`gateway.api`), the web pages (one module per
audience in `gateway.web`) and their static files, all mixed into `GatewayService` with the
dependencies they share.
"""
import os

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.rpc import TimedRpcProxy

from . import api, models
from .changes import BookingWaiters, wakes_waiting_requests
from .dependencies import Accounts, Idempotency
# modules, not classes: `nameko run` would take any class here with entrypoints for a service
from .web import bookings as booking_pages
from .web import ballots as ballot_pages
from .web import (everyone, family, files, messages, officer, provider, referrer, staycation,
                  waiting)

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


class GatewayService(api.Api, everyone.EveryonePages, family.FamilyPages,
                     booking_pages.BookingPages, provider.ProviderPages, officer.OfficerPages,
                     referrer.ReferrerPages, ballot_pages.BallotPages, messages.MessagesPages,
                     staycation.StaycationPages, waiting.WaitingPages, files.Files):
    name = "gateway"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    accounts = Accounts()
    idempotency = Idempotency()
    budgets = TimedRpcProxy("budgets")
    providers = TimedRpcProxy("providers")
    bookings = TimedRpcProxy("bookings")
    insight = TimedRpcProxy("insight")
    families = TimedRpcProxy("families")
    notifications = TimedRpcProxy("notifications")
    staycation = TimedRpcProxy("staycation")
    booking_waiters = BookingWaiters()

    @wakes_waiting_requests
    def wake_waiting_requests(self, event):
        self.booking_waiters.wake(event["aggregate_id"])
