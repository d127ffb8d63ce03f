"""The family profile through the public API: told once, shared with a booking's provider only
by consent and only within the sharing window, every read by someone else recorded (rule 7
of docs/design.md); feedback after a completed break, once, by its family, averaged exactly.

A system of its own, whose sharing window closes 3 seconds after a break ends (so a test can
see it close), on a virtual host of its own."""
import datetime

import pytest

from gateway.client import ApiError
from devtools.processes import wait_until

from .conftest import fresh_vhost, start_system, stop_system
from .world import World

WINDOW_SECONDS = 3


@pytest.fixture(scope="module")
def world(rabbitmq, tmp_path_factory):
    with fresh_vhost() as amqp_uri:
        system = start_system(amqp_uri, tmp_path_factory.mktemp("profiles"),
                              PROFILE_SHARING_DAYS=WINDOW_SECONDS / 86400)
        try:
            world = World(system.api.base_url)
            world.family.request("PUT", "/me/profile", json=PROFILE)
            yield world
        finally:
            stop_system(system)


PROFILE = {
    "people": [
        {"id": "cerys", "name": "Cerys", "relationship": "cared_for",
         "date_of_birth": "2014-03-01", "needs": ["autism", "sensory_impairment"],
         "communication": "Makaton and a picture board", "routines": "Bath before bed",
         "diet": "No gluten", "medication_notes": "Melatonin at 7pm",
         "mobility": "Walks; a buggy for long days", "likes_and_triggers": "Loves trains",
         "other": "Ask about the blue blanket"},
        {"id": "mam", "name": "Mam", "relationship": "carer", "needs": []},
    ],
    "emergency_contact": {"name": "Taid", "phone": "01597 123456",
                          "relationship": "grandfather"},
    "language": "cy",
}


def status(client, method, path, **kwargs):
    try:
        return client.request(method, path, **kwargs).status_code
    except ApiError as error:
        return error.status


def reads(world):
    return world.family.get("/me/profile/reads")["items"]


def booked(world, slot_id, budget_id, share, wait_for=("confirmed",)):
    booking = world.family.post("/bookings", {"slot_id": slot_id, "places": 1,
                                              "budget_id": budget_id, "share_profile": share})
    return world.family.wait_for_booking(booking["id"], wait_for)


def provider_reads(world, booking_id):
    """The provider's read once families has heard the booking is confirmed."""
    return wait_until(lambda: status(world.provider, "GET", "/bookings/{}/profile".format(
        booking_id)) == 200, 10, message="the provider may read")


def test_the_family_tells_its_profile_once_and_reads_it_back(world):
    profile = world.family.get("/me/profile")
    assert profile["people"][0]["communication"] == "Makaton and a picture board"
    assert profile["people"][0]["date_of_birth"] == "2014-03-01"
    assert profile["needs"] == ["autism", "sensory_impairment"]
    assert profile["emergency_contact"]["name"] == "Taid" and profile["language"] == "cy"
    # a family that told nothing reads an empty profile
    assert world.other_family.get("/me/profile")["people"] == []


@pytest.mark.parametrize("body, field", [
    ({"people": [{"name": "x" * 121}]}, "people"),
    ({"people": [{"relationship": "cousin"}]}, "people"),
    ({"people": [{"needs": ["flying"]}]}, "people"),
    ({"people": [{"communication": "a\x00b"}]}, "people"),
    ({"people": [{"id": "same"}, {"id": "same"}]}, "people"),
    ({"emergency_contact": {"phone": "call me"}}, "emergency_contact"),
    ({"hobbies": "x"}, "hobbies"),
])
def test_a_bad_profile_is_refused_naming_the_field_and_changes_nothing(world, body, field):
    with pytest.raises(ApiError) as refused:
        world.family.request("PUT", "/me/profile", json=body)
    assert refused.value.status == 422
    assert field in refused.value.response.json()["errors"]
    assert world.family.get("/me/profile")["people"][0]["name"] == "Cerys"


