"""Every endpoint over real HTTP against the live services on the real broker."""
import csv
import datetime
import io
import socket

import pytest

from gateway import schemas as s

from gateway.client import ApiError
from gateway.http import ApiServer
from gateway.service import GatewayService
from devtools.processes import wait_until

from .world import World, soon


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def test_a_provider_publishes_a_family_books_and_it_is_confirmed_within_the_rules(world):
    booking = world.book(world.family, world.slot["id"], world.budget["id"], places=2)
    assert booking["status"] == "requested"
    done = world.family.wait_for_booking(booking["id"], {"confirmed", "rejected"})
    assert done["status"] == "confirmed", done
    assert done["total_pence"] == 8000 and done["offer_id"] == world.offer["id"]
    budget = world.family.get("/budgets/" + world.budget["id"])
    assert (budget["held_pence"], budget["available_pence"]) == (8000, 192000)
    offer = world.family.get("/offers/" + world.offer["id"])
    assert [s["remaining"] for s in offer["slots"] if s["id"] == world.slot["id"]] == [1]


def test_a_spend_outside_the_plan_waits_for_the_officer_who_approves_it(world):
    family = world.new_family(world.officer)
    # an overnight stay, not in this plan, at £40, over its £10 without asking
    budget = world.new_budget(world.officer, family.user_id, limit=1000,
                              categories=("hospitality_meal",))
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(12,))[0]
    booking = world.book(family, slot["id"], budget["id"])
    waiting = family.wait_for_booking(booking["id"], {"awaiting_approval", "rejected"})
    assert waiting["status"] == "awaiting_approval", waiting
    queue = world.officer.get("/approvals")["items"]
    [item] = [item for item in queue if item["id"] == booking["id"]]
    # why it waits, and whose it is
    assert item["approval_reasons"] == ["category_not_allowed", "over_auto_approve_limit"]
    assert item["family_display_name"] == "A family"
    assert world.other_officer.get("/approvals")["items"] == []
    decision = world.officer.post("/approvals/{}/approve".format(booking["id"]),
                                  {"reason": "within the plan's spirit"})
    assert decision["booking_id"] == booking["id"] and decision["status"] == "approved"
    assert family.wait_for_booking(booking["id"], {"confirmed"})["status"] == "confirmed"


def test_a_declined_spend_is_rejected_and_its_money_released(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id, limit=0)
    slot = world.new_slots(world.provider, world.offer["id"], 5, days=(13,))[0]
    booking = world.book(family, slot["id"], budget["id"])
    assert family.wait_for_booking(booking["id"], {"awaiting_approval", "rejected"})[
        "status"] == "awaiting_approval"
    with pytest.raises(ApiError) as refused:
        world.officer.post("/approvals/{}/decline".format(booking["id"]), {})
    assert refused.value.status == 422 and "reason" in refused.value.response.json()["errors"]
    world.officer.post("/approvals/{}/decline".format(booking["id"]), {"reason": "too dear"})
    rejected = family.wait_for_booking(booking["id"], {"rejected"})
    assert rejected["reason"] == "declined"
    wait_until(lambda: family.get("/budgets/" + budget["id"])["held_pence"] == 0, 10,
               message="funds released")


def test_a_family_cancels_and_gets_places_and_money_back(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id)
    slot = world.new_slots(world.provider, world.offer["id"], 1, days=(20,))[0]
    booking = world.book(family, slot["id"], budget["id"])
    family.wait_for_booking(booking["id"], {"confirmed"})
    cancelled = family.post("/bookings/{}/cancel".format(booking["id"]))
    assert cancelled["status"] == "cancelled"
    wait_until(lambda: family.get("/budgets/" + budget["id"])["held_pence"] == 0, 10,
               message="funds released")
    wait_until(lambda: [s["remaining"] for s in world.family.get(
        "/offers/" + world.offer["id"])["slots"] if s["id"] == slot["id"]] == [1], 10,
        message="places released")


