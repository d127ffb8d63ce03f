"""Referrers and carers through the public API, on the live system: a carers'
centre refers carers and books gifted breaks for them, carers ask to join and are verified,
and each council's gifted allowance is a fair share (given back when a gift is undone)."""
import uuid

import pytest

from gateway.client import ApiError

from .world import PASSWORD, World, unique

ORGANISATION, OTHER_ORGANISATION = "Carers Trust Powys", "Credu"


class CarersWorld(World):
    """The gateway world, plus a council of its own (so that its allowance is this module's)
    with referrers of two centres, a referrer of another council, and gifted slots."""

    def __init__(self, base_url):
        super().__init__(base_url)
        self.council = "carers-" + uuid.uuid4().hex[:8]
        self.council_officer = self.new_officer(self.council)
        self.referrer = self.new_referrer(self.council_officer, self.council, ORGANISATION)
        self.colleague = self.new_referrer(self.admin, self.council, ORGANISATION)
        self.other_centre = self.new_referrer(self.admin, self.council, OTHER_ORGANISATION)
        self.far_referrer = self.new_referrer(self.admin, "powys", ORGANISATION)
        self.gift_provider = self.new_provider([self.council], approve_by=self.council_officer)
        self.gift = self.new_offer(self.gift_provider, "hospitality_meal", 0, self.council)
        self.priced = self.new_offer(self.gift_provider, "hospitality_meal", 900, self.council)
        self.priced_slot = self.new_slots(self.gift_provider, self.priced["id"], 5)[0]

    def refer(self, referrer=None):
        username = unique("carer")
        carer = (referrer or self.referrer).post("/carers", {
            "username": username, "password": PASSWORD, "display_name": "Carer " + username,
            "needs": ["dementia"], "language": "cy",
            "consent_statement": "Agreed on the phone to share their name and needs."})
        client = self.anonymous.signed_in(username, PASSWORD)
        client.record = carer
        return client

    def gift_slot(self, capacity=5):
        """A new slot of the gifted offer (a day of its own: an offer's slots start apart)."""
        self.days = getattr(self, "days", 9) + 1
        return self.new_slots(self.gift_provider, self.gift["id"], capacity,
                              days=(self.days,))[0]

    def settled(self, client, booking):
        return client.wait_for_booking(booking["id"], {"confirmed", "rejected"})


@pytest.fixture(scope="module")
def world(api):
    return CarersWorld(api.base_url)


def ids(page):
    return {item["id"] for item in page["items"]}


def test_a_referrer_refers_a_carer_who_is_a_family_of_the_council_with_the_consent_recorded(
        world):
    carer = world.refer()
    record = carer.record
    assert (record["role"], record["council"], record["language"]) == (
        "family", world.council, "cy")
    assert record["referred_by"] == world.referrer.user_id
    assert record["verified_by"] == world.referrer.user_id and record["verified_at"]
    assert record["consent_statement"].startswith("Agreed on the phone")
    assert carer.get("/me")["role"] == "family"
    # the centre's carers: the referrer's and a colleague's; no other centre's or council's
    assert carer.user_id in ids(world.referrer.get("/carers"))
    assert carer.user_id in ids(world.colleague.get("/carers"))
    assert carer.user_id not in ids(world.other_centre.get("/carers"))
    assert carer.user_id not in ids(world.far_referrer.get("/carers"))
    # the council's officer sees the family among theirs, and may give it a budget later
    assert carer.user_id in ids(world.council_officer.get("/families"))


def test_an_officer_makes_referrers_of_their_own_council_only(world):
    body = {"username": unique("referrer"), "password": PASSWORD, "display_name": "R",
            "council": "powys", "organisation": ORGANISATION}
    refused = world.council_officer.request("POST", "/referrers", json=body, expect=[403])
    assert refused.json()["status"] == 403
    made = world.officer.post("/referrers", body)
    assert (made["role"], made["council"], made["organisation"]) == (
        "referrer", "powys", ORGANISATION)
    taken = world.admin.request("POST", "/referrers", json=body, expect=[409])
    assert taken.json()["code"] == "username_unavailable"


def test_a_referral_without_consent_is_refused_naming_the_field(world):
    response = world.referrer.request("POST", "/carers", json={
        "username": unique("carer"), "password": PASSWORD, "display_name": "C"},
        expect=[422])
    assert "consent_statement" in response.json()["errors"]


def self_referral(world, username=None, council=None):
    return {"username": username or unique("self"), "password": "another-password-1",
            "display_name": "Asked to join", "council": council or world.council,
            "consent_statement": "I agree that the carers' centre may contact me."}


