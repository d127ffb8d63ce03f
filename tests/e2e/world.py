"""A small world for the saga's end-to-end tests: councils, an officer, providers with offers
and slots, families with budgets; made and read only through the services' RPCs."""
import datetime
import uuid

from devtools.processes import wait_until
from seibiant_common.types import utcnow

SETTLED = ("awaiting_approval", "confirmed", "completed", "rejected", "cancelled", "expired")
HOURS = datetime.timedelta(hours=1)


def new_id(prefix):
    return "{}-{}".format(prefix, uuid.uuid4().hex[:10])


def officer(council):
    return {"user_id": new_id("officer"), "role": "officer", "council": council,
            "provider_id": None}


class World:
    """Everything a test does to the three services, through `rpc` (a cluster RPC proxy)."""

    def __init__(self, rpc, council="powys"):
        self.rpc = rpc
        self.council = council
        self.officer = officer(council)

    def family(self):
        return {"user_id": new_id("family"), "role": "family", "council": self.council,
                "provider_id": None}

    # --- providers ----------------------------------------------------------------------

    def provider(self):
        """An approved provider serving the council, as the actor it acts as."""
        user_id = new_id("provider-user")
        provider = self.rpc.providers.register_provider({
            "user_id": user_id, "name": "Llety " + user_id, "kind": "short_break",
            "regions": [self.council]})
        self.rpc.providers.approve_provider(self.officer, provider["id"])
        return {"user_id": user_id, "role": "provider", "council": None,
                "provider_id": provider["id"]}

    def offer(self, provider, price_pence=1500, category="overnight_stay"):
        return self.rpc.providers.create_offer(provider, {
            "title": "A break", "category": category, "price_pence": price_pence,
            "region": self.council})["id"]

    def slot(self, provider, offer_id, capacity=5, start=None):
        start = start or utcnow() + 24 * HOURS
        published = self.rpc.providers.publish_slots(provider, offer_id, {"slots": [{
            "start": start.isoformat(), "end": (start + 6 * HOURS).isoformat(),
            "capacity": capacity}]})
        return published["items"][0]["id"]

    def slot_of(self, provider, capacity=5, price_pence=1500, category="overnight_stay",
                start=None):
        """A new offer with one slot: the slot's id."""
        return self.slot(provider, self.offer(provider, price_pence, category), capacity, start)

    def places_taken(self, slot_id):
        slot = self.rpc.providers.get_slot(slot_id)
        return slot["capacity"] - slot["remaining"]

    # --- budgets ------------------------------------------------------------------------

    def budget(self, family_actor, allocated_pence=100_000, auto_approve_limit_pence=50_000,
               categories=("overnight_stay",)):
        now = utcnow()
        return self.rpc.budgets.create_budget(self.officer, {
            "family_id": family_actor["user_id"], "family_council": self.council,
            "allocated_pence": allocated_pence,
            "period_start": (now - 24 * HOURS).isoformat(),
            "period_end": (now + 365 * 24 * HOURS).isoformat(),
            "allowed_categories": list(categories),
            "auto_approve_limit_pence": auto_approve_limit_pence})["id"]

    def balance(self, budget_id):
        budget = self.rpc.budgets.get_budget(self.officer, budget_id)
        return {key: budget[key] for key in
                ("allocated_pence", "held_pence", "spent_pence", "available_pence")}

    # --- bookings -----------------------------------------------------------------------

    def book(self, family_actor, slot_id, places=1, budget_id=None, key=None):
        data = {"slot_id": slot_id, "places": places}
        if budget_id is not None:
            data["budget_id"] = budget_id
        return self.rpc.bookings.request_booking(family_actor, key or new_id("key"), data)

    def booking(self, booking_id):
        return self.rpc.bookings.get_booking(self.officer, booking_id)

    def settled(self, booking_id, timeout=15):
        """The booking once its saga has answered (no longer `requested`)."""
        return wait_until(lambda: _if_settled(self.booking(booking_id)), timeout,
                          message="booking {} to settle".format(booking_id))


def _if_settled(booking):
    return booking if booking["status"] in SETTLED else None
