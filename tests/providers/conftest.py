"""Fixtures of the providers service tests: the real service on the real broker, a database
of the kind asked for, and a small world-building helper."""
import datetime
import json
import uuid

import pytest
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.messaging import event_handler
from seibiant_common.outbox import envelope
from seibiant_common.types import utcnow
from services.providers.models import PLUMBING_TABLES
from services.providers.service import ProvidersService

OUTBOX = PLUMBING_TABLES[0]
OFFICER = {"user_id": "officer-powys", "role": "officer", "council": "powys",
           "provider_id": None}
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


class ProviderEvents:
    """Records what providers publishes, as another service would receive it."""

    name = "provider_events_recorder"
    received = []

    @event_handler("providers", "places_reserved")
    def handle_places_reserved(self, event):
        self.received.append(event)

    @event_handler("providers", "reservation_refused")
    def handle_reservation_refused(self, event):
        self.received.append(event)

    @event_handler("providers", "places_released")
    def handle_places_released(self, event):
        self.received.append(event)

    @event_handler("providers", "slot_withdrawn")
    def handle_slot_withdrawn(self, event):
        self.received.append(event)

    @event_handler("providers", "provider_approved")
    def handle_provider_approved(self, event):
        self.received.append(event)

    @event_handler("providers", "provider_suspended")
    def handle_provider_suspended(self, event):
        self.received.append(event)


def later(days, hours=10):
    """A whole hour `days` from today, in UTC."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + days * DAY + hours * HOUR


def iso(moment):
    return moment.isoformat()


class World:
    """Builds providers, offers and slots through the service's own RPC."""

    def __init__(self, rpc, database_url, config):
        self.rpc = rpc
        self.database_url = database_url
        self.config = config

    def provider(self, regions=("powys",), approve=True, **profile):
        data = dict(user_id=uuid.uuid4().hex, name="Tŷ Gwyn", kind="short_break",
                    regions=list(regions), **profile)
        provider = self.rpc.register_provider(data)
        if approve:
            officer = dict(OFFICER, council=regions[0])
            provider = self.rpc.approve_provider(officer, provider["id"])
        actor = {"user_id": data["user_id"], "role": "provider", "council": None,
                 "provider_id": provider["id"]}
        return provider, actor

    def offer(self, actor, **changes):
        data = dict(title="Quiet afternoon", description="Tea and cake",
                    category="hospitality_meal",
                    price_pence=1500, region="powys", accessibility=[], supports_needs=[])
        data.update(changes)
        return self.rpc.create_offer(actor, data)

    def slots(self, actor, offer_id, *slots):
        """`slots` are (start, capacity) pairs of two-hour slots."""
        return self.rpc.publish_slots(actor, offer_id, {"slots": [
            {"start": iso(start), "end": iso(start + 2 * HOUR), "capacity": capacity}
            for start, capacity in slots]})["items"]

    def dispatch(self, event_type, payload, aggregate_id):
        """Publishes a new event as bookings would."""
        return self.redeliver(event_type, envelope(event_type, payload, aggregate_id, None))

    def redeliver(self, event_type, event):
        event_dispatcher(self.config)("bookings", event_type, event)
        return event

    def execute(self, statement):
        engine = sa.create_engine(self.database_url)
        try:
            with engine.begin() as connection:
                result = connection.execute(statement)
                return result.all() if result.returns_rows else result.rowcount
        finally:
            engine.dispose()

    def count(self, table_name, *where):
        table = sa.table(table_name)
        return self.execute(sa.select(sa.func.count()).select_from(table).where(*where))[0][0]

    def outbox(self, event_type=None):
        query = sa.select(OUTBOX.c.event_type, OUTBOX.c.body).order_by(OUTBOX.c.seq)
        if event_type:
            query = query.where(OUTBOX.c.event_type == event_type)
        return [json.loads(body) for _type, body in self.execute(query)]


@pytest.fixture
def recorder(start_service):
    ProviderEvents.received = []
    start_service(ProviderEvents)
    return ProviderEvents.received


@pytest.fixture
def world_of(make_database_url, start_service, service_config):
    """`world_of("sqlite"|"postgresql")`: the service running on that database."""
    proxies = []

    def make(kind):
        url = make_database_url(kind, "providers")
        start_service(ProvidersService, DATABASES={"providers": url})
        proxy = ServiceRpcProxy("providers", service_config, timeout=20)
        proxies.append(proxy)
        return World(proxy.start(), url, service_config)

    yield make
    for proxy in proxies:
        proxy.stop()
