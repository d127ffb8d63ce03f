"""The providers service: providers, offers, slots, places and search. nameko entrypoints
only; the rules live in `domain`, the use cases in `application` and `search`.

RPC (docs/contracts.md, "providers"); `actor` is `{user_id, role, council, provider_id}`:
- `health()`
- `register_provider(data)` -> provider, `pending`; `data` = `{user_id, name, kind, regions,
  accessibility, supports_needs, description}` (regions are council slugs)
- `approve_provider(actor, provider_id)`, `suspend_provider(actor, provider_id, reason)`:
  an officer of a council the provider serves
- `get_provider(provider_id)`; `list_providers(actor, status=None, limit=50, cursor=None)`
- `create_offer(actor, data)` (an approved provider), `get_offer(offer_id)` (with its future
  slots), `get_offer_titles(offer_ids)` -> `{offer_id: title}` of those that exist;
  `list_offers(actor, provider_id, limit=50, cursor=None)`: a provider's offers for itself,
  an officer of a council it serves or an admin
- `publish_slots(actor, offer_id, data)`: `{slots: [{start, end, capacity}]}` or
  `{pattern: {start_date, weekdays, start_time, end_time, nights, weeks, capacity,
  time_zone}}` (UTC, or the clocks of `time_zone`)
  -> `{items: [slot]}`
- `change_capacity(actor, slot_id, capacity)`, `withdraw_slot(actor, slot_id)` -> slot (+
  `booking_ids` affected); another provider's offer or slot is NotFound
- `get_slot(slot_id)` -> `{id, offer_id, provider_id, start, end, capacity, remaining,
  price_pence, category, bookable, status}`
- `search(filters, limit=50, cursor=None, searcher_council=None)`, filters `{region,
  category, from, to, accessibility, needs, max_price_pence, q}` -> `{items: [offer +
  slots], next_cursor}`; a first page is recorded, in `searches_made` (never who searched)
- `reserve_places(booking_id, slot_id, places)`, `release_places(booking_id)` -> the
  booking's reservation `{booking_id, status: reserved|refused|released, reason, ...}`;
  asked again, each answers the same and announces it again (a new event)

Events published: places_reserved, reservation_refused, places_released, slots_published,
slot_withdrawn, provider_approved, provider_suspended, searches_made (about once a second,
the searches answered meanwhile: `dependencies.SearchRecords`). Handled:
bookings.booking_requested and booking_offered (a waiting list's offer: reserve) and
bookings.booking_rejected / booking_cancelled / booking_expired / booking_offer_expired
(release), as `handlers.EVENT_HANDLERS` says.
"""
import os

from seibiant_common.database import Database
from seibiant_common.logs import Correlation
from seibiant_common.messaging import answering
from seibiant_common.rpc import rpc

from . import application, models, schemas
from .dependencies import SearchRecords
from .handlers import EVENT_HANDLERS
from .schemas import load_id, parse
from .search import search

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")

provider_out = schemas.ProviderSchema()
offer_out = schemas.OfferSchema()
offer_with_slots_out = schemas.OfferWithSlotsSchema()
slot_out = schemas.SlotSchema()
reservation_out = schemas.ReservationSchema()
search_page_out = schemas.SearchPageSchema()


def actor_in(actor):
    return parse(schemas.ActorSchema, actor)


