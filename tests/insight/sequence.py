"""A known sequence of searches, publishes and bookings, as the other services announce them
(each payload checked against its contract), and the figures it must give."""
import datetime

from seibiant_common.contracts import bookings, budgets, payloads, providers
from seibiant_common.outbox import envelope

UTC = datetime.timezone.utc
HOUR = datetime.timedelta(hours=1)
MAY = datetime.datetime(2030, 5, 10, 9, tzinfo=UTC)
JUNE = datetime.datetime(2030, 6, 10, 9, tzinfo=UTC)
JULY = datetime.datetime(2030, 7, 10, 9, tzinfo=UTC)
WINDOW = ("2030-05-01", "2030-06-30")


class Sequence:
    """The events, in the order they would be announced: `(producer, event)`."""

    def __init__(self):
        self.events = []
        self._n = 0

    def add(self, producer, event_type, payload, at):
        self._n += 1
        event = envelope(event_type, payloads.dump(event_type, payload), "a{}".format(self._n),
                         None)
        event["occurred_at"] = at.isoformat()
        self.events.append((producer, event))

    @staticmethod
    def demand(offers_found, council="powys", region="powys", category=None, needs=(),
               accessibility=()):
        return {"region": region, "category": category, "window_from": None,
                "window_to": None, "accessibility": list(accessibility), "needs": list(needs),
                "max_price_pence": None, "words": [], "offers_found": offers_found,
                "more_found": False, "council": council}

    def search(self, at, offers_found, **filters):
        """One search as its own `search_made` (as providers announced them until
        searches_made replaced it: insight still reads those it kept)."""
        self.add(providers.SERVICE, providers.SEARCH_MADE,
                 self.demand(offers_found, **filters), at)

    def searches(self, at, *searches):
        """Searches written together, as providers writes them now: (offers_found,
        filters) pairs."""
        self._n += 1
        self.add(providers.SERVICE, providers.SEARCHES_MADE, {"searches": [
            dict(self.demand(found, **filters), search_id="search-{}-{}".format(self._n, n),
                 searched_at=at) for n, (found, filters) in enumerate(searches)]}, at)

    def publish(self, offer, provider, region, category, price, slots):
        self.add(providers.SERVICE, providers.SLOTS_PUBLISHED, {
            "offer_id": offer, "provider_id": provider, "category": category,
            "price_pence": price, "region": region,
            "slots": [{"id": slot, "start": start, "end": start + 2 * HOUR,
                       "capacity": capacity} for slot, start, capacity in slots]}, MAY)

    def book(self, booking, family, slot, start, offer, provider, category, price, places=1,
             council="powys", confirm=True, at=MAY):
        self.add(bookings.SERVICE, bookings.BOOKING_REQUESTED, {
            "booking_id": booking, "family_id": family, "council": council, "slot_id": slot,
            "places": places, "budget_id": "budget-" + family, "amount_pence": price * places,
            "category": category, "break_start": start, "break_end": start + 2 * HOUR}, at)
        self.add(providers.SERVICE, providers.PLACES_RESERVED, {
            "booking_id": booking, "slot_id": slot, "offer_id": offer, "provider_id": provider,
            "places": places, "unit_price_pence": price, "total_pence": price * places,
            "category": category, "slot_start": start, "slot_end": start + 2 * HOUR}, at)
        if confirm:
            self.add(bookings.SERVICE, bookings.BOOKING_CONFIRMED, {"booking_id": booking}, at)

    def reject(self, booking, family, slot, start, category, reason, at=MAY):
        self.add(bookings.SERVICE, bookings.BOOKING_REQUESTED, {
            "booking_id": booking, "family_id": family, "council": "powys", "slot_id": slot,
            "places": 1, "budget_id": "budget-" + family, "amount_pence": 100,
            "category": category, "break_start": start, "break_end": start + 2 * HOUR}, at)
        self.add(bookings.SERVICE, bookings.BOOKING_REJECTED,
                 {"booking_id": booking, "reason": reason}, at)

    def approve(self, booking, asked, hours):
        self.add(budgets.SERVICE, budgets.APPROVAL_REQUIRED, {
            "booking_id": booking, "budget_id": "b", "council": "powys", "amount_pence": 1,
            "category": "overnight_stay"}, asked)
        self.add(budgets.SERVICE, budgets.SPEND_APPROVED, {
            "booking_id": booking, "budget_id": "b", "decided_by": "officer", "reason": None},
            asked + hours * HOUR)

    def capture(self, booking, pence, at=MAY):
        self.add(budgets.SERVICE, budgets.FUNDS_CAPTURED, {
            "booking_id": booking, "budget_id": "b", "amount_pence": pence,
            "released_pence": 0}, at)


S1, S2 = datetime.datetime(2030, 5, 20, 10, tzinfo=UTC), datetime.datetime(2030, 6, 3, 10,
                                                                           tzinfo=UTC)
G1 = datetime.datetime(2030, 5, 25, 12, tzinfo=UTC)
F1 = datetime.datetime(2030, 5, 21, 10, tzinfo=UTC)


