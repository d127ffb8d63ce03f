"""A small world built through the public API, for the gateway's tests: two councils with an
officer each, families with budgets, approved and pending providers with offers and slots, and
a referrer of a carers' centre."""
import datetime
import sqlite3
import uuid

from devtools.processes import wait_until
from gateway.client import Client

from .conftest import ADMIN_PASSWORD

PASSWORD = "correct-horse-battery"


def soon(days, hours=10):
    day = datetime.datetime.now(datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0) + datetime.timedelta(days=days)
    return (day + datetime.timedelta(hours=hours)).isoformat()


def close_ballot_applications(bookings_database, slot_id):
    """Moves the close of a ballot's applications into the past in bookings' own SQLite file
    (its path, or its `sqlite:///` URL): a test applies with no clock to race, and the ballot
    timer draws at its next read (within TIMER_CEILING_SECONDS, short in the tests)."""
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    with sqlite3.connect(str(bookings_database).removeprefix("sqlite:///")) as db:
        moved = db.execute("UPDATE ballots SET applications_close_at = ? WHERE slot_id = ?",
                           (past.strftime("%Y-%m-%d %H:%M:%S.%f"), slot_id)).rowcount
    assert moved == 1


def unique(name):
    return "{}-{}".format(name, uuid.uuid4().hex[:8])


class World:
    def __init__(self, base_url):
        self.anonymous = Client(base_url)
        self.admin = self.anonymous.signed_in("admin", ADMIN_PASSWORD)
        self.officer = self.new_officer("powys")
        self.other_officer = self.new_officer("flintshire")
        self.family = self.new_family(self.officer, needs=["autism"])
        self.other_family = self.new_family(self.officer)
        self.far_family = self.new_family(self.other_officer)
        self.budget = self.new_budget(self.officer, self.family.user_id)
        self.other_budget = self.new_budget(self.officer, self.other_family.user_id)
        self.far_budget = self.new_budget(self.other_officer, self.far_family.user_id)
        self.provider = self.new_provider(["powys"], approve_by=self.officer)
        self.other_provider = self.new_provider(["flintshire"], approve_by=self.other_officer)
        self.pending_provider = self.new_provider(["powys"])
        self.offer = self.new_offer(self.provider, "overnight_stay", 4000, "powys")
        self.slot, *self.other_slots = self.new_slots(self.provider, self.offer["id"], 3,
                                                     days=(10, 11, 14))
        self.other_offer = self.new_offer(self.other_provider, "hospitality_meal", 1500,
                                          "flintshire")
        self.other_slot = self.new_slots(self.other_provider, self.other_offer["id"], 5)[0]
        self.referrer = self.new_referrer(self.officer, "powys", "Powys carers' centre")

    def new_officer(self, council):
        username = unique("officer-" + council)
        self.admin.post("/officers", {"username": username, "password": PASSWORD,
                                      "display_name": "Officer of " + council,
                                      "council": council})
        return self.anonymous.signed_in(username, PASSWORD)

    def new_referrer(self, creator, council, organisation):
        username = unique("referrer")
        creator.post("/referrers", {"username": username, "password": PASSWORD,
                                    "display_name": "Referrer at " + organisation,
                                    "council": council, "organisation": organisation})
        return self.anonymous.signed_in(username, PASSWORD)

    def new_family(self, officer, needs=()):
        username = unique("family")
        officer.post("/families", {"username": username, "password": PASSWORD,
                                   "display_name": "A family", "needs": list(needs)})
        return self.anonymous.signed_in(username, PASSWORD)

    def new_budget(self, officer, family_id, allocated=200000, limit=10000,
                   categories=("overnight_stay", "hospitality_meal", "hospitality_stay")):
        return officer.post("/budgets", {
            "family_id": family_id, "allocated_pence": allocated,
            "period_start": soon(-30), "period_end": soon(365),
            "allowed_categories": list(categories), "auto_approve_limit_pence": limit})

    def new_provider(self, regions, approve_by=None, kind="short_break"):
        username = unique("provider")
        profile = self.anonymous.post("/providers", {
            "username": username, "password": PASSWORD, "name": "Provider " + username,
            "kind": kind, "regions": regions, "accessibility": ["ground_floor"],
            "description": "Breaks by the river."})
        if approve_by:
            approve_by.post("/providers/{}/approve".format(profile["id"]))
        client = self.anonymous.signed_in(username, PASSWORD)
        client.provider_id = profile["id"]
        return client

    def new_offer(self, provider, category, price, region):
        return provider.post("/offers", {
            "title": "An offer " + uuid.uuid4().hex[:6], "category": category,
            "price_pence": price, "region": region, "accessibility": ["ground_floor"],
            "supports_needs": ["autism"], "description": "A break."})

    def new_slots(self, provider, offer_id, capacity, days=(10, 11), hours=4):
        return provider.post("/offers/{}/slots".format(offer_id), {"slots": [
            {"start": soon(day), "end": soon(day, 10 + hours), "capacity": capacity}
            for day in days]})["items"]

    def book(self, family, slot_id, budget_id, places=1, key=None):
        headers = {"Idempotency-Key": key} if key else None
        body = {"slot_id": slot_id, "places": places}
        if budget_id:
            body["budget_id"] = budget_id
        return family.post("/bookings", body, headers=headers)

    def verify_for_swaps(self, family):
        """The family verified for swaps by its officer, once staycation has
        heard the family's council from the accounts' event (before, the officer is not
        yet known as the family's: 409 `may_not_verify`)."""
        path = "/families/{}/swap-verification".format(family.user_id)
        response = wait_until(lambda: (lambda answer: answer.status_code != 409 and answer)(
            self.officer.request("POST", path, json={}, expect=[200, 409])), 30,
            interval=0.05, message="staycation to know the family's council")
        return response.json()
