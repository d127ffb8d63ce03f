"""The insight service: commissioning figures made from the other services' events, never
from their tables. nameko entrypoints only; the rules live in `domain`, the use cases in
`application`.

RPC (docs/contracts.md, "insight"); `actor` is `{user_id, role, council, provider_id}`:
- `health()`
- `get_insight(actor, first_day=None, last_day=None)` -> `{from, to, council, provider_id,
  <table>: rows}`: an officer its council's tables, an admin every council's, a provider its
  own (`provider`); a family is Forbidden. Tables and rows: `domain` and docs/api-v1.md.
- `get_insight_csv(actor, table, first_day=None, last_day=None)` -> one table as CSV text
- `get_impact(actor, provider_id, provider_councils)` -> `{provider_id, years, total,
  booking_ids}`: the gifted places a provider gave (`domain.impact`), for the provider, the
  officers and referrers of `provider_councils` (its regions, as providers says them) and
  admins; NotFound for others, a family is Forbidden. `booking_ids` are the gifted bookings
  made, for the gateway to ask families for their feedback (never shown)
- `rebuild()` -> `{events}`: the projections made again from the kept events (an operator's
  command: `python -m services.insight.rebuild`)

Events handled (kept, then projected): providers' searches_made (and the search_made it
replaced), slots_published, places_reserved, places_released; bookings' booking_requested,
booking_confirmed, booking_rejected, booking_cancelled, booking_expired; budgets'
approval_required, spend_approved, spend_declined, funds_captured (`handlers.EVENT_HANDLERS`),
in batches (`seibiant_common.messaging.answering_in_batches`). Emits nothing.
"""
import os

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering_in_batches
from seibiant_common.rpc import rpc

from . import application, models, schemas
from .handlers import EVENT_HANDLERS

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


@answering_in_batches(EVENT_HANDLERS)  # the events insight hears: kept and projected
class InsightService:
    name = "insight"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    @rpc
    def get_insight(self, actor, first_day=None, last_day=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        window = schemas.parse(schemas.WindowSchema, {"from": first_day, "to": last_day})
        with self.db.unit_of_work() as uow:
            return application.report(uow, actor, **window)

    @rpc
    def get_insight_csv(self, actor, table, first_day=None, last_day=None):
        actor = schemas.parse(schemas.ActorSchema, actor)
        request = schemas.parse(schemas.TableSchema,
                                {"table": table, "from": first_day, "to": last_day})
        with self.db.unit_of_work() as uow:
            return application.csv_table(uow, actor, **request)

    @rpc
    def get_impact(self, actor, provider_id, provider_councils):
        actor = schemas.parse(schemas.ActorSchema, actor)
        request = schemas.parse(schemas.ImpactSchema, {
            "provider_id": provider_id, "provider_councils": provider_councils})
        with self.db.unit_of_work() as uow:
            return application.impact(uow, actor, **request)

    @rpc
    def rebuild(self):
        with self.db.unit_of_work() as uow:
            return application.rebuild(uow)