def known_sequence():
    seq = Sequence()
    # Demand: overnight stays for autism in Powys find nothing (6 by Powys families, 4 by
    # searchers of no council asking for Powys); 5 by Flintshire families are Flintshire's.
    autism = {"category": "overnight_stay", "needs": ["autism"]}
    seq.searches(MAY, *[(0, autism)] * 6, *[(0, dict(autism, council=None))] * 4)
    seq.searches(MAY, *[(0, dict(autism, council="flintshire"))] * 5)
    # Meals with a hoist: 2 of 5 found nothing (fewer than 5).
    for found in (0, 0, 2, 2, 2):
        seq.search(MAY, found, category="hospitality_meal", accessibility=["hoist"])
    seq.search(JUNE, 3)  # found something: no unmet demand
    seq.search(JULY, 0)  # outside the window
    # Supply.
    seq.publish("o1", "p1", "powys", "overnight_stay", 12000, [("s1", S1, 10), ("s2", S2, 4)])
    seq.publish("o2", "p2", "powys", "hospitality_meal", 0, [("g1", G1, 20)])
    seq.publish("o3", "p3", "flintshire", "overnight_stay", 9000, [("f1", F1, 5)])
    # Six families book s1; the sixth cancels (its places go back).
    for n in range(1, 7):
        seq.book("b{}".format(n), "fam{}".format(n), "s1", S1, "o1", "p1", "overnight_stay",
                 12000)
    seq.add(bookings.SERVICE, bookings.BOOKING_CANCELLED, {"booking_id": "b6", "by": "fam6"},
            MAY)
    seq.add(providers.SERVICE, providers.PLACES_RELEASED,
            {"booking_id": "b6", "slot_id": "s1", "places": 1}, MAY)
    # A waiting list's offer of those places, declined: never a booking, so no cancellation.
    seq.add(bookings.SERVICE, bookings.BOOKING_CANCELLED, {
        "booking_id": "offer-1", "by": "fam7", "offer_declined": True}, MAY)
    # Two families take gifted places; one Flintshire family books in Flintshire.
    seq.book("g-1", "fam1", "g1", G1, "o2", "p2", "hospitality_meal", 0, places=2)
    seq.book("g-2", "fam2", "g1", G1, "o2", "p2", "hospitality_meal", 0, places=2)
    seq.book("f-1", "flint1", "f1", F1, "o3", "p3", "overnight_stay", 9000, council="flintshire")
    # Not made: 5 sold out (5 families), 3 short of money (3 families).
    for n in range(10, 15):
        seq.reject("r{}".format(n), "fam{}".format(n), "s2", S2, "overnight_stay", "sold_out")
    for n in range(7, 10):
        seq.reject("r{}".format(n), "fam{}".format(n), "s1", S1, "overnight_stay",
                   "insufficient_funds")
    # Approvals of b1..b5 waited 1, 2, 3, 4 and 10 hours.
    for n, hours in zip(range(1, 6), (1, 2, 3, 4, 10), strict=True):
        seq.approve("b{}".format(n), MAY, hours)
    # Spend: b1..b5 charged in full, the gifted g-1 at 0, Flintshire's f-1.
    for n in range(1, 6):
        seq.capture("b{}".format(n), 12000)
    seq.capture("g-1", 0)
    seq.capture("f-1", 9000)
    return seq.events


FEW = "fewer than 5"

POWYS = {
    "from": "2030-05-01", "to": "2030-06-30", "council": "powys", "provider_id": None,
    "unmet_demand": [
        {"month": "2030-05", "area": "powys", "kind": "overnight_stay", "needs": ["autism"],
         "accessibility": [], "searches": 10},
        {"month": "2030-05", "area": "powys", "kind": "hospitality_meal", "needs": [],
         "accessibility": ["hoist"], "searches": FEW},
    ],
    "supply_and_demand": [
        {"month": "2030-05", "area": "powys", "kind": "hospitality_meal",
         "places_published": 20, "places_booked": FEW, "full_percent": None},
        {"month": "2030-05", "area": "powys", "kind": "overnight_stay",
         "places_published": 10, "places_booked": 5, "full_percent": 50},
        {"month": "2030-06", "area": "powys", "kind": "overnight_stay",
         "places_published": 4, "places_booked": 0, "full_percent": 0},
    ],
    "spend_by_kind": [
        {"kind": "hospitality_meal", "spent_pence": FEW, "families": FEW},
        {"kind": "overnight_stay", "spent_pence": 60000, "families": 5},
    ],
    "spend_by_area": [{"area": "powys", "spent_pence": 60000, "families": 5}],
    "gifted": [{"month": "2030-05", "area": "powys", "places_given": 20,
                "places_taken": FEW}],
    "rejections": [{"reason": "insufficient_funds", "bookings": FEW},
                   {"reason": "sold_out", "bookings": 5}],
    "cancellations": [{"kind": "overnight_stay", "bookings": FEW}],
    "approvals": {"decided": 5, "approved": 5, "declined": 0, "median_hours": 3.0,
                  "p90_hours": 7.6},
}

PROVIDER_P1 = {
    "from": "2030-05-01", "to": "2030-06-30", "council": None, "provider_id": "p1",
    "provider": [
        {"month": "2030-05", "kind": "overnight_stay", "places_offered": 10,
         "places_booked": 5, "places_cancelled": FEW},
        {"month": "2030-06", "kind": "overnight_stay", "places_offered": 4,
         "places_booked": 0, "places_cancelled": 0},
    ],
}

UNMET_CSV = ("month,area,kind,needs,accessibility,searches\r\n"
             "2030-05,powys,overnight_stay,autism,,10\r\n"
             "2030-05,powys,hospitality_meal,,hoist,fewer than 5\r\n")
