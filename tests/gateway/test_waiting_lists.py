"""Waiting lists through the public API, on the live system: a family joins a full priced
slot's list, a cancellation offers it the place (a booking `offered` with its expiry), and
accepting it with a budget makes it a request confirmed through the saga. Bad input is a 422
naming the field."""
import pytest

from devtools.processes import wait_until

from .world import World

ANY = range(100, 600)  # the answer is asserted by the test


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.json()


def test_join_a_full_slot_be_offered_its_place_and_accept_it(world):
    [slot] = world.new_slots(world.provider, world.offer["id"], 1, days=(30,))
    path = "/slots/{}/waiting-list".format(slot["id"])
    booked = world.book(world.family, slot["id"], world.budget["id"])
    world.family.wait_for_booking(booked["id"], {"confirmed"})

    joined = world.other_family.request("POST", path, json={"places": 1}, expect=[201])
    assert joined.headers["Location"].endswith(path)
    assert (joined.json()["status"], joined.json()["place_in_line"]) == ("waiting", 1)
    again = world.other_family.request("POST", path, json={"places": 1}, expect=[200])
    assert again.json()["id"] == joined.json()["id"]
    # with the place free there is nothing to wait for: book it
    [free] = world.new_slots(world.provider, world.offer["id"], 2, days=(31,))
    body = problem(world.other_family.request(
        "POST", "/slots/{}/waiting-list".format(free["id"]), json={"places": 1}, expect=ANY), 409)
    assert body["code"] == "places_available"

    world.family.post("/bookings/{}/cancel".format(booked["id"]), {})
    entry = wait_until(lambda: (lambda e: e if e["status"] == "offered" else None)(
        world.other_family.get(path)), 15, message="the offer")
    assert entry["offer_expires_at"] and entry["place_in_line"] is None
    offer = world.other_family.get("/bookings/" + entry["booking_id"])
    assert (offer["status"], offer["offer_expires_at"]) == ("offered",
                                                           entry["offer_expires_at"])
    offered = world.other_family.get("/bookings", params={"status": "offered"})
    assert [item["id"] for item in offered["items"]] == [offer["id"]]

    accept = "/bookings/{}/accept".format(offer["id"])
    body = problem(world.other_family.request("POST", accept, json={}, expect=ANY), 422)
    assert "budget_id" in body["errors"]
    accepted = world.other_family.post(accept, {"budget_id": world.other_budget["id"]})
    assert accepted["status"] == "requested"
    world.other_family.wait_for_booking(offer["id"], {"confirmed"})
    assert world.other_family.get(path)["status"] == "accepted"
    body = problem(world.other_family.request("POST", accept, json={
        "budget_id": world.other_budget["id"]}, expect=ANY), 409)
    assert body["code"] == "not_offered"


@pytest.mark.parametrize("body, field", [
    ({}, "places"), ({"places": 0}, "places"), ({"places": "two"}, "places"),
    ({"places": 1.5}, "places"), ({"places": 101}, "places"),
    ({"places": 1, "family_id": ""}, "family_id"), ({"places": 1, "colour": "red"}, "colour"),
])
def test_bad_input_to_join_is_a_422_naming_the_field(world, body, field):
    path = "/slots/{}/waiting-list".format(world.slot["id"])
    response = world.family.request("POST", path, json=body, expect=ANY)
    assert field in problem(response, 422)["errors"]


def test_a_referrer_names_a_carer_of_theirs_and_bad_input_to_accept_names_its_field(world):
    path = "/slots/{}/waiting-list".format(world.slot["id"])
    for body in ({"places": 1}, {"places": 1, "family_id": world.family.user_id}):
        errors = problem(world.referrer.request("POST", path, json=body, expect=ANY), 422)["errors"]
        assert "family_id" in errors
    errors = problem(world.referrer.request("DELETE", path, expect=ANY), 422)["errors"]
    assert "family_id" in errors
    for body, field in (({"budget_id": 5}, "budget_id"), ({"colour": 1}, "colour")):
        response = world.family.request("POST", "/bookings/{}/accept".format("b" * 32),
                                        json=body, expect=ANY)
        assert field in problem(response, 422)["errors"]


@pytest.fixture(scope="module")
def carers(api):
    from .test_carers import CarersWorld
    return CarersWorld(api.base_url)


def test_a_referrer_waits_and_accepts_for_a_carer_of_their_centre_and_no_other(carers):
    slot = carers.gift_slot(capacity=1)
    path = "/slots/{}/waiting-list".format(slot["id"])
    first, mine, theirs = carers.refer(), carers.refer(), carers.refer(carers.other_centre)
    booked = carers.book(first, slot["id"], None)
    carers.settled(first, booked)
    # another centre's carer is not the referrer's to put on a list, nor to look at
    errors = problem(carers.referrer.request("POST", path, json={
        "places": 1, "family_id": theirs.user_id}, expect=ANY), 422)["errors"]
    assert "family_id" in errors
    joined = carers.referrer.request("POST", path, json={
        "places": 1, "family_id": mine.user_id}, expect=[201]).json()
    assert (joined["family_id"], joined["place_in_line"]) == (mine.user_id, 1)
    carers.other_centre.request("GET", path, params={"family_id": mine.user_id},
                                expect=[422])
    assert mine.get(path)["id"] == joined["id"]  # the carer sees it too

    first.post("/bookings/{}/cancel".format(booked["id"]), {})
    entry = wait_until(lambda: (lambda e: e if e["status"] == "offered" else None)(
        carers.referrer.get(path, params={"family_id": mine.user_id})), 15,
        message="the offer")
    offer = carers.referrer.get("/bookings/" + entry["booking_id"])
    assert (offer["status"], offer["budget_id"]) == ("offered", None)
    carers.other_centre.request("POST", "/bookings/{}/accept".format(offer["id"]), json={},
                                expect=[404])
    accepted = carers.referrer.post("/bookings/{}/accept".format(offer["id"]), {})
    assert accepted["status"] == "requested"
    assert mine.wait_for_booking(offer["id"], {"confirmed", "rejected"})["status"] == \
        "confirmed"
