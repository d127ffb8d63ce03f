"""Every endpoint by every role, and without a token: a missing or bad token is 401, a role
that may not do it 403, and a thing that is not the caller's 404 (another family's budget,
another provider's offer, another council's booking)."""
import pytest

from .world import PASSWORD, World, unique

ROLES = ("anonymous", "bad_token", "admin", "officer", "other_officer", "family",
         "other_family", "provider", "other_provider", "referrer")
SIGNED_IN = ROLES[2:]
REFUSED = (401, 403, 404)  # the answers about who is asking


def expect(default, **by_role):
    """401 without a token whatever the endpoint; `default` for roles not named."""
    table = {"anonymous": 401, "bad_token": 401}
    table.update({role: default for role in SIGNED_IN})
    table.update(by_role)
    return table


@pytest.fixture(scope="module")
def world(api):
    world = World(api.base_url)
    world.booking = world.book(world.family, world.slot["id"], world.budget["id"])
    world.family.wait_for_booking(world.booking["id"], {"confirmed"})
    world.to_cancel = world.book(world.family, world.slot["id"], world.budget["id"])
    world.family.wait_for_booking(world.to_cancel["id"], {"confirmed"})
    # a gifted slot given by ballot, whose applications close long after the test
    gift = world.new_offer(world.provider, "hospitality_meal", 0, "powys")
    world.ballot_slot = world.provider.post("/offers/{}/slots".format(gift["id"]), {"slots": [{
        "start": "2098-01-02T10:00:00Z", "end": "2098-01-02T12:00:00Z", "capacity": 2,
        "allocation": "ballot", "applications_close_at": "2098-01-01T10:00:00Z"}]})["items"][0]
    return world


def new_account():
    return {"username": unique("user"), "password": PASSWORD, "display_name": "Someone"}


