"""Demo data: `python -m tools.seed` fills an empty Seibiant with a small, believable world
through the public API of the running gateway (so every rule of the services applies).

Two councils (Powys, Flintshire) with an officer each; five families with budgets and needs;
a carers' centre in Powys with a referrer, a carer it referred (no budget: gifted breaks, one
booked for them by the referrer, under Powys's allowance of two a year) and one who asked to
join and waits to be verified;
twelve providers of both kinds (one still pending) with offers and weekly slots over the next
three months; bookings confirmed, awaiting approval, declined, refused for lack of funds, sold
out, cancelled and completed; two Powys families verified for home swaps, each with an
adapted home the other's needs fit (a two-way Staycation match). (`requested` lasts only
until the saga answers, and `expired` takes the approval window, 72 hours by default, so
neither is seeded.)

It does nothing on a system that already has offers or the demo officers. Settings: the
gateway at `GATEWAY_ADDRESS` (127.0.0.1:8000), the admin password `SEIBIANT_ADMIN_PASSWORD`,
the demo users' password `SEIBIANT_DEMO_PASSWORD` (default below, printed at the end).
"""
import datetime
import os
import sys

from devtools.processes import wait_until
from gateway.client import ApiError, Client
from seibiant_common.types import utcnow

DEMO_PASSWORD = "seibiant-demo"

OFFICERS = [("powys.officer", "Rhian Morgan", "powys"),
            ("flintshire.officer", "Gareth Hughes", "flintshire")]
FAMILIES = [  # username, name, council, needs, allocated, auto-approve limit, categories
    ("jones.family", "Sian and Dylan Jones", "powys", ["autism", "learning_disability"],
     240000, 15000, ["overnight_stay", "group_specialist", "hospitality_stay",
                     "hospitality_activity"]),
    ("evans.family", "Mark Evans", "powys", ["physical_disability"], 180000, 8000,
     ["family_based_care", "hospitality_meal", "hospitality_activity"]),
    ("price.family", "Cerys Price", "powys", ["complex_health"], 5000, 5000,
     ["home_based_care", "hospitality_meal"]),
    ("hughes.family", "Alun and Beth Hughes", "flintshire", ["sensory_impairment"], 300000,
     20000, ["overnight_stay", "group_non_specialist", "hospitality_stay"]),
    ("roberts.family", "Nia Roberts", "flintshire", ["challenging_behaviour", "autism"],
     150000, 0, ["group_specialist", "hospitality_activity"]),
]
REFERRERS = [("powys.referrer", "Ffion Davies", "powys", "Credu Carers Powys")]
# username, name, needs, language, consent (referred by the first referrer)
CARERS = [("lewis.carer", "Gwen Lewis", ["dementia"], "cy",
           "Agreed in person at the centre to be referred and to Seibiant keeping her details.")]
SELF_REFERRALS = [("owen.carer", "Tomos Owen", "powys", ["learning_disability"], "en",
                   "I agree that a carers' centre may contact me to check my request.")]