@answering(EVENT_HANDLERS)  # the events providers hears, and what answers each
class ProvidersService:
    name = "providers"

    db = Database(models.PLUMBING_TABLES, MIGRATIONS)
    correlation = Correlation()
    searches = SearchRecords()

    @rpc
    def health(self):
        self.db.ping()
        return {"service": self.name, "status": "ok"}

    # --- providers ---------------------------------------------------------------------

    @rpc
    def register_provider(self, data):
        data = parse(schemas.RegisterProviderSchema, data)
        with self.db.unit_of_work() as uow:
            provider = application.register_provider(uow, data)
        return provider_out.dump(provider)

    @rpc
    def approve_provider(self, actor, provider_id):
        actor = actor_in(actor)
        provider_id = load_id("provider_id", provider_id)
        with self.db.unit_of_work() as uow:
            provider = application.decide_provider(uow, actor, provider_id, "approve")
        return provider_out.dump(provider)

    @rpc
    def suspend_provider(self, actor, provider_id, reason):
        actor = actor_in(actor)
        provider_id = load_id("provider_id", provider_id)
        reason = parse(schemas.SuspendProviderSchema, {"reason": reason})["reason"]
        with self.db.unit_of_work() as uow:
            provider = application.decide_provider(uow, actor, provider_id, "suspend", reason)
        return provider_out.dump(provider)

    @rpc
    def get_provider(self, provider_id):
        provider_id = load_id("provider_id", provider_id)
        with self.db.unit_of_work() as uow:
            provider = application.get_provider(uow, provider_id)
        return provider_out.dump(provider)

    @rpc
    def list_providers(self, actor, status=None, limit=50, cursor=None):
        actor = actor_in(actor)
        query = parse(schemas.ListProvidersSchema,
                     {"status": status, "limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            page = application.list_providers(uow, actor, **query)
        return schemas.ProviderPageSchema().dump(page)

    # --- offers and slots --------------------------------------------------------------

    @rpc
    def create_offer(self, actor, data):
        actor = actor_in(actor)
        data = parse(schemas.CreateOfferSchema, data)
        with self.db.unit_of_work() as uow:
            offer = application.create_offer(uow, actor, data)
        return offer_out.dump(offer)

    @rpc
    def list_offers(self, actor, provider_id, limit=50, cursor=None):
        actor = actor_in(actor)
        provider_id = load_id("provider_id", provider_id)
        page = parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        with self.db.unit_of_work() as uow:
            found = application.list_offers(uow, actor, provider_id, **page)
        return schemas.OfferPageSchema().dump(found)

    @rpc
    def get_offer(self, offer_id):
        offer_id = load_id("offer_id", offer_id)
        with self.db.reading() as reading:
            offer = application.get_offer(reading, offer_id)
        return offer_with_slots_out.dump(offer)

    @rpc
    def get_offer_titles(self, offer_ids):
        offer_ids = parse(schemas.OfferIdsSchema, {"offer_ids": offer_ids})["offer_ids"]
        with self.db.reading() as reading:
            return application.offer_titles(reading, offer_ids)

    @rpc
    def publish_slots(self, actor, offer_id, data):
        actor = actor_in(actor)
        offer_id = load_id("offer_id", offer_id)
        data = parse(schemas.PublishSlotsSchema, data)
        with self.db.unit_of_work() as uow:
            slots = application.publish_slots(uow, actor, offer_id, data)
        return schemas.SlotListSchema().dump(slots)

    @rpc
    def change_capacity(self, actor, slot_id, capacity):
        actor = actor_in(actor)
        slot_id = load_id("slot_id", slot_id)
        capacity = parse(schemas.ChangeCapacitySchema, {"capacity": capacity})["capacity"]
        with self.db.unit_of_work() as uow:
            slot = application.change_capacity(uow, actor, slot_id, capacity)
        return slot_out.dump(slot)

    @rpc
    def withdraw_slot(self, actor, slot_id):
        actor = actor_in(actor)
        slot_id = load_id("slot_id", slot_id)
        with self.db.unit_of_work() as uow:
            slot = application.withdraw_slot(uow, actor, slot_id)
        return schemas.WithdrawnSlotSchema().dump(slot)

    @rpc
    def get_slot(self, slot_id):
        slot_id = load_id("slot_id", slot_id)
        with self.db.reading() as reading:
            slot = application.get_slot(reading, slot_id)
        return schemas.SlotDetailSchema().dump(slot)

    @rpc
    def search(self, filters, limit=50, cursor=None, searcher_council=None):
        filters = parse(schemas.SearchSchema, filters or {})
        page = parse(schemas.PageSchema, {"limit": limit, "cursor": cursor})
        council = parse(schemas.SearcherSchema, {"council": searcher_council})["council"]
        with self.db.reading() as reading:
            found = search(reading, filters, record=self.searches, searcher_council=council,
                           **page)
        return search_page_out.dump(found)

    # --- places ------------------------------------------------------------------------

    @rpc
    def reserve_places(self, booking_id, slot_id, places):
        request = parse(schemas.ReservePlacesSchema,
                       {"booking_id": booking_id, "slot_id": slot_id, "places": places})
        with self.db.unit_of_work() as uow:
            reservation = application.reserve_places(uow, **request)
        return reservation_out.dump(reservation)

    @rpc
    def release_places(self, booking_id):
        request = parse(schemas.ReleasePlacesSchema, {"booking_id": booking_id})
        with self.db.unit_of_work() as uow:
            reservation = application.release_places(uow, **request)
        return reservation_out.dump(reservation)