def matrix(w):
    B, K, O = w.budget["id"], w.booking["id"], w.offer["id"]
    P, P2, C = w.provider.provider_id, w.pending_provider.provider_id, w.to_cancel["id"]
    slots = {"slots": [{"start": "2031-01-01T10:00:00Z", "end": "2031-01-01T12:00:00Z",
                        "capacity": 1}]}
    offer = {"title": "Tea", "category": "hospitality_meal", "price_pence": 0,
             "region": "powys"}
    budget = {"family_id": w.family.user_id, "allocated_pence": 1000,
              "period_start": "2030-01-01T00:00:00Z", "period_end": "2030-12-31T00:00:00Z",
              "allowed_categories": ["hospitality_meal"], "auto_approve_limit_pence": 0}
    # What each role gets, exactly: the refusals about who is asking (401, 403, 404), and what
    # the allowed roles get (their success, or the 409 or 422 of the thing's state).
    officers = dict(officer=200, other_officer=200)
    return [
        ("GET", "/me", None, expect(200)),
        ("PATCH", "/me", {"language": "en"}, expect(200)),
        ("POST", "/officers", lambda: dict(new_account(), council="powys"),
         expect(403, admin=201)),
        ("POST", "/families", new_account, expect(403, officer=201, other_officer=201)),
        ("GET", "/families", None, expect(403, **officers)),
        ("GET", "/users/" + w.family.user_id, None,
         expect(404, admin=200, officer=200, family=200)),
        ("POST", "/budgets", budget, expect(403, officer=201, other_officer=422)),
        ("GET", "/budgets/" + B, None,
         expect(404, admin=403, provider=403, other_provider=403, referrer=403, officer=200,
                family=200)),
        ("GET", "/budgets/{}/statement".format(B), None,
         expect(404, admin=403, provider=403, other_provider=403, referrer=403, officer=200,
                family=200)),
        ("GET", "/budgets", None, expect(200, admin=403, provider=403, other_provider=403,
                                         referrer=403)),
        ("GET", "/providers", None, expect(403, **officers)),
        ("GET", "/providers/" + P, None, expect(200)),
        ("GET", "/providers/{}/offers".format(P), None,
         expect(403, admin=200, officer=200, other_officer=404, provider=200,
                other_provider=404)),
        ("POST", "/providers/{}/approve".format(P2), {},
         expect(403, officer=200, other_officer=404)),
        # the other provider serves none of the offer's regions
        ("POST", "/offers", offer, expect(403, provider=201, other_provider=422)),
        ("POST", "/offers/{}/slots".format(O), slots,
         expect(403, provider=201, other_provider=404)),
        ("GET", "/offers", None, expect(200)),
        ("GET", "/offers/" + O, None, expect(200)),
        # a request is accepted whoever's budget it names: the saga refuses it later
        ("POST", "/bookings", {"slot_id": w.other_slot["id"], "places": 1,
                               "budget_id": w.other_budget["id"]},
         expect(403, family=202, other_family=202, referrer=422)),  # for no carer of theirs
        ("GET", "/bookings/" + K, None,
         expect(404, admin=403, officer=200, family=200, provider=200)),
        ("GET", "/bookings", None, expect(200, admin=403)),
        # the break has not started
        ("POST", "/bookings/{}/complete".format(K), {},
         expect(403, provider=409, other_provider=404)),
        ("GET", "/approvals", None, expect(403, **officers)),
        # the booking was confirmed without asking: there is no spend to decide
        ("POST", "/approvals/{}/approve".format(K), {},
         expect(403, officer=409, other_officer=404)),
        ("POST", "/approvals/{}/decline".format(K), {"reason": "no"},
         expect(403, officer=409, other_officer=404)),
        # the family profile (rule 7): the family's alone, its council's officers', and a
        # booking's provider's only when shared (this booking shared nothing)
        ("GET", "/me/profile", None, expect(403, family=200, other_family=200)),
        ("PUT", "/me/profile", {"people": [{"name": "Cerys"}]},
         expect(403, family=200, other_family=200)),
        ("GET", "/me/profile/reads", None, expect(403, family=200, other_family=200)),
        ("GET", "/families/{}/profile".format(w.family.user_id), None,
         expect(403, officer=200, other_officer=404)),
        ("GET", "/bookings/{}/profile".format(K), None, expect(404)),
        ("DELETE", "/bookings/{}/profile".format(K), None,
         expect(403, family=404, other_family=404)),
        # not completed: the family's is a 409 `not_completed`
        ("POST", "/bookings/{}/feedback".format(K), {"rating": 4, "rested": 4,
                                                     "would_book_again": True},
         expect(403, family=409, other_family=404)),
        ("GET", "/bookings/{}/feedback".format(K), None,
         expect(403, family=404, other_family=404)),
        ("GET", "/providers/{}/feedback".format(P), None,
         expect(200, family=403, other_family=403, referrer=403, other_provider=404)),
        ("POST", "/feedback/responses", {"text": "We listened"},
         expect(403, officer=201, other_officer=201)),
        ("GET", "/feedback/responses", None,
         expect(403, family=200, other_family=200, **officers)),
        # waiting lists: the slot has 1 place left, so it is full for 2; a referrer must
        # name a carer of theirs (422 on family_id); only an offer is accepted (409)
        ("POST", "/slots/{}/waiting-list".format(w.slot["id"]), {"places": 2},
         expect(403, family=201, other_family=201, referrer=422)),
        ("GET", "/slots/{}/waiting-list".format(w.slot["id"]), None,
         expect(403, family=200, other_family=200, referrer=422)),
        ("DELETE", "/slots/{}/waiting-list".format(w.slot["id"]), None,
         expect(403, family=204, other_family=204, referrer=422)),
        ("POST", "/bookings/{}/accept".format(K), {},
         expect(403, family=409, other_family=404, referrer=404)),
        # what a donor gave: the provider, its councils' officers and referrers, an admin
        ("GET", "/providers/{}/impact".format(P), None,
         expect(200, family=403, other_family=403, other_officer=404, other_provider=404)),
        # a ballot: families apply and withdraw; its record is the provider's, officers',
        # referrers', admins' and its entrants' (both families applied before it is read)
        # (a referrer applies naming a carer of their centre: naming none is 422)
        ("POST", "/slots/{}/applications".format(w.ballot_slot["id"]), {"places": 1},
         expect(403, family=201, other_family=201, referrer=422)),
        ("GET", "/slots/{}/ballot".format(w.ballot_slot["id"]), None,
         expect(200, other_provider=404)),
        ("DELETE", "/slots/{}/applications".format(w.ballot_slot["id"]), None,
         expect(403, family=204, other_family=204, referrer=422)),
        # last: the allowed calls change the booking (the family cancels it first)
        ("POST", "/bookings/{}/cancel".format(C), {},
         expect(403, other_family=404, other_provider=404, family=200, provider=409)),
    ]


def test_every_endpoint_by_every_role(world, api):
    clients = {
        "admin": world.admin, "officer": world.officer, "other_officer": world.other_officer,
        "family": world.family, "other_family": world.other_family,
        "provider": world.provider, "other_provider": world.other_provider,
        "referrer": world.referrer,
    }
    wrong = []
    calls = 0
    for method, path, body, expected in matrix(world):
        # the allowed roles last, so that a refused call always meets the thing unchanged
        for role in sorted(ROLES, key=lambda role: expected[role] not in REFUSED):
            payload = body() if callable(body) else body
            if role in clients:
                response = clients[role].request(method, path, json=payload,
                                                 expect=range(100, 600))
            else:
                token = "not.a.token" if role == "bad_token" else None
                response = api.call(method, path, token=token, json=payload)
            calls += 1
            status = response.status_code
            want = expected[role]
            if status != want:
                wrong.append("{} {} as {}: {} (wanted {}) {}".format(
                    method, path, role, status, want, response.text[:200]))
            if status >= 400:
                assert response.headers["Content-Type"] == "application/problem+json"
    assert not wrong, "\n".join(wrong)
    assert calls == len(matrix(world)) * len(ROLES)


def test_public_operations_need_no_token(api):
    assert api.get("/health").status_code == 200
    assert api.get("/openapi.json").status_code == 200
    assert api.get("/docs").status_code == 200
    assert api.post("/auth/token", json={"username": "nobody", "password": "x"}
                    ).status_code == 401