POWYS_GIFTS_A_YEAR = 2
# username, name, kind, regions, accessibility, needs, description, offers:
# (title, category, price, region, weekday, start, end, nights, capacity)
PROVIDERS = [
    ("bracken.farm", "Bracken Farm Short Breaks", "short_break", ["powys"],
     ["wheelchair_access", "hoist", "ground_floor"], ["complex_health", "physical_disability"],
     "Overnight short breaks on a working farm near Builth Wells.",
     [("Farm overnight stay", "overnight_stay", 12000, "powys", "friday", "16:00", "10:00",
       1, 3)]),
    ("afon.cafe", "Caffi'r Afon", "hospitality", ["powys"],
     ["quiet_space", "ground_floor", "assistance_dogs"], ["autism"],
     "A riverside cafe in Llandrindod Wells giving Respitality meals.",
     [("Quiet-hour lunch for two", "hospitality_meal", 0, "powys", "tuesday", "11:30",
       "13:00", 0, 2),
      ("Family Sunday lunch", "hospitality_meal", 2500, "powys", "sunday", "12:00",
       "14:00", 0, 4)]),
    ("beacons.adventure", "Beacons Adventure", "hospitality", ["powys"],
     ["sensory_friendly", "changing_places_toilet"], ["autism", "learning_disability"],
     "Climbing and canoeing sessions adapted for disabled young people.",
     [("Adapted climbing morning", "hospitality_activity", 4500, "powys", "saturday",
       "09:30", "12:30", 0, 6)]),
    ("wye.valley.hotel", "Wye Valley Hotel", "hospitality", ["powys"],
     ["wheelchair_access", "hearing_loop", "ground_floor"], [],
     "A country hotel offering gifted and discounted breaks to carers.",
     [("Carer's night away", "hospitality_stay", 0, "powys", "wednesday", "15:00", "11:00",
       1, 1),
      ("Family weekend room", "hospitality_stay", 9000, "powys", "friday", "15:00", "11:00",
       2, 2)]),
    ("cwtch.carers", "Cwtch Family Carers", "short_break", ["powys"],
     ["ground_floor", "quiet_space"], ["autism", "learning_disability", "mental_health"],
     "Approved foster carers offering family-based short breaks.",
     [("Weekend with a family carer", "family_based_care", 7000, "powys", "saturday",
       "10:00", "17:00", 0, 1)]),
    ("powys.homecare", "Powys Home Care Co-op", "short_break", ["powys"], [],
     ["complex_health", "dementia", "physical_disability"],
     "Trained carers who come to your home so you can have a break.",
     [("Evening sitting service", "home_based_care", 3000, "powys", "thursday", "18:00",
       "22:00", 0, 2)]),
    ("dee.sailing", "Dee Sailing Club", "hospitality", ["flintshire"],
     ["changing_places_toilet", "hoist"], ["physical_disability"],
     "Accessible sailing on the Dee estuary.",
     [("Accessible sailing afternoon", "hospitality_activity", 3500, "flintshire",
       "sunday", "13:00", "16:00", 0, 4)]),
    ("mold.inn", "The Mold Inn", "hospitality", ["flintshire"],
     ["wheelchair_access", "ground_floor"], [],
     "A family inn with accessible rooms.",
     [("Overnight in an accessible room", "hospitality_stay", 6000, "flintshire", "friday",
       "15:00", "11:00", 1, 2)]),
    ("clwyd.youth", "Clwyd Youth Clubs", "short_break", ["flintshire"],
     ["sensory_friendly", "quiet_space"], ["autism", "challenging_behaviour"],
     "Specialist youth club evenings with trained staff.",
     [("Specialist youth club", "group_specialist", 2500, "flintshire", "wednesday",
       "17:30", "20:30", 0, 8)]),
    ("holywell.camps", "Holywell Holiday Camps", "short_break", ["flintshire"],
     ["wheelchair_access"], ["learning_disability"],
     "Inclusive day camps in the school holidays.",
     [("Inclusive day camp", "group_non_specialist", 4000, "flintshire", "monday", "09:00",
       "16:00", 0, 10)]),
    ("greenfield.respite", "Greenfield Respite House", "short_break", ["flintshire"],
     ["wheelchair_access", "hoist", "changing_places_toilet"],
     ["complex_health", "sensory_impairment"],
     "A respite house with nursing support for overnight breaks.",
     [("Two-night respite stay", "overnight_stay", 18000, "flintshire", "friday", "17:00",
       "10:00", 2, 2)]),
    ("new.bakery", "The New Bakery", "hospitality", ["flintshire"], ["ground_floor"], [],
     "A bakery cafe that has just registered and awaits approval.", []),
]
PENDING = {"new.bakery"}
# The offers' titles and descriptions in Welsh, so that the Welsh pages are Welsh
WELSH = {
    "Overnight short breaks on a working farm near Builth Wells.":
        "Seibiannau byr dros nos ar fferm weithiol ger Llanfair-ym-Muallt.",
    "Farm overnight stay": "Aros dros nos ar y fferm",
    "A riverside cafe in Llandrindod Wells giving Respitality meals.":
        "Caffi ar lan yr afon yn Llandrindod sy'n rhoi prydau Respitality.",
    "Quiet-hour lunch for two": "Cinio awr dawel i ddau",
    "Family Sunday lunch": "Cinio dydd Sul i'r teulu",
    "Climbing and canoeing sessions adapted for disabled young people.":
        "Sesiynau dringo a chanŵio wedi'u haddasu ar gyfer pobl ifanc anabl.",
    "Adapted climbing morning": "Bore dringo wedi'i addasu",
    "A country hotel offering gifted and discounted breaks to carers.":
        "Gwesty gwledig sy'n cynnig seibiannau rhodd a rhatach i ofalwyr.",
    "Carer's night away": "Noson i ffwrdd i ofalwr",
    "Family weekend room": "Ystafell penwythnos i'r teulu",
    "Approved foster carers offering family-based short breaks.":
        "Gofalwyr maeth cymeradwy sy'n cynnig seibiannau byr gyda theulu.",
    "Weekend with a family carer": "Penwythnos gyda gofalwr teulu",
    "Trained carers who come to your home so you can have a break.":
        "Gofalwyr hyfforddedig sy'n dod i'ch cartref er mwyn i chi gael seibiant.",
    "Evening sitting service": "Gwasanaeth eistedd gyda'r nos",
    "Accessible sailing on the Dee estuary.": "Hwylio hygyrch ar aber afon Dyfrdwy.",
    "Accessible sailing afternoon": "Prynhawn hwylio hygyrch",
    "A family inn with accessible rooms.": "Tafarn deuluol gydag ystafelloedd hygyrch.",
    "Overnight in an accessible room": "Noson mewn ystafell hygyrch",
    "Specialist youth club evenings with trained staff.":
        "Nosweithiau clwb ieuenctid arbenigol gyda staff hyfforddedig.",
    "Specialist youth club": "Clwb ieuenctid arbenigol",
    "Inclusive day camps in the school holidays.":
        "Gwersylloedd dydd cynhwysol yng ngwyliau'r ysgol.",
    "Inclusive day camp": "Gwersyll dydd cynhwysol",
    "A respite house with nursing support for overnight breaks.":
        "Tŷ seibiant gyda chymorth nyrsio ar gyfer seibiannau dros nos.",
    "Two-night respite stay": "Arhosiad seibiant dwy noson",
}


