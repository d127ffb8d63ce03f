"""GET /api/v1/insight over real HTTP against the live services: searches made through the
API and a booking made through the saga reach the insight read model through their events;
officers see their council's figures, providers their own, families nothing."""
import csv
import datetime
import io
import uuid

import pytest

from gateway.client import ApiError
from devtools.processes import wait_until

from .world import World, soon

FEW = "fewer than 5"


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def test_searches_and_bookings_become_their_councils_figures(world):
    council = "cyngor-" + uuid.uuid4().hex[:8]  # an area of this test's own
    officer = world.new_officer(council)
    family = world.new_family(officer, needs=["autism"])
    budget = world.new_budget(officer, family.user_id)
    provider = world.new_provider([council], approve_by=officer)
    offer = world.new_offer(provider, "hospitality_meal", 1500, council)
    slot = world.new_slots(provider, offer["id"], 3, days=(10,))[0]
    for _ in range(6):  # nobody offers an overnight stay here
        family.get("/offers", params={"region": council, "category": "overnight_stay",
                                      "needs": "autism"})
    assert family.get("/offers", params={"region": council})["items"]  # found: not unmet
    booking = world.book(family, slot["id"], budget["id"])
    assert family.wait_for_booking(booking["id"], {"confirmed", "rejected"})[
        "status"] == "confirmed"

    today = datetime.date.today()
    days = {"from": today.isoformat(), "to": (today + datetime.timedelta(days=60)).isoformat()}
    month = soon(10)[:7]

    def figures():
        answer = officer.get("/insight", params=days)
        booked = [row["places_booked"] for row in answer["supply_and_demand"]]
        return answer if answer["unmet_demand"] and booked == [FEW] else None

    answer = wait_until(figures, 20, interval=0.2, message="the insight figures")
    assert answer["council"] == council and answer["from"] == days["from"]
    assert answer["unmet_demand"] == [
        {"month": today.isoformat()[:7], "area": council, "kind": "overnight_stay",
         "needs": ["autism"], "accessibility": [], "searches": 6}]
    assert answer["supply_and_demand"] == [
        {"month": month, "area": council, "kind": "hospitality_meal", "places_published": 3,
         "places_booked": FEW, "full_percent": None}]
    assert answer["rejections"] == [] and answer["approvals"]["decided"] == 0
    assert "provider" not in answer

    # The provider sees its own places, and no officer's table.
    own = provider.get("/insight", params=days)
    assert own["provider"] == [{"month": month, "kind": "hospitality_meal",
                                "places_offered": 3, "places_booked": FEW,
                                "places_cancelled": 0}]
    assert "unmet_demand" not in own
    # Another council's officer sees none of it; the admin sees it among every council's.
    elsewhere = world.other_officer.get("/insight", params=days)
    assert council not in {row["area"] for row in elsewhere["unmet_demand"]
                           + elsewhere["supply_and_demand"]}
    everyone = world.admin.get("/insight", params=days)
    assert answer["unmet_demand"][0] in everyone["unmet_demand"]

    # One table as CSV.
    response = officer.request("GET", "/insight", headers={"Accept": "text/csv"},
                               params=dict(days, table="unmet_demand"))
    assert response.headers["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["month", "area", "kind", "needs", "accessibility", "searches"],
        [today.isoformat()[:7], council, "overnight_stay", "autism", "", "6"]]


def test_a_family_sees_no_insight_and_bad_questions_name_their_field(world):
    with pytest.raises(ApiError) as refused:
        world.family.get("/insight")
    assert refused.value.status == 403
    for params, field in (({"from": "soon"}, "from"), ({"from": "2030-02-01",
                          "to": "2030-01-01"}, "to"), ({"table": "everything"}, "table"),
                          ({"colour": "red"}, "colour")):
        with pytest.raises(ApiError) as refused:
            world.officer.get("/insight", params=params)
        assert refused.value.status == 422
        assert field in refused.value.response.json()["errors"]
    # CSV needs a table; a provider has only its own.
    for client, params in ((world.officer, {}), (world.provider, {"table": "unmet_demand"})):
        with pytest.raises(ApiError) as refused:
            client.request("GET", "/insight", headers={"Accept": "text/csv"}, params=params)
        assert refused.value.status == 422
        assert "table" in refused.value.response.json()["errors"]
