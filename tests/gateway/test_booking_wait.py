"""`GET /bookings/{id}?wait=N&status=S`: one request that answers when the booking changes,
woken by bookings' events, holding no worker while it waits."""
import itertools
import time

import eventlet
import pytest

from gateway.changes import Waiters
from devtools.processes import wait_until

from .world import World

DAYS = itertools.count(30)  # a day of its own for each slot, so no two slots clash


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def wait_for_change(client, booking_id, status, wait):
    response = client.request("GET", "/bookings/" + booking_id, expect=range(200, 600),
                              params={"wait": wait, "status": status})
    return response


def confirmed_booking(world, family=None, budget=None):
    family = family or world.family
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(next(DAYS),))[0]
    booking = world.book(family, slot["id"], (budget or world.budget)["id"])
    return family.wait_for_booking(booking["id"], {"confirmed"})


def test_one_request_after_the_post_answers_the_confirmed_booking(world):
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(next(DAYS),))[0]
    booking = world.book(world.family, slot["id"], world.budget["id"])
    assert booking["status"] == "requested"
    started = time.monotonic()
    answer = wait_for_change(world.family, booking["id"], "requested", 30)
    assert answer.status_code == 200 and answer.json()["status"] == "confirmed", answer.text
    # woken by booking_confirmed, not by the end of the 30 s
    assert time.monotonic() - started < 15


def test_a_wait_with_no_change_answers_the_booking_as_it_is_when_the_time_is_up(world):
    booking = confirmed_booking(world)
    started = time.monotonic()
    answer = wait_for_change(world.family, booking["id"], "confirmed", 1)
    assert time.monotonic() - started >= 1
    assert answer.status_code == 200 and answer.json() == booking


def test_waiting_through_an_approval_sees_each_status_in_turn(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id, limit=1000)
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(next(DAYS),))[0]
    booking = world.book(family, slot["id"], budget["id"])
    waiting = wait_for_change(family, booking["id"], "requested", 30).json()
    assert waiting["status"] == "awaiting_approval"
    pool = eventlet.GreenPool()
    decided = pool.spawn(wait_for_change, family, booking["id"], "awaiting_approval", 30)
    world.officer.post("/approvals/{}/approve".format(booking["id"]), {"reason": "fine"})
    assert decided.wait().json()["status"] == "confirmed"


def test_waiting_requests_hold_no_worker(world, live):
    """More waiting requests than the gateway has workers, and a plain read still answers
    while every one of them is waiting."""
    booking = confirmed_booking(world)
    workers = live.config["max_workers"]
    finished = []

    def wait():
        wait_for_change(world.family, booking["id"], "confirmed", 5)
        finished.append(time.monotonic())

    pool = eventlet.GreenPool(workers + 5)
    for _ in range(workers + 5):
        pool.spawn(wait)
    waiters = next(extension for container in live.containers
                   for extension in container.subextensions if isinstance(extension, Waiters))
    wait_until(lambda: len(waiters._waiting.get(booking["id"], ())) == workers + 5, 5,
               message="every request waiting at the gateway")
    plain = world.family.get("/bookings/" + booking["id"])
    answered_at = time.monotonic()
    assert plain["status"] == "confirmed"
    pool.waitall()
    assert len(finished) == workers + 5 and min(finished) > answered_at


@pytest.mark.parametrize("query, field", [
    ({"wait": "31", "status": "requested"}, "wait"),
    ({"wait": "0", "status": "requested"}, "wait"),
    ({"wait": "1.5", "status": "requested"}, "wait"),
    ({"wait": "5", "status": "pending"}, "status"),
    ({"wait": "5"}, "status"),
    ({"status": "requested"}, "wait"),
])
def test_a_malformed_wait_is_refused_naming_the_field(world, query, field):
    booking = confirmed_booking(world)
    answer = world.family.request("GET", "/bookings/" + booking["id"], params=query,
                                  expect=range(400, 500))
    assert answer.status_code == 422 and list(answer.json()["errors"]) == [field]


def test_waiting_on_someone_elses_booking_is_not_found_at_once(world):
    booking = confirmed_booking(world)
    started = time.monotonic()
    answer = wait_for_change(world.other_family, booking["id"], "confirmed", 10)
    assert answer.status_code == 404 and time.monotonic() - started < 5


# ---- POST /bookings with `Prefer: wait=N` ---------------------------------------------------

def book_waiting(family, slot_id, budget_id, prefer, key=None):
    headers = {"Prefer": prefer}
    if key:
        headers["Idempotency-Key"] = key
    return family.request("POST", "/bookings", json={"slot_id": slot_id, "places": 1,
                                                     "budget_id": budget_id},
                          headers=headers, expect=range(200, 600))


def own_bookings(family):
    return [booking["id"] for booking in family.get("/bookings", params={"limit": 100})["items"]]


def test_a_post_preferring_to_wait_answers_the_confirmed_booking_in_one_request(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id)
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(next(DAYS),))[0]
    started = time.monotonic()
    # no Idempotency-Key: the gateway's own key answers the same booking after the wait
    answer = book_waiting(family, slot["id"], budget["id"], "wait=30")
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "confirmed"
    assert answer.headers["Preference-Applied"] == "wait=30"
    assert answer.headers["Location"].endswith("/bookings/" + answer.json()["id"])
    assert time.monotonic() - started < 15  # woken by booking_confirmed
    assert own_bookings(family) == [answer.json()["id"]]  # one booking, not two
    assert family.get("/bookings/" + answer.json()["id"])["status"] == "confirmed"


def test_a_post_preferring_to_wait_answers_as_soon_as_the_booking_awaits_approval(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id, limit=1000)
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(next(DAYS),))[0]
    answer = book_waiting(family, slot["id"], budget["id"], "respond-async, wait=20",
                          key="prefer-approval")
    assert answer.json()["status"] == "awaiting_approval", answer.text
    # the same key again: the same booking as it stands, at once (it is no longer requested)
    started = time.monotonic()
    again = book_waiting(family, slot["id"], budget["id"], "wait=20", key="prefer-approval")
    assert again.json() == answer.json() and time.monotonic() - started < 5


@pytest.mark.parametrize("prefer", ["wait=soon", "wait=0", "wait=-3", "wait", "return=minimal"])
def test_a_preference_the_gateway_cannot_read_is_ignored_not_refused(world, prefer):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id)
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(next(DAYS),))[0]
    answer = book_waiting(family, slot["id"], budget["id"], prefer)
    assert answer.status_code == 202 and "Preference-Applied" not in answer.headers
    assert answer.json()["status"] == "requested"  # answered at once, as without the header


def test_a_refused_request_preferring_to_wait_is_refused_at_once(world):
    started = time.monotonic()
    answer = book_waiting(world.family, "slot-unknown", world.budget["id"], "wait=30")
    assert answer.status_code == 422 and list(answer.json()["errors"]) == ["slot_id"]
    assert time.monotonic() - started < 5 and "Preference-Applied" not in answer.headers


def test_a_change_heard_before_its_request_listens_still_wakes_it():
    """A new booking can change (booking_confirmed heard) before the POST that made it
    starts to wait for it: the waiters remember when each booking last changed."""
    waiters = Waiters()
    waiters.setup()
    before = time.monotonic()
    waiters.wake("booking-1")
    with waiters.waiting("booking-1", since=before) as changed:
        assert changed.ready()
    with waiters.waiting("booking-1", since=time.monotonic()) as changed:
        assert not changed.ready()  # a change before `since` is not this request's
        waiters.wake("booking-1")
        assert changed.ready()
    with waiters.waiting("booking-2", since=before) as changed:
        assert not changed.ready()