def _day(offset_days, hour=0, minute=0):
    today = utcnow().replace(hour=0, minute=0, second=0,
                                                                 microsecond=0)
    return today + datetime.timedelta(days=offset_days, hours=hour, minutes=minute)


class Seeder:
    def __init__(self, base_url, admin_password, password):
        self.public = Client(base_url)
        self.admin = self.public.signed_in("admin", admin_password)
        self.password = password
        self.users = {}
        self.budgets = {}
        self.slots = {}  # offer title -> slots

    def is_empty(self):
        if self.admin.get("/offers", params={"limit": 1})["items"]:
            return False
        try:
            self.public.signed_in(OFFICERS[0][0], self.password)
            return False
        except ApiError:
            return True

    def sign_in(self, username):
        self.users[username] = self.public.signed_in(username, self.password)
        return self.users[username]

    def people(self):
        for username, name, council in OFFICERS:
            self.admin.post("/officers", {"username": username, "password": self.password,
                                          "display_name": name, "council": council})
            self.sign_in(username)
        for username, name, council, needs, allocated, limit, categories in FAMILIES:
            officer = self.users[council + ".officer"]
            family = officer.post("/families", {
                "username": username, "password": self.password, "display_name": name,
                "needs": needs})
            self.budgets[username] = officer.post("/budgets", {
                "family_id": family["id"], "allocated_pence": allocated,
                "period_start": _day(-60).isoformat(), "period_end": _day(305).isoformat(),
                "allowed_categories": categories, "auto_approve_limit_pence": limit})
            self.sign_in(username)
        self.carers()

    def carers(self):
        for username, name, council, organisation in REFERRERS:
            self.users[council + ".officer"].post("/referrers", {
                "username": username, "password": self.password, "display_name": name,
                "council": council, "organisation": organisation})
            self.sign_in(username)
        self.users["powys.officer"].request("PUT", "/councils/powys/gifted-allowance",
                                            json={"breaks_per_12_months": POWYS_GIFTS_A_YEAR})
        for username, name, needs, language, consent in CARERS:
            self.users[REFERRERS[0][0]].post("/carers", {
                "username": username, "password": self.password, "display_name": name,
                "needs": needs, "language": language, "consent_statement": consent})
            self.sign_in(username)
        for username, name, council, needs, language, consent in SELF_REFERRALS:
            self.public.post("/carers/self-referrals", {
                "username": username, "password": self.password, "display_name": name,
                "council": council, "needs": needs, "language": language,
                "consent_statement": consent})
            self.sign_in(username)

    def providers(self):
        for username, name, kind, regions, access, needs, about, offers in PROVIDERS:
            profile = self.public.post("/providers", {
                "username": username, "password": self.password, "name": name, "kind": kind,
                "regions": regions, "accessibility": access, "supports_needs": needs,
                "description": about, "contact_email": username + "@example.org"})
            if username not in PENDING:
                self.users[regions[0] + ".officer"].post(
                    "/providers/{}/approve".format(profile["id"]))
            provider = self.sign_in(username)
            for title, category, price, region, weekday, start, end, nights, places in offers:
                offer = provider.post("/offers", {
                    "title": title, "title_cy": WELSH[title], "category": category,
                    "price_pence": price, "region": region, "accessibility": access,
                    "supports_needs": needs, "description": about,
                    "description_cy": WELSH[about]})
                self.slots[title] = provider.post("/offers/{}/slots".format(offer["id"]), {
                    "pattern": {"start_date": _day(1).date().isoformat(),
                                "weekdays": [weekday], "start_time": start, "end_time": end,
                                "nights": nights, "weeks": 13, "capacity": places}})["items"]

    def book(self, family, title, week=0, places=1, gifted=False, by=None):
        """`by`: a referrer booking a gifted break for the carer `family`."""
        client = self.users[by or family]
        body = {"slot_id": self.slots[title][week]["id"], "places": places}
        if by:
            body["family_id"] = self.users[family].user_id
        elif not gifted:
            body["budget_id"] = self.budgets[family]["id"]
        booking = client.post("/bookings", body)
        return client.wait_for_booking(booking["id"], {"confirmed", "awaiting_approval",
                                                       "rejected"})

    def bookings(self):
        outcomes = []
        outcomes.append(self.book("jones.family", "Adapted climbing morning", 1, places=2))
        outcomes.append(self.book("jones.family", "Farm overnight stay", 2))
        outcomes.append(self.book("evans.family", "Quiet-hour lunch for two", 0, gifted=True))
        outcomes.append(self.book("hughes.family", "Overnight in an accessible room", 3))
        outcomes.append(self.book("hughes.family", "Carer's night away", 1, gifted=True))
        outcomes.append(self.book("lewis.carer", "Quiet-hour lunch for two", 2,
                                  by="powys.referrer"))
        # outside the plan: these wait for the officer
        outcomes.append(self.book("evans.family", "Farm overnight stay", 3))
        outcomes.append(self.book("roberts.family", "Specialist youth club", 1))
        declined = self.book("roberts.family", "Specialist youth club", 2)
        self.users["flintshire.officer"].post("/approvals/{}/decline".format(declined["id"]),
                                              {"reason": "please use the youth club budget "
                                                         "line agreed in the plan"})
        outcomes.append(self.users["roberts.family"].wait_for_booking(declined["id"],
                                                                      {"rejected"}))
        # refusals
        outcomes.append(self.book("price.family", "Evening sitting service", 0, places=2))
        outcomes.append(self.book("jones.family", "Carer's night away", 1, gifted=True))
        cancelled = self.book("jones.family", "Family weekend room", 4)
        outcomes.append(self.users["jones.family"].post(
            "/bookings/{}/cancel".format(cancelled["id"])))
        outcomes.append(self.completed())
        return outcomes

    def completed(self):
        """A break that starts in a few seconds, so that its provider can mark it delivered."""
        provider = self.users["afon.cafe"]
        offer = provider.get("/offers", params={"q": "Family Sunday lunch"})["items"][0]
        start = utcnow() + datetime.timedelta(seconds=3)
        slot = provider.post("/offers/{}/slots".format(offer["id"]), {"slots": [{
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(hours=2)).isoformat(), "capacity": 4}]})
        self.slots["now"] = slot["items"]
        booking = self.book("evans.family", "now", 0, places=3)

        def complete():
            answer = provider.request("POST", "/bookings/{}/complete".format(booking["id"]),
                                      json={}, expect=(200, 409))
            return answer.json() if answer.status_code == 200 else None
        return wait_until(complete, 30, interval=0.5, message="the break to start")


