"""The bookings service: nameko entrypoints only; the rules live in the domain modules."""
import os

from nameko.rpc import rpc

from seibiant_common.database import Database
from seibiant_common.logs import Correlation

from . import models

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


class BookingsService:
    name = "bookings"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}
