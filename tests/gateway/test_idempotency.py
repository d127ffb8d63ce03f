"""Idempotency-Key on POSTs: the same key from the same user with the same body answers the
same and creates nothing new; with another body, 409."""
import eventlet
import pytest
import requests
import sqlalchemy as sa

from gateway.client import ApiError, Client
from gateway.service import GatewayService
from devtools.processes import wait_until
from devtools.sandbox import free_port

from .conftest import ADMIN_PASSWORD, TOKEN_SECRET
from .world import PASSWORD, World, unique


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def test_a_repeated_booking_request_is_the_same_booking(world):
    key = unique("key")
    first = world.book(world.family, world.slot["id"], world.budget["id"], key=key)
    again = world.family.request("POST", "/bookings", headers={"Idempotency-Key": key},
                                 json={"slot_id": world.slot["id"], "places": 1,
                                       "budget_id": world.budget["id"]})
    assert again.status_code == 202 and again.json()["id"] == first["id"]
    assert again.headers["Location"] == "/api/v1/bookings/" + first["id"]
    mine = [b["id"] for b in world.family.get("/bookings", params={"limit": 200})["items"]]
    assert mine.count(first["id"]) == 1 and len(mine) == 1

    with pytest.raises(ApiError) as clash:
        world.book(world.family, world.slot["id"], world.budget["id"], places=2, key=key)
    assert clash.value.status == 409
    assert clash.value.response.json()["code"] == "idempotency_key_reused"


def test_keys_belong_to_their_user(world):
    key = unique("shared-key")
    mine = world.book(world.family, world.slot["id"], world.budget["id"], key=key)
    theirs = world.book(world.other_family, world.slot["id"], world.other_budget["id"], key=key)
    assert mine["id"] != theirs["id"]


def test_other_posts_accept_a_key_too(world):
    key = unique("key")
    body = {"username": unique("family"), "password": PASSWORD, "display_name": "Once"}
    first = world.officer.request("POST", "/families", json=body,
                                  headers={"Idempotency-Key": key})
    again = world.officer.request("POST", "/families", json=body,
                                  headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == again.headers["Location"]
    other = dict(body, display_name="Twice")
    clash = world.officer.request("POST", "/families", json=other, expect=(409,),
                                  headers={"Idempotency-Key": key})
    assert clash.json()["code"] == "idempotency_key_reused"


def test_a_refused_request_does_not_use_up_its_key(world):
    key = unique("key")
    refused = world.family.request("POST", "/bookings", expect=(422,),
                                   headers={"Idempotency-Key": key},
                                   json={"slot_id": "no-such-slot", "places": 1,
                                         "budget_id": world.budget["id"]})
    assert "slot_id" in refused.json()["errors"]
    booking = world.book(world.family, world.slot["id"], world.budget["id"], key=key)
    assert booking["status"] == "requested"


def test_racing_requests_with_one_key_create_one_thing_on_postgresql(
        start_service, make_database_url):
    port = free_port()
    start_service(GatewayService, DATABASES={"gateway": make_database_url("postgresql", "gw")},
                  WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
                  ADMIN_PASSWORD=ADMIN_PASSWORD, PASSWORD_COST=1024)
    base_url = "http://127.0.0.1:{}".format(port)
    wait_until(lambda: requests.get(base_url + "/api/v1/openapi.json").ok, 10)
    admin = Client(base_url).signed_in("admin", ADMIN_PASSWORD)
    admin.post("/officers", {"username": "racer", "password": PASSWORD,
                             "display_name": "Racer", "council": "powys"})
    officer = Client(base_url).signed_in("racer", PASSWORD)
    body = {"username": "raced.family", "password": PASSWORD, "display_name": "Raced"}

    def post(_):
        return officer.request("POST", "/families", json=body, expect=range(100, 600),
                               headers={"Idempotency-Key": "race"})
    answers = list(eventlet.GreenPool(8).imap(post, range(8)))
    statuses = sorted(answer.status_code for answer in answers)
    created = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    assert len(created) == 1 and set(statuses) <= {201, 409}, statuses
    assert all(answer.json()["code"] == "request_in_progress"
               for answer in answers if answer.status_code == 409)
    assert [f["username"] for f in officer.get("/families")["items"]] == ["raced.family"]


def test_an_expired_key_is_swept_and_may_be_used_afresh(world, live):
    """(At the gateway: the bookings service keeps its own keys of booking requests.)"""
    key = unique("old-key")
    account = {"password": PASSWORD, "display_name": "Old"}
    world.officer.post("/families", dict(account, username=unique("first")),
                       headers={"Idempotency-Key": key})
    engine = sa.create_engine(live.config["DATABASES"]["gateway"])
    with engine.begin() as connection:  # a day and more later
        connection.execute(sa.text("UPDATE idempotency_records SET created_at = :at "
                                   "WHERE key = :key"), {"at": "2020-01-01 00:00:00", "key": key})
    world.officer.post("/families", dict(account, username=unique("second")),
                       headers={"Idempotency-Key": key})
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM idempotency_records "
                                          "WHERE created_at < '2021-01-01'")).scalar() == 0
    engine.dispose()
