"""Staycation over real HTTP against the live services: two verified families list adapted
homes, find each other as a two-way match, propose, write, agree and see each other's
address; the address appears in no other answer (every GET route, every role); their officer
lists a family's swaps, another council's finds nothing; unverified families are refused with
the reason; a role that may not is refused."""
import datetime

import pytest

from gateway.client import ApiError
from gateway.http import OPERATIONS

from .world import World

START = datetime.date.today() + datetime.timedelta(days=40)
ADDRESS = {"family": "1 Hoist Row, Llandrindod", "other_family": "2 Quiet Lane, Brecon"}


def day(offset):
    return (START + datetime.timedelta(days=offset)).isoformat()


def refused(call, status, code=None):
    with pytest.raises(ApiError) as error:
        call()
    assert error.value.status == status, error.value.response.text
    if code:
        assert error.value.response.json()["code"] == code
    return error.value.response.json()


def home(world, who, **features):
    client = getattr(world, who)
    client.request("PUT", "/me/swap-needs", json={
        "needs": ["physical_disability"] if who == "family" else ["autism"],
        "must_haves": []})
    world.verify_for_swaps(client)
    made = client.post("/homes", {"title": "Home of " + who, "region": "powys", "sleeps": 4,
                                  "bedrooms": 2, "address": ADDRESS[who], **features})
    client.request("PUT", "/homes/{}/availability".format(made["id"]), json={
        "ranges": [{"start_date": day(0), "end_date": day(30)}]})
    return made


@pytest.fixture(scope="module")
def world(api):
    world = World(api.base_url)
    world.home = home(world, "family", accessibility=["quiet_space"],
                      adaptations=["blackout_blinds"])
    world.other_home = home(world, "other_family", accessibility=["wheelchair_access"],
                            adaptations=["level_access_shower", "hoist"])
    return world


def test_unverified_families_are_refused_with_the_reason(world):
    answer = refused(lambda: world.far_family.post("/homes", {
        "title": "Mine", "region": "flintshire", "sleeps": 2, "bedrooms": 1,
        "address": "3 Far Road"}), 409, "not_verified")
    assert "verified for swaps" in answer["detail"]
    # a family asks whether it is verified (the pages say so before offering to list)
    assert world.far_family.get("/me/swap-verification")["verified"] is False
    mine = world.family.get("/me/swap-verification")
    assert mine["verified"] is True and mine["verified_by_role"] == "officer"
    # an officer of another council may not verify a family
    refused(lambda: world.other_officer.post(
        "/families/{}/swap-verification".format(world.family.user_id), {}), 409)
    refused(lambda: world.provider.post(
        "/families/{}/swap-verification".format(world.family.user_id), {}), 403)


def test_the_journey_and_the_address_only_for_the_agreed_partner(world):
    found = world.family.get("/homes/matches", params={
        "home_id": world.home["id"], "from": day(0), "to": day(10)})["items"]
    assert found[0]["home"]["id"] == world.other_home["id"]
    assert found[0]["match"] == {
        "score": 100, "two_way": True, "fits_you": ["level_access_shower", "wheelchair_access"],
        "you_fit_them": ["blackout_blinds", "quiet_space"], "missing": []}
    back = world.other_family.get("/homes/matches", params={
        "home_id": world.other_home["id"], "from": day(0), "to": day(10)})["items"]
    assert back[0]["home"]["id"] == world.home["id"]

    swap = world.family.post("/swaps", {
        "my_home_id": world.home["id"], "their_home_id": world.other_home["id"],
        "my_stay": {"start_date": day(2), "end_date": day(5)},
        "their_stay": {"start_date": day(2), "end_date": day(5)}})
    assert swap["status"] == "proposed"
    path = "/swaps/" + swap["id"]
    world.other_family.post(path + "/messages", {"text": "Is there a hoist?"})
    world.family.post(path + "/messages", {"text": "Yes, a ceiling track."})
    assert [m["text"] for m in world.other_family.get(path + "/messages")["items"]] == [
        "Is there a hoist?", "Yes, a ceiling track."]
    refused(lambda: world.family.post(path + "/accept", {}), 409, "not_partner")
    agreed = world.other_family.post(path + "/accept", {})
    assert agreed["status"] == "agreed"
    assert agreed["partner"]["address"] == ADDRESS["family"]
    assert world.family.get(path)["partner"]["address"] == ADDRESS["other_family"]

    # Every GET route of staycation, by every role: where each address appears.
    gets = ["/homes", "/homes/" + world.home["id"], "/homes/" + world.other_home["id"],
            "/homes/{}/reviews".format(world.home["id"]), "/swaps", path, path + "/messages",
            path + "/safeguarding-messages?reason=check",
            "/homes/matches?home_id={}&from={}&to={}".format(world.home["id"], day(0), day(9)),
            "/families/{}/swap-verification".format(world.family.user_id),
            "/families/{}/swaps".format(world.family.user_id), "/me/swap-verification"]
    seen = set()
    for role in ("admin", "officer", "other_officer", "family", "other_family", "far_family",
                 "provider", "referrer", "anonymous"):
        client = getattr(world, role)
        for route in gets:
            text = client.request("GET", route, expect=range(200, 600)).text
            for owner, address in ADDRESS.items():
                if address in text:
                    seen.add((role, route, owner))
    assert seen == {
        ("family", "/homes", "family"), ("family", "/homes/" + world.home["id"], "family"),
        ("other_family", "/homes", "other_family"),
        ("other_family", "/homes/" + world.other_home["id"], "other_family"),
        ("family", "/swaps", "other_family"), ("family", path, "other_family"),
        ("other_family", "/swaps", "family"), ("other_family", path, "family")}