# Staycation: each family's home has what the other family's needs require
# (docs/staycation.md), so each finds the other as a two-way match.
HOMES = [  # family, title, accessibility, adaptations, address
    ("jones.family", "Level bungalow near Llandrindod Wells",
     ["wheelchair_access", "ground_floor"], ["level_access_shower", "ramp", "wet_room"],
     "4 Heol y Dderwen, Llandrindod Wells"),
    ("evans.family", "Quiet cottage with a walled garden", ["quiet_space"],
     ["blackout_blinds", "fenced_garden", "quiet_garden"], "Ty Bach, Lon Isaf, Crickhowell"),
]


def _homes(seeder):
    needs = {family[0]: family[3] for family in FAMILIES}
    for username, title, accessibility, adaptations, address in HOMES:
        family = seeder.users[username]
        family.request("PUT", "/me/swap-needs", json={"needs": needs[username],
                                                     "must_haves": []})
        seeder.users["powys.officer"].post(
            "/families/{}/swap-verification".format(family.user_id), {})
        home = family.post("/homes", {
            "title": title, "region": "powys", "sleeps": 4, "bedrooms": 2,
            "accessibility": accessibility, "adaptations": adaptations,
            "description": "A home for a family break.", "address": address})
        free = {"start_date": _day(14).date().isoformat(),
                "end_date": _day(90).date().isoformat()}
        family.request("PUT", "/homes/{}/availability".format(home["id"]),
                       json={"ranges": [free]})


