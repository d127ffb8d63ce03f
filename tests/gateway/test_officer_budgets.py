"""An officer's changes to budgets over the API (top-ups, adjustments, suspension), the
budget's history, the decisions taken, the monitoring return and providers' suspension: who
may, what each records, and that a repeated request changes money once."""
import csv
import io

import pytest

from .world import World, unique


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def entries(client, budget_id):
    return client.get("/budgets/{}/statement".format(budget_id))["entries"]


def test_a_top_up_is_one_ledger_entry_with_who_and_why_even_sent_twice(world):
    budget = world.new_budget(world.officer, world.family.user_id, allocated=50_000)
    path = "/budgets/{}/top-ups".format(budget["id"])
    key = {"Idempotency-Key": unique("key")}
    first = world.officer.post(path, {"amount_pence": 2_500, "reason": "summer"}, headers=key)
    again = world.officer.post(path, {"amount_pence": 2_500, "reason": "summer"}, headers=key)
    assert first["allocated_pence"] == again["allocated_pence"] == 52_500
    assert [(e["kind"], e["amount_pence"], e["created_by"], e["reason"])
            for e in entries(world.officer, budget["id"])][1:] == [
        ("top_up", 2_500, world.officer.user_id, "summer")]
    clash = world.officer.request("POST", path, json={"amount_pence": 1, "reason": "x"},
                                  headers=key, expect=(409,))
    assert clash.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("action, body", [
    ("top-ups", {"amount_pence": 100, "reason": "r"}),
    ("adjustments", {"amount_pence": -100, "reason": "r"}),
    ("suspend", {"reason": "r"}), ("reinstate", {})])
def test_only_officers_of_the_budgets_council_change_it(world, action, body):
    path = "/budgets/{}/{}".format(world.budget["id"], action)
    for client, status in ((world.other_officer, 404), (world.family, 403),
                           (world.provider, 403), (world.admin, 403)):
        assert client.request("POST", path, json=body,
                              expect=range(400, 500)).status_code == status
    world.anonymous.request("POST", path, json=body, expect=(401,))
    assert len(entries(world.officer, world.budget["id"])) == 1  # the allocation alone


def test_an_adjustment_never_goes_below_what_is_held_and_spent(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id, allocated=10_000)
    booking = world.book(family, world.slot["id"], budget["id"])  # 4,000 held
    family.wait_for_booking(booking["id"], {"confirmed"})
    path = "/budgets/{}/adjustments".format(budget["id"])
    refused = world.officer.request("POST", path, expect=(409,), json={
        "amount_pence": -6_001, "reason": "overpaid"})
    assert refused.json()["code"] == "insufficient_funds"
    for bad, field in (({"amount_pence": 0, "reason": "r"}, "amount_pence"),
                       ({"amount_pence": -5}, "reason"),
                       ({"amount_pence": 1.5, "reason": "r"}, "amount_pence")):
        invalid = world.officer.request("POST", path, json=bad, expect=(422,))
        assert field in invalid.json()["errors"]
    assert len(entries(world.officer, budget["id"])) == 2  # allocation and hold
    after = world.officer.post(path, {"amount_pence": -6_000, "reason": "overpaid"})
    assert (after["allocated_pence"], after["held_pence"], after["available_pence"]) == (
        4_000, 4_000, 0)


def test_a_suspended_budget_refuses_bookings_and_its_history_says_who_and_why(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id)
    kept = world.book(family, world.slot["id"], budget["id"])
    family.wait_for_booking(kept["id"], {"confirmed"})
    suspended = world.officer.post("/budgets/{}/suspend".format(budget["id"]),
                                   {"reason": "safeguarding review"})
    assert (suspended["status"], suspended["held_pence"]) == ("suspended", 4_000)
    refused = world.book(family, world.slot["id"], budget["id"])
    rejected = family.wait_for_booking(refused["id"], {"rejected"})
    assert rejected["reason"] == "budget_inactive"
    assert family.get("/bookings/" + kept["id"])["status"] == "confirmed"
    reinstated = world.officer.post("/budgets/{}/reinstate".format(budget["id"]),
                                    {"reason": "review closed"})
    assert reinstated["status"] == "active"

    history = world.officer.get("/budgets/{}/history".format(budget["id"]))["items"]
    assert [(item["action"], item["reason"]) for item in history
            if item["by"] == world.officer.user_id] == [
        ("created", None), ("allocation", "initial allocation"),
        ("suspended", "safeguarding review"), ("reinstated", "review closed")]
    assert {item["by_name"] for item in history
            if item["by"] == world.officer.user_id} == {"Officer of powys"}
    for client, status in ((world.other_officer, 404), (family, 403)):
        assert client.request("GET", "/budgets/{}/history".format(budget["id"]),
                              expect=range(400, 500)).status_code == status


def test_decided_approvals_say_who_decided_when_and_why(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id, limit=5_000)
    booking = world.book(family, world.other_slots[0]["id"], budget["id"], places=2)  # 8,000
    family.wait_for_booking(booking["id"], {"awaiting_approval"})
    world.officer.post("/approvals/{}/approve".format(booking["id"]),
                       {"reason": "agreed at the review"})
    decided = world.officer.get("/approvals", params={"status": "decided"})["items"]
    mine = [item for item in decided if item["id"] == booking["id"]]
    assert [(item["status"], item["decided_by"], item["decided_by_name"],
             item["decision_reason"], item["approval_reasons"], item["family_display_name"])
            for item in mine] == [("approved", world.officer.user_id, "Officer of powys",
                                   "agreed at the review", ["over_auto_approve_limit"],
                                   "A family")]
    assert mine[0]["decided_at"]
    assert not [item for item in world.other_officer.get(
        "/approvals", params={"status": "decided"})["items"] if item["id"] == booking["id"]]
    assert all(item["status"] == "awaiting_approval"
               for item in world.officer.get("/approvals")["items"])


def test_the_monitoring_return_is_the_councils_in_json_and_csv(world):
    page = world.officer.get("/monitoring", params={"limit": 200})
    ids = {item["budget_id"] for item in page["items"]}
    assert {world.budget["id"], world.other_budget["id"]} <= ids
    assert world.far_budget["id"] not in ids
    assert all(item["reclaim_weeks"] == 8 for item in page["items"])
    answer = world.officer.request("GET", "/monitoring", headers={"Accept": "text/csv"})
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = {row["budget_id"]: row for row in csv.DictReader(io.StringIO(answer.text))}
    assert set(rows) >= {world.budget["id"], world.other_budget["id"]}
    assert world.far_budget["id"] not in rows
    for client in (world.family, world.provider, world.admin):
        client.request("GET", "/monitoring", expect=(403,))
    bad = world.officer.request("GET", "/monitoring", params={"as_of": "yesterday"},
                                expect=(422,))
    assert "as_of" in bad.json()["errors"]


def test_an_officer_suspends_a_provider_with_a_reason_and_reinstates_it(world):
    provider = world.new_provider(["powys"], approve_by=world.officer)
    path = "/providers/{}/suspend".format(provider.provider_id)
    world.other_officer.request("POST", path, json={"reason": "r"}, expect=(404,))
    provider.request("POST", path, json={"reason": "r"}, expect=(403,))
    assert "reason" in world.officer.request("POST", path, json={},
                                             expect=(422,)).json()["errors"]
    suspended = world.officer.post(path, {"reason": "complaint under review"})
    assert suspended["status"] == "suspended"
    reinstated = world.officer.post("/providers/{}/approve".format(provider.provider_id))
    assert reinstated["status"] == "approved"