def test_a_self_referral_is_verified_by_a_referrer_of_the_council_before_the_carer_books(
        world):
    body = self_referral(world)
    answer = world.anonymous.request("POST", "/carers/self-referrals", json=body,
                                     expect=[202]).json()
    assert answer == {"status": "awaiting_verification", "council": world.council}
    carer = world.anonymous.signed_in(body["username"], body["password"])
    slot = world.gift_slot()
    refused = carer.request("POST", "/bookings", json={"slot_id": slot["id"], "places": 1},
                            expect=[403])
    assert refused.json()["code"] == "not_verified"
    # waiting for any referrer of the council; no one else's
    assert carer.user_id in ids(world.other_centre.get("/carers/self-referrals"))
    assert carer.user_id not in ids(world.far_referrer.get("/carers/self-referrals"))
    assert carer.user_id not in ids(world.referrer.get("/carers"))
    path = "/carers/{}/verify".format(carer.user_id)
    world.far_referrer.request("POST", path, expect=[404])
    verified = world.referrer.post(path)
    assert verified["verified_by"] == world.referrer.user_id
    assert verified["referred_by"] is None
    assert world.colleague.request("POST", path, expect=[409]).json()["code"] == \
        "already_verified"
    world.other_centre.request("POST", path, expect=[404])  # not theirs to know of now
    assert carer.user_id in ids(world.referrer.get("/carers"))
    assert carer.user_id not in ids(world.referrer.get("/carers/self-referrals"))
    booking = world.settled(carer, world.book(carer, slot["id"], None))
    assert booking["status"] == "confirmed"


def test_a_self_referral_under_a_taken_username_answers_the_same_and_stores_nothing(world):
    carer = world.refer()
    taken = self_referral(world, username=carer.get("/me")["username"])
    answer = world.anonymous.request("POST", "/carers/self-referrals", json=taken,
                                     expect=[202]).json()
    assert answer == {"status": "awaiting_verification", "council": world.council}
    with pytest.raises(ApiError) as refused:
        world.anonymous.signed_in(taken["username"], taken["password"])
    assert refused.value.status == 401
    assert carer.get("/me")["role"] == "family"  # the first owner is untouched
    assert not [item for item in world.referrer.get("/carers/self-referrals")["items"]
                if item["username"] == taken["username"]]


def test_a_referrer_books_a_gifted_break_for_their_carer_and_sees_it_but_nothing_of_budgets(
        world):
    carer = world.refer(world.colleague)
    world.new_budget(world.council_officer, carer.user_id, categories=("hospitality_meal",))
    slot = world.gift_slot()
    booking = world.referrer.post("/bookings", {"slot_id": slot["id"], "places": 1,
                                                "family_id": carer.user_id})
    assert (booking["family_id"], booking["booked_by"]) == (
        carer.user_id, world.referrer.user_id)
    assert world.referrer.wait_for_booking(booking["id"], {"confirmed"})["budget_id"] is None
    assert booking["id"] in ids(world.referrer.get("/bookings"))
    assert booking["id"] in ids(carer.get("/bookings"))  # the carer's own booking
    for stranger in (world.other_centre, world.far_referrer):
        stranger.request("GET", "/bookings/" + booking["id"], expect=[404])
        assert booking["id"] not in ids(stranger.get("/bookings"))
    # a priced break, someone else's carer, a budget: refused, naming the field
    for body, field in (
            ({"slot_id": world.priced_slot["id"], "family_id": carer.user_id}, "slot_id"),
            ({"slot_id": slot["id"], "family_id": world.family.user_id}, "family_id"),
            ({"slot_id": slot["id"]}, "family_id"),
            ({"slot_id": slot["id"], "family_id": carer.user_id, "budget_id": "b"},
             "budget_id")):
        refused = world.referrer.request("POST", "/bookings", json=dict(body, places=1),
                                         expect=[422])
        assert field in refused.json()["errors"], refused.text
    budgets = world.referrer.request("GET", "/budgets", expect=[403])
    assert budgets.status_code == 403


def test_the_allowance_is_a_fair_share_given_back_when_a_gift_is_cancelled_or_rejected(
        world):
    path = "/councils/{}/gifted-allowance".format(world.council)
    for stranger, status in ((world.other_officer, 404), (world.family, 403),
                             (world.referrer, 403)):
        stranger.request("PUT", path, json={"breaks_per_12_months": 5}, expect=[status])
    bad = world.council_officer.request("PUT", path, json={"breaks_per_12_months": -1},
                                        expect=[422])
    assert "breaks_per_12_months" in bad.json()["errors"]
    set_to = world.council_officer.request("PUT", path, json={"breaks_per_12_months": 1})
    assert set_to.json() == {"council": world.council, "breaks_per_12_months": 1}

    carer = world.refer()
    assert carer.get("/gifted-allowance") == {
        "council": world.council, "breaks_per_12_months": 1, "used": 0, "left": 1}
    first = world.settled(carer, world.book(carer, world.gift_slot()["id"], None))
    assert first["status"] == "confirmed"
    assert carer.get("/gifted-allowance")["left"] == 0
    assert world.referrer.get("/gifted-allowance",
                              params={"family_id": carer.user_id})["used"] == 1
    second = world.settled(carer, world.book(carer, world.gift_slot()["id"], None))
    assert (second["status"], second["reason"]) == ("rejected", "allowance_used")

    # cancelled: given back
    carer.post("/bookings/{}/cancel".format(first["id"]))
    assert carer.get("/gifted-allowance")["left"] == 1
    # rejected (sold out): given back too
    full = world.gift_slot(capacity=1)
    taker = world.refer()
    assert world.settled(taker, world.book(taker, full["id"], None))["status"] == "confirmed"
    sold_out = world.settled(carer, world.book(carer, full["id"], None))
    assert sold_out["reason"] == "sold_out"
    third = world.settled(carer, world.book(carer, world.gift_slot()["id"], None))
    assert third["status"] == "confirmed"
    assert carer.get("/gifted-allowance")["left"] == 0