def test_an_officer_lists_a_familys_swaps_and_another_councils_officer_finds_nothing(world):
    """After the journey: the family's agreed swap, for its officer, with no message,
    address or contact; another council's officer, and a referrer who does not know the
    family, are answered 404."""
    path = "/families/{}/swaps".format(world.family.user_id)
    [swap] = world.officer.get(path)["items"]
    assert set(swap) == {"id", "status", "family_stay", "guest_stay", "proposed_at"}
    assert swap["status"] == "agreed"
    assert swap["family_stay"] == {"start_date": day(2), "end_date": day(5)}
    assert world.officer.get("/families/{}/swaps".format(world.other_family.user_id))[
        "items"][0]["id"] == swap["id"]
    assert world.officer.get(path, params={"limit": 1})["next_cursor"] is None
    for stranger in (world.other_officer, world.referrer):
        assert refused(lambda: stranger.get(path), 404)["status"] == 404
    refused(lambda: world.family.get(path), 403)
    refused(lambda: world.officer.get(path, params={"cursor": "nonsense"}), 422)


def test_who_may_call_the_staycation_routes(world):
    home_id = world.home["id"]
    for client, method, route, status in [
            (world.anonymous, "GET", "/homes", 401),
            (world.officer, "POST", "/homes", 403),
            (world.provider, "GET", "/homes/" + home_id, 403),
            (world.provider, "GET", "/swaps", 403),
            (world.admin, "PUT", "/me/swap-needs", 403),
            (world.family, "POST", "/families/x/swap-verification", 403),
            (world.other_family, "PATCH", "/homes/" + home_id, 404),
            (world.far_family, "GET", "/homes/" + home_id, 404),
            (world.family, "GET", "/homes/matches?home_id={}&from=x&to={}".format(
                home_id, day(3)), 422),
            (world.family, "GET", "/swaps?cursor=nonsense", 422)]:
        answer = client.request(method, route, json={} if method != "GET" else None,
                                expect=range(200, 600))
        assert answer.status_code == status, (method, route, answer.text)


STAYCATION = [op for op in OPERATIONS if op.tag == "staycation"]


def test_every_staycation_route_refuses_the_roles_it_does_not_name(world):
    """The matrix of every staycation route by role: no token 401, a role the route does not
    name 403 (what is not the caller's is 404: test_who_may_call_the_staycation_routes).
    Last of the module: it withdraws the home and the family's verification."""
    assert len(STAYCATION) == 25
    ids = {"family_id": world.family.user_id, "home_id": world.home["id"],
           "swap_id": "no-such-swap"}
    clients = {"admin": world.admin, "officer": world.officer, "family": world.family,
               "provider": world.provider, "referrer": world.referrer}
    for operation in STAYCATION:
        path = operation.path
        for name, value in ids.items():
            path = path.replace("<{}>".format(name), value)
        body = {} if operation.method in ("POST", "PUT", "PATCH") else None
        for role, client in dict(clients, anonymous=world.anonymous).items():
            status = client.request(operation.method, path, json=body,
                                    expect=range(200, 600)).status_code
            if role == "anonymous":
                assert status == 401, (operation.method, path)
            elif role not in operation.roles:
                assert status == 403, (role, operation.method, path)
            else:
                assert status not in (401, 403, 500), (role, operation.method, path, status)