def test_only_the_family_and_its_councils_officers_read_the_whole_profile(world):
    path = "/families/{}/profile".format(world.family.user_id)
    before = len(reads(world))
    assert world.officer.get(path)["people"][0]["diet"] == "No gluten"
    for reader, expected in ((world.other_officer, 404), (world.admin, 403),
                             (world.other_family, 403), (world.provider, 403)):
        assert status(reader, "GET", path) == expected
    for reader in (world.officer, world.admin, world.provider, world.other_provider):
        assert status(reader, "GET", "/me/profile") == 403
        assert status(reader, "GET", "/me/profile/reads") == 403
    after = reads(world)
    assert len(after) == before + 1  # only the officer's read, the one that was answered
    assert (after[0]["reader_id"], after[0]["reader_role"], after[0]["via"]) == (
        world.officer.user_id, "officer", "council")
    assert after[0]["reader_name"] == "Officer of powys"


def test_the_provider_reads_what_was_shared_only_while_the_window_is_open(world):
    # a spend over the plan's limit waits for an officer: booked, not yet confirmed
    waiting = world.new_budget(world.officer, world.family.user_id, limit=0)
    booking = booked(world, world.slot["id"], waiting["id"],
                     {"people": ["cerys"], "sections": ["needs", "communication"]},
                     wait_for=("awaiting_approval",))
    path = "/bookings/{}/profile".format(booking["id"])
    before = len(reads(world))
    assert status(world.provider, "GET", path) == 404  # before the confirmation

    world.officer.post("/approvals/{}/approve".format(booking["id"]), {"reason": "fine"})
    provider_reads(world, booking["id"])
    shared = world.provider.get(path)
    assert shared["people"] == [{"id": "cerys", "name": "Cerys", "relationship": "cared_for",
                                 "needs": ["autism", "sensory_impairment"],
                                 "communication": "Makaton and a picture board"}]
    assert shared["emergency_contact"] is None and shared["readable"] is True
    assert shared["sections"] == ["needs", "communication"]
    # nobody else reads it by the booking, whatever their role
    for reader in (world.other_provider, world.other_family, world.officer,
                   world.other_officer, world.admin):
        assert status(reader, "GET", path) == 404
    assert world.family.get(path)["people"][0]["name"] == "Cerys"  # what it shared
    assert len(reads(world)) == before + 2  # the provider's two answered reads
    assert {(read["reader_role"], read["booking_id"]) for read in reads(world)[:2]} == {
        ("provider", booking["id"])}

    # the family withdraws: the provider's next read is 404, and no read is recorded
    for other, expected in ((world.other_family, 404), (world.provider, 403),
                            (world.officer, 403)):
        assert status(other, "DELETE", path) == expected
    assert status(world.family, "DELETE", path) == 204
    assert status(world.family, "DELETE", path) == 204  # again: nothing changes
    assert status(world.provider, "GET", path) == 404
    assert world.family.get(path)["readable"] is False
    assert len(reads(world)) == before + 2


def test_a_booking_that_shared_nothing_shares_nothing(world):
    booking = booked(world, world.other_slots[0]["id"], world.budget["id"], False)
    path = "/bookings/{}/profile".format(booking["id"])
    before = len(reads(world))
    # families hears the confirmation, and still there is nothing to read
    wait_until(lambda: status(world.family, "POST", "/bookings/{}/feedback".format(
        booking["id"]), json=FEEDBACK) == 409, 10, message="families heard the booking")
    assert status(world.provider, "GET", path) == 404
    assert status(world.family, "GET", path) == 404
    assert status(world.family, "DELETE", path) == 404
    assert len(reads(world)) == before


def test_a_bad_share_is_refused_naming_it_and_books_nothing(world):
    before = len(world.family.get("/bookings")["items"])
    for share in ({"sections": ["bank_details"]}, {"people": "cerys"}, {"everyone": True},
                  "yes"):
        with pytest.raises(ApiError) as refused:
            world.family.post("/bookings", {"slot_id": world.slot["id"], "places": 1,
                                            "budget_id": world.budget["id"],
                                            "share_profile": share})
        assert refused.value.status == 422
        assert "share_profile" in refused.value.response.json()["errors"]
    assert len(world.family.get("/bookings")["items"]) == before


FEEDBACK = {"rating": 5, "rested": 3, "comment": "Cerys loved the trains",
            "would_book_again": True}