def print_logins(password):
    print("Demo sign-ins (password '{}' for all of them):".format(password))
    for username, _, council in OFFICERS:
        print("  {:<20} officer of {}".format(username, council))
    for username, _, council, *_ in FAMILIES:
        print("  {:<20} family in {}".format(username, council))
    for username, _, council, organisation in REFERRERS:
        print("  {:<20} referrer of {} in {}".format(username, organisation, council))
    for username, *_ in CARERS:
        print("  {:<20} carer referred by {} (gifted breaks, no budget)".format(
            username, REFERRERS[0][0]))
    for username, _, council, *_ in SELF_REFERRALS:
        print("  {:<20} carer in {} who asked to join (to verify)".format(username, council))
    for username, _, kind, *_ in PROVIDERS:
        print("  {:<20} {} provider{}".format(username, kind.replace("_", "-"),
                                             " (pending approval)" if username in PENDING
                                             else ""))
    print("  {:<20} (password: SEIBIANT_ADMIN_PASSWORD)".format("admin"))


def seed(base_url, admin_password, password=DEMO_PASSWORD):
    """The bookings made, or None when the system was not empty."""
    seeder = Seeder(base_url, admin_password, password)
    if not seeder.is_empty():
        return None
    seeder.people()
    seeder.providers()
    bookings = seeder.bookings()
    _homes(seeder)
    print("Demo data: {} users, {} slots, {} bookings ({}).".format(
        len(seeder.users), sum(len(s) for s in seeder.slots.values()), len(bookings),
        ", ".join(sorted({b["status"] + ("/" + b["reason"] if b.get("reason") else "")
                          for b in bookings}))))
    return bookings


def main():
    address = os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000")
    admin_password = os.environ.get("SEIBIANT_ADMIN_PASSWORD")
    if not admin_password:
        sys.exit("Set SEIBIANT_ADMIN_PASSWORD (the gateway's admin password) to seed.")
    password = os.environ.get("SEIBIANT_DEMO_PASSWORD") or DEMO_PASSWORD
    if seed("http://" + address, admin_password, password) is None:
        print("Seibiant already has data; the demo seed did nothing.")
    print_logins(password)


if __name__ == "__main__":
    main()