def test_a_provider_completes_a_break_that_has_started_and_the_money_is_spent(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id)
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    slot = world.provider.post("/offers/{}/slots".format(world.offer["id"]), {"slots": [{
        "start": start.isoformat(), "end": (start + datetime.timedelta(hours=3)).isoformat(),
        "capacity": 2}]})["items"][0]
    booking = world.book(family, slot["id"], budget["id"])
    family.wait_for_booking(booking["id"], {"confirmed"})

    def complete():
        response = world.provider.request(
            "POST", "/bookings/{}/complete".format(booking["id"]),
            json={"final_amount_pence": 3000},
            expect=(200, 409))
        return response.json() if response.status_code == 200 else None
    completed = wait_until(complete, 10, interval=0.2, message="the break to start")
    assert completed["status"] == "completed"
    wait_until(lambda: family.get("/budgets/" + budget["id"])["spent_pence"] == 3000, 10,
               message="funds captured")


def test_a_gifted_break_needs_no_budget_and_refusals_carry_their_reason(world):
    gift = world.new_offer(world.provider, "hospitality_meal", 0, "powys")
    gift_slot = world.new_slots(world.provider, gift["id"], 1)[0]
    booking = world.book(world.family, gift_slot["id"], None)
    assert world.family.wait_for_booking(booking["id"], {"confirmed"})["total_pence"] == 0
    sold_out = world.book(world.other_family, gift_slot["id"], None)
    assert world.other_family.wait_for_booking(
        sold_out["id"], {"rejected"})["reason"] == "sold_out"
    poor = world.new_family(world.officer)
    budget = world.new_budget(world.officer, poor.user_id, allocated=100)
    too_dear = world.book(poor, world.other_slots[0]["id"], budget["id"])
    assert poor.wait_for_booking(too_dear["id"], {"rejected"})["reason"] == \
        "insufficient_funds"


def test_statements_as_json_and_csv(world):
    statement = world.family.get("/budgets/{}/statement".format(world.budget["id"]))
    assert statement["budget"]["id"] == world.budget["id"]
    assert statement["entries"][0]["kind"] == "allocation"
    assert statement["entries"][0]["balance"]["allocated_pence"] == 200000
    response = world.officer.request("GET", "/budgets/{}/statement".format(world.budget["id"]),
                                     headers={"Accept": "text/csv"})
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert len(rows) == len(statement["entries"]) + 1
    same = world.officer.request("GET", "/budgets/{}/statement?format=csv".format(
        world.budget["id"]))
    assert same.text == response.text


def test_lists_page_with_limit_and_cursor(world):
    two = [f["id"] for f in world.officer.get("/families", params={"limit": 2})["items"]]
    families = world.officer.get("/families?limit=1")
    second = world.officer.get("/families", params={"limit": 1,
                                                    "cursor": families["next_cursor"]})
    # one at a time, the same two as a page of two
    assert len(two) == 2 and [families["items"][0]["id"], second["items"][0]["id"]] == two
    budgets = world.officer.get("/budgets")["items"]
    assert world.budget["id"] in [b["id"] for b in budgets]
    assert world.far_budget["id"] not in [b["id"] for b in budgets]
    assert [b["id"] for b in world.family.get("/budgets")["items"]] == [world.budget["id"]]
    assert [b["id"] for b in world.officer.get(
        "/budgets", params={"family_id": world.family.user_id})["items"]] == [world.budget["id"]]
    every = world.family.get("/bookings", params={"limit": 200})["items"]
    mine = world.family.get("/bookings", params={"status": "confirmed", "limit": 200})["items"]
    confirmed = [b["id"] for b in every if b["status"] == "confirmed"]
    assert confirmed and [b["id"] for b in mine] == confirmed
    theirs = world.provider.get("/bookings", params={"limit": 200})["items"]
    own = {o["id"] for o in world.provider.get("/providers/{}/offers".format(
        world.provider.provider_id), params={"limit": 200})["items"]}
    assert theirs and [b["id"] for b in theirs if b["offer_id"] not in own] == []