def test_after_a_break_the_family_gives_feedback_once_and_the_provider_sees_it_averaged(world):
    now = datetime.datetime.now(datetime.timezone.utc)
    offer = world.new_offer(world.provider, "overnight_stay", 1000, "powys")
    slot = world.provider.post("/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": (now + datetime.timedelta(seconds=10)).isoformat(),
        "end": (now + datetime.timedelta(seconds=11)).isoformat(), "capacity": 5}]})["items"][0]
    bookings = [booked(world, slot["id"], world.budget["id"], True) for _ in range(5)]
    ids = [booking["id"] for booking in bookings]
    provider_reads(world, ids[0])
    first = "/bookings/{}/feedback".format(ids[0])
    assert world.family.request("POST", first, json=FEEDBACK,
                                expect=(409,)).json()["code"] == "not_completed"

    for booking_id in ids:
        wait_until(lambda booking_id=booking_id: status(
            world.provider, "POST", "/bookings/{}/complete".format(booking_id),
            json={}) == 200, 15, interval=0.2, message="the break to start")
    answer = wait_until(lambda: (lambda response: response.status_code != 409 and response)(
        world.family.request("POST", first, json=FEEDBACK, expect=(201, 409))), 10,
        message="families heard the completion")
    assert answer.status_code == 201 and answer.json()["rating"] == 5
    assert world.family.request("POST", first, json=FEEDBACK,
                                expect=(409,)).json()["code"] == "feedback_given"
    assert world.family.get(first)["comment"] == "Cerys loved the trains"
    for other, expected in ((world.other_family, 404), (world.provider, 403)):
        assert status(other, "POST", "/bookings/{}/feedback".format(ids[1]),
                      json=FEEDBACK) == expected
    with pytest.raises(ApiError) as refused:
        world.family.post("/bookings/{}/feedback".format(ids[1]), dict(FEEDBACK, rating=6))
    assert refused.value.status == 422 and "rating" in refused.value.response.json()["errors"]
    world.family.post("/bookings/{}/feedback".format(ids[1]),
                      {"rating": 4, "rested": 4, "would_book_again": False})
    world.family.post("/bookings/{}/feedback".format(ids[2]),
                      dict(FEEDBACK, rating=4, rested=4, comment="  "))

    path = "/providers/{}/feedback".format(world.provider.provider_id)
    summary = world.provider.get(path)
    assert (summary["count"], summary["average_rating"], summary["average_rested"],
            summary["would_book_again_count"]) == (3, 4.33, 3.67, 2)
    assert sorted(item["comment"] or "" for item in summary["items"]) == [
        "", "", "Cerys loved the trains"]
    assert "family" not in str(summary)  # no family named
    assert world.admin.get(path)["count"] == 3 and world.officer.get(path)["count"] == 3
    # searching families see an average once 5 families have given one
    ratings = "/feedback/ratings?provider_id={},{}".format(
        world.provider.provider_id, world.other_provider.provider_id)
    assert world.family.get(ratings)["items"] == []
    for booking_id in ids[3:]:
        world.family.post("/bookings/{}/feedback".format(booking_id),
                          {"rating": 4, "rested": 4, "would_book_again": True})
    assert world.family.get(ratings)["items"] == [{
        "provider_id": world.provider.provider_id, "count": 5, "average_rating": 4.2}]
    assert world.provider.get(path)["average_rested"] == 3.8
    assert world.other_officer.get(path)["count"] == 0  # none of their council's families
    assert status(world.other_provider, "GET", path) == 404
    assert status(world.family, "GET", path) == 403

    # you said, we did: the officer answers, the council's families see it
    world.officer.post("/feedback/responses", {"provider_id": world.provider.provider_id,
                                               "text": "We asked for quieter rooms"})
    assert [r["text"] for r in world.provider.get(path)["responses"]] == [
        "We asked for quieter rooms"]
    assert world.family.get("/feedback/responses")["items"][0]["text"] == \
        "We asked for quieter rooms"
    assert world.far_family.get("/feedback/responses")["items"] == []
    assert status(world.family, "POST", "/feedback/responses", json={"text": "x"}) == 403

    # the window closes WINDOW_SECONDS after the break ends: the provider reads no more
    profile = "/bookings/{}/profile".format(ids[0])
    wait_until(lambda: status(world.provider, "GET", profile) == 404, WINDOW_SECONDS + 10,
               interval=0.1, message="the sharing window to close")
    count = len(reads(world))
    assert status(world.provider, "GET", profile) == 404
    assert len(reads(world)) == count
