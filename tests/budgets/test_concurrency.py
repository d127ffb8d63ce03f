"""Racing holds never spend a pound twice: 50 concurrent hold requests of 10,000 pence against
a 200,000 pence budget, through the real broker. On PostgreSQL two instances of the service
compete for the requests (row locks); on SQLite one instance (serialised units of work)."""
import uuid

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from devtools.processes import wait_until
from seibiant_common.errors import Conflict

from .rules import officer
from .support import (Bookings, check_ledger, emitted, hold_payload, holds, new_budget_data,
                      start_budgets)

HOLDS, AMOUNT, ALLOCATED = 50, 10_000, 200_000


@pytest.mark.parametrize("kind, instances", [("postgresql", 2), ("sqlite", 1)])
def test_fifty_racing_holds_on_a_budget_for_twenty_hold_exactly_twenty(
        kind, instances, make_database_url, start_service, service_config):
    url = start_budgets(start_service, make_database_url, kind, instances=instances)
    with ServiceRpcProxy("budgets", service_config) as budgets:
        budget = budgets.create_budget(officer(), new_budget_data(allocated_pence=ALLOCATED))
    bookings = Bookings(service_config)
    booking_ids = [uuid.uuid4().hex for _ in range(HOLDS)]
    for booking_id in booking_ids:
        bookings.send("booking_requested", hold_payload(budget, booking_id, AMOUNT))

    wait_until(lambda: len(holds(url)) == HOLDS, 30, message="every request answered")
    statuses = [row.status for row in holds(url).values()]
    assert statuses.count("held") == 20
    refused = [row for row in holds(url).values() if row.status == "refused"]
    assert len(refused) == 30
    assert {row.refusal_reason for row in refused} == {"insufficient_funds"}

    answers = [(event_type, payload) for event_type, payload in emitted(url)
               if payload.get("booking_id") in booking_ids]
    assert sorted(event_type for event_type, _ in answers) == (
        ["funds_held"] * 20 + ["hold_refused"] * 30)
    assert {p["reason"] for t, p in answers if t == "hold_refused"} == {"insufficient_funds"}
    balance = check_ledger(url)[budget["id"]]
    assert (balance.held_pence, balance.available_pence) == (20 * AMOUNT, 0)


def test_one_booking_asked_for_many_times_at_once_is_held_once(
        make_database_url, start_service, service_config):
    """The hold's insert meets another worker's for the same booking: one hold, the money
    held once, and every answer the same."""
    url = start_budgets(start_service, make_database_url, "postgresql", instances=2)
    with ServiceRpcProxy("budgets", service_config, timeout=30) as budgets:
        budget = budgets.create_budget(officer(), new_budget_data(allocated_pence=ALLOCATED))
        payload = hold_payload(budget, amount_pence=AMOUNT)
        calls = [budgets.hold_funds.call_async(**payload) for _ in range(20)]
        answers = [call.result() for call in calls]
    assert {answer["status"] for answer in answers} == {"held"}
    assert len({answer["hold_id"] for answer in answers}) == 1
    assert [row.status for row in holds(url).values()] == ["held"]
    balance = check_ledger(url)[budget["id"]]
    assert (balance.held_pence, balance.available_pence) == (AMOUNT, ALLOCATED - AMOUNT)


def test_an_adjustment_racing_holds_never_takes_the_budget_below_what_they_hold(
        make_database_url, start_service, service_config):
    """A cut of half the budget sent among ten holds that would spend all of it, on two
    instances: the budget's lock puts the cut before or after the holds it meets, so either
    it is made and exactly five holds fit, or the holds came first and it is refused."""
    url = start_budgets(start_service, make_database_url, "postgresql", instances=2)
    with ServiceRpcProxy("budgets", service_config, timeout=30) as budgets:
        budget = budgets.create_budget(officer(), new_budget_data(allocated_pence=100_000))
        calls = [budgets.hold_funds.call_async(**hold_payload(budget, amount_pence=AMOUNT))
                 for _ in range(5)]
        cut = budgets.adjust.call_async(officer(), budget["id"], -50_000, "overpaid")
        calls += [budgets.hold_funds.call_async(**hold_payload(budget, amount_pence=AMOUNT))
                  for _ in range(5)]
        statuses = sorted(call.result()["status"] for call in calls)
        try:
            cut_made = cut.result()["allocated_pence"] == 50_000
        except Conflict as refused:
            assert refused.code == "insufficient_funds"
            cut_made = False
    if cut_made:
        assert statuses == ["held"] * 5 + ["refused"] * 5
    else:
        assert statuses == ["held"] * 10
    balance = check_ledger(url)[budget["id"]]
    assert balance.held_pence == statuses.count("held") * AMOUNT
    assert balance.allocated_pence == (50_000 if cut_made else 100_000)