def test_who_may_see_a_carers_gifted_allowance(world):
    carer = world.refer()
    for stranger in (world.other_centre, world.far_referrer):
        refused = stranger.request("GET", "/gifted-allowance",
                                   params={"family_id": carer.user_id}, expect=[422])
        assert "family_id" in refused.json()["errors"]
    for role in (world.officer, world.provider, world.admin):
        role.request("GET", "/gifted-allowance", expect=[403])


# ---- every new route by every role ----------------------------------------------------

ROLES = ("anonymous", "admin", "officer", "council_officer", "family", "provider",
         "referrer", "colleague", "other_centre", "far_referrer")


def test_every_new_route_by_every_role_leaks_nothing(world, api):
    carer = world.refer()
    booking = world.referrer.post("/bookings", {"slot_id": world.gift_slot()["id"],
                                                "places": 1, "family_id": carer.user_id})
    new_carer = {"username": unique("carer"), "password": PASSWORD, "display_name": "C",
                 "consent_statement": "yes"}
    allowance = "/councils/{}/gifted-allowance".format(world.council)
    # (method, path, body, {role: status}); 2 = any 2xx; roles not named: 403
    routes = [
        ("POST", "/referrers", lambda: {"username": unique("r"), "password": PASSWORD,
                                        "display_name": "R", "council": world.council,
                                        "organisation": "X"},
         {"anonymous": 401, "admin": 2, "council_officer": 2}),
        ("POST", "/carers", lambda: dict(new_carer, username=unique("carer")),
         {"anonymous": 401, "referrer": 2, "colleague": 2, "other_centre": 2,
          "far_referrer": 2}),
        ("GET", "/carers", None, {"anonymous": 401, "referrer": 2, "colleague": 2,
                                  "other_centre": 2, "far_referrer": 2}),
        ("GET", "/carers/self-referrals", None,
         {"anonymous": 401, "referrer": 2, "colleague": 2, "other_centre": 2,
          "far_referrer": 2}),
        ("POST", "/carers/{}/verify".format(carer.user_id), None,
         {"anonymous": 401, "referrer": 409, "colleague": 409, "other_centre": 404,
          "far_referrer": 404}),
        ("PUT", allowance, {"breaks_per_12_months": 3},
         {"anonymous": 401, "council_officer": 2, "officer": 404}),
        ("GET", "/gifted-allowance?family_id=" + carer.user_id, None,
         {"anonymous": 401, "family": 422, "referrer": 2, "colleague": 2,
          "other_centre": 422, "far_referrer": 422}),
        ("GET", "/users/" + carer.user_id, None,
         {"anonymous": 401, "admin": 2, "council_officer": 2, "referrer": 2, "colleague": 2,
          "officer": 404, "family": 404, "provider": 404, "other_centre": 404,
          "far_referrer": 404}),
        ("GET", "/bookings/" + booking["id"], None,
         {"anonymous": 401, "referrer": 2, "colleague": 2, "other_centre": 404,
          "far_referrer": 404, "officer": 404, "council_officer": 2, "family": 404,
          "provider": 404}),
    ]
    clients = {role: getattr(world, role) for role in ROLES if role != "anonymous"}
    wrong = []
    for method, path, body, expected in routes:
        for role in ROLES:
            payload = body() if callable(body) else body
            if role == "anonymous":
                response = api.call(method, path, json=payload)
            else:
                response = clients[role].request(method, path, json=payload,
                                                 expect=range(100, 600))
            want = expected.get(role, 403)
            status = response.status_code
            if not (200 <= status < 300 if want == 2 else status == want):
                wrong.append("{} {} as {}: {} (wanted {}) {}".format(
                    method, path, role, status, want, response.text[:160]))
            elif status < 300 and role not in ("admin", "officer", "council_officer"):
                # no answer to a referrer names a budget
                assert "budget_id" not in response.json() or \
                    response.json()["budget_id"] is None
    assert not wrong, "\n".join(wrong)