def test_search_filters_offers(world):
    found = world.family.get("/offers", params={
        "region": "powys", "category": "overnight_stay", "from": soon(1), "to": soon(30),
        "accessibility": "ground_floor", "needs": ["autism"], "max_price_pence": 4000,
        "q": "offer"})["items"]
    assert world.offer["id"] in [offer["id"] for offer in found]
    assert all(offer["region"] == "powys" for offer in found)
    assert world.family.get("/offers", params={"region": "powys",
                                               "max_price_pence": 100,
                                               "category": "overnight_stay"})["items"] == []


def test_offers_passed_on_as_providers_answered_them_are_what_the_api_documents(world):
    """Search answers and an offer's page go out as providers wrote them (not dumped again
    at the gateway: they are large), in the shape the API documents."""
    page = world.family.get("/offers", params={"region": "powys"})
    assert page["items"] and s.OfferPageSchema().validate(page) == {}
    assert all(offer["slots"] is not None for offer in page["items"])
    offer = world.family.get("/offers/" + world.offer["id"])
    assert offer["slots"] and s.OfferSchema().validate(offer) == {}
    assert set(offer) <= set(s.OfferSchema().fields)


def test_providers_register_are_approved_and_show_a_public_profile(world):
    pending = world.officer.get("/providers", params={"status": "pending"})["items"]
    assert world.pending_provider.provider_id in [p["id"] for p in pending]
    profile = world.family.get("/providers/" + world.provider.provider_id)
    assert profile["status"] == "approved" and "user_id" not in profile
    me = world.pending_provider.get("/me")
    assert me["role"] == "provider" and me["provider_id"] == world.pending_provider.provider_id
    with pytest.raises(ApiError) as not_yet:
        world.new_offer(world.pending_provider, "hospitality_meal", 100, "powys")
    assert not_yet.value.status == 409  # a provider may publish, once approved


def test_accounts_me_and_users(world):
    me = world.family.get("/me")
    assert (me["role"], me["council"], me["needs"]) == ("family", "powys", ["autism"])
    assert world.family.request("PATCH", "/me", json={"language": "cy"}).json()["language"] \
        == "cy"
    assert world.officer.get("/users/" + world.family.user_id)["id"] == world.family.user_id
    for viewer in (world.other_officer, world.other_family, world.provider):
        with pytest.raises(ApiError) as hidden:
            viewer.get("/users/" + world.family.user_id)
        assert hidden.value.status == 404
    assert world.admin.get("/users/" + world.officer.user_id)["role"] == "officer"


def test_health_and_the_description_are_public(api):
    assert api.get("/health").json() == {"status": "ok",
                                         "services": ["budgets", "providers", "bookings",
                                                      "insight", "families", "notifications",
                                                      "staycation"]}
    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    page = api.get("/docs")
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/api/v1/bookings/{booking_id}/cancel" in page.text
    assert "://" not in page.text  # nothing is loaded from elsewhere


def test_each_answer_carries_a_correlation_id_and_keeps_a_sane_one_given(api):
    given = api.get("/health", headers={"X-Correlation-Id": "trace-42"})
    assert given.headers["X-Correlation-Id"] == "trace-42"
    made = api.get("/health", headers={"X-Correlation-Id": "no spaces\tor tabs"})
    assert len(made.headers["X-Correlation-Id"]) == 32
    assert api.get("/no-such-path").status_code == 404


def test_answers_are_sent_without_nagle_delay(live):
    """A body sent after its headers must not wait for the client's delayed ACK (40 ms per
    answer of 16 KB or more, seen in bench.run's search figures): connections are accepted
    from a listening socket with TCP_NODELAY, which Linux passes on to them."""
    gateway = next(c for c in live.containers if c.service_cls is GatewayService)
    server = next(e for e in gateway.extensions if isinstance(e, ApiServer))
    assert server._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
