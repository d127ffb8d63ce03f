"""The notifications service: nameko entrypoints only; who is told what is `domain.MESSAGES`.

Contract (docs/contracts.md, "notifications"):

RPC:
- `health()`
- `list_sent(actor, limit=50, cursor=None)`: the messages sent (or being sent) to the actor,
  newest first -> `{items: [{id, channel, to, subject, body, language, event_type,
  booking_id, sent_at, status, created_at}], next_cursor}`.

Events emitted: none. Handled: the gateway's account_details_changed (its own copy of the
people it tells), providers' slots_published and provider_approved (offers' titles and
providers' contact), and the occasions of `domain.MESSAGES`: bookings' booking_requested,
booking_confirmed, booking_rejected, booking_cancelled, booking_expired and budgets'
approval_required, and booking_awaiting_approval, which with booking_confirmed schedules the
timer's reminders (`handlers.EVENT_HANDLERS`), in batches. Timer: `remind`, which reads only
once something may be due. Settings: `dependencies.py`.
"""
import os

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering_in_batches
from seibiant_common.rpc import rpc
from seibiant_common.timers import timer
from seibiant_common.types import utcnow

from . import application, models, schemas
from .dependencies import ReminderSettings, Senders
from .handlers import EVENT_HANDLERS

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


@answering_in_batches(EVENT_HANDLERS)  # the events notifications hears, and what answers each
class NotificationsService:
    name = "notifications"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    delivery = Senders()
    reminder_times = ReminderSettings()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    @rpc
    def list_sent(self, actor, limit=50, cursor=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        query = schemas.parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            return schemas.page_schema.dump(application.list_sent(uow, actor, **query))

    @timer("NOTIFICATIONS_TIMER_SECONDS", 30)
    def remind(self):
        """The reminders now due, and what is still pending (safe with two instances), once
        something may be due."""
        application.remind(self.db, self.delivery, utcnow, looking=True)
