"""The booking saga end to end: bookings, providers and budgets running against the real
broker, each with its own database; everything done and read through their RPCs."""
import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from seibiant_common.errors import Conflict

from devtools.processes import wait_until
from seibiant_common.types import utcnow

from .world import HOURS


def released(world, slot_id, budget_id=None):
    """Waits until the compensation has given back the places (and the money)."""
    wait_until(lambda: world.places_taken(slot_id) == 0, 10, message="places released")
    if budget_id is not None:
        wait_until(lambda: world.balance(budget_id)["held_pence"] == 0, 10,
                   message="money released")


def statuses(booking):
    return [(t["from_status"], t["to_status"]) for t in booking["transitions"]]


def test_a_booking_is_confirmed_with_its_places_reserved_and_its_money_held(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, capacity=5, price_pence=1500)
    budget_id = world.budget(parent)

    requested = world.book(parent, slot_id, places=2, budget_id=budget_id)
    assert requested["status"] == "requested"
    assert (requested["total_pence"], requested["council"], requested["family_id"]) == (
        3000, world.council, parent["user_id"])
    booking = world.settled(requested["id"])

    assert booking["status"] == "confirmed" and booking["reason"] is None
    assert statuses(booking) == [(None, "requested"), ("requested", "confirmed")]
    # providers and budgets answered at once: the later of the two confirmed it
    assert booking["transitions"][-1]["by"] in ("budgets", "providers")
    assert world.places_taken(slot_id) == 2
    assert world.balance(budget_id) == {"allocated_pence": 100_000, "held_pence": 3000,
                                        "spent_pence": 0, "available_pence": 97_000}
    # the family, the provider and the council's officers see it; nobody else does
    assert world.rpc.bookings.get_booking(parent, booking["id"])["id"] == booking["id"]
    assert world.rpc.bookings.get_booking(provider, booking["id"])["status"] == "confirmed"
    assert [b["id"] for b in world.rpc.bookings.list_bookings(provider)["items"]] == [
        booking["id"]]


def test_a_sold_out_slot_rejects_the_booking_and_gives_back_the_money(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, capacity=1, price_pence=1500)
    budget_id = world.budget(parent)

    booking = world.settled(world.book(parent, slot_id, places=2, budget_id=budget_id)["id"])

    assert (booking["status"], booking["reason"]) == ("rejected", "sold_out")
    assert world.places_taken(slot_id) == 0
    # budgets held the money at the same time as providers refused the places: the
    # rejection released it, and the ledger shows both (or, had the rejection come first,
    # neither)
    released(world, slot_id, budget_id)
    assert world.balance(budget_id)["available_pence"] == 100_000
    statement = world.rpc.budgets.get_statement(world.officer, budget_id)
    entries = [(e["kind"], e["amount_pence"]) for e in statement["entries"]
               if e["booking_id"] == booking["id"]]
    assert entries in ([("hold", 3000), ("hold_release", 3000)], [])


def test_insufficient_funds_rejects_the_booking_and_releases_its_places(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, capacity=5, price_pence=1500)
    budget_id = world.budget(parent, allocated_pence=2000)

    booking = world.settled(world.book(parent, slot_id, places=2, budget_id=budget_id)["id"])

    assert (booking["status"], booking["reason"]) == ("rejected", "insufficient_funds")
    released(world, slot_id, budget_id)
    assert world.balance(budget_id)["available_pence"] == 2000


def test_another_familys_budget_pays_for_nothing(saga_world):
    world = saga_world
    provider, parent, other = world.provider(), world.family(), world.family()
    slot_id = world.slot_of(provider)
    others_budget = world.budget(other)

    booking = world.settled(world.book(parent, slot_id, places=1, budget_id=others_budget)["id"])

    assert (booking["status"], booking["reason"]) == ("rejected", "budget_not_found")
    released(world, slot_id, others_budget)
    assert world.balance(others_budget)["available_pence"] == 100_000


def test_a_spend_over_the_limit_waits_for_an_officer_and_is_confirmed_on_approval(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, price_pence=1500)
    budget_id = world.budget(parent, auto_approve_limit_pence=1000)

    booking = world.settled(world.book(parent, slot_id, places=1, budget_id=budget_id)["id"])
    assert booking["status"] == "awaiting_approval"
    assert world.balance(budget_id)["held_pence"] == 1500  # held while it waits
    waiting = world.rpc.bookings.list_awaiting_approval(world.officer)["items"]
    assert [b["id"] for b in waiting] == [booking["id"]]
    elsewhere = dict(world.officer, council="flintshire")
    assert world.rpc.bookings.list_awaiting_approval(elsewhere)["items"] == []

    world.rpc.budgets.approve_spend(world.officer, booking["id"], "respite is overdue")
    wait_until(lambda: world.booking(booking["id"])["status"] == "confirmed", 10,
               message="confirmation")
    booking = world.booking(booking["id"])
    assert statuses(booking)[-1] == ("awaiting_approval", "confirmed")
    assert booking["transitions"][-1]["by"] == world.officer["user_id"]
    assert world.balance(budget_id)["held_pence"] == 1500
    assert world.rpc.bookings.list_awaiting_approval(world.officer)["items"] == []


def test_a_declined_spend_rejects_the_booking_and_releases_places_and_money(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, category="hospitality_stay")
    budget_id = world.budget(parent, categories=("overnight_stay",))  # not this category

    booking = world.settled(world.book(parent, slot_id, places=1, budget_id=budget_id)["id"])
    assert booking["status"] == "awaiting_approval"
    world.rpc.budgets.decline_spend(world.officer, booking["id"], "not in the support plan")

    wait_until(lambda: world.booking(booking["id"])["status"] == "rejected", 10,
               message="the decline")
    assert world.booking(booking["id"])["reason"] == "declined"
    released(world, slot_id, budget_id)


def test_a_cancelled_booking_releases_its_places_and_money(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider)
    budget_id = world.budget(parent)
    booking = world.settled(world.book(parent, slot_id, places=3, budget_id=budget_id)["id"])
    assert booking["status"] == "confirmed"

    cancelled = world.rpc.bookings.cancel_booking(parent, booking["id"])

    assert cancelled["status"] == "cancelled"
    assert cancelled["transitions"][-1]["by"] == parent["user_id"]
    released(world, slot_id, budget_id)
    assert world.balance(budget_id)["available_pence"] == 100_000


def test_a_completed_break_spends_the_final_amount_and_releases_the_rest(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    start = utcnow() + 3 * HOURS / 3600  # three seconds from now: it must start to complete
    slot_id = world.slot_of(provider, price_pence=1500, start=start)
    budget_id = world.budget(parent)
    booking = world.settled(world.book(parent, slot_id, places=2, budget_id=budget_id)["id"])
    assert booking["status"] == "confirmed"

    wait_until(lambda: utcnow() >= start, 10, message="the break to start")
    completed = world.rpc.bookings.complete_booking(provider, booking["id"], 2500)

    assert (completed["status"], completed["final_amount_pence"]) == ("completed", 2500)
    wait_until(lambda: world.balance(budget_id)["spent_pence"] == 2500, 10,
               message="the capture")
    assert world.balance(budget_id) == {"allocated_pence": 100_000, "held_pence": 0,
                                        "spent_pence": 2500, "available_pence": 97_500}
    assert world.places_taken(slot_id) == 2  # the break was delivered: places stay used


def test_a_gifted_break_is_confirmed_without_a_budget(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, price_pence=0, category="hospitality_meal")

    booking = world.settled(world.book(parent, slot_id, places=2)["id"])

    assert booking["status"] == "confirmed"
    assert (booking["total_pence"], booking["budget_id"]) == (0, None)
    assert booking["transitions"][-1]["by"] == "providers"
    assert world.places_taken(slot_id) == 2


def test_an_approval_that_waits_too_long_expires_and_releases_everything(start_saga):
    world = start_saga(APPROVAL_TIMEOUT_SECONDS=1).world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, price_pence=1500)
    budget_id = world.budget(parent, auto_approve_limit_pence=0)

    booking_id = world.book(parent, slot_id, places=1, budget_id=budget_id)["id"]

    wait_until(lambda: world.booking(booking_id)["status"] == "expired", 10,
               message="the expiry")
    assert statuses(world.booking(booking_id))[-2:] == [
        ("requested", "awaiting_approval"), ("awaiting_approval", "expired")]
    released(world, slot_id, budget_id)


def test_a_withdrawn_slot_cancels_its_bookings_and_releases_the_money(saga_world):
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider)
    budget_id = world.budget(parent)
    booking = world.settled(world.book(parent, slot_id, places=1, budget_id=budget_id)["id"])
    assert booking["status"] == "confirmed"

    world.rpc.providers.withdraw_slot(provider, slot_id)

    wait_until(lambda: world.booking(booking["id"])["status"] == "cancelled", 10,
               message="the cancellation")
    assert world.booking(booking["id"])["transitions"][-1]["by"] == "system"
    wait_until(lambda: world.balance(budget_id)["held_pence"] == 0, 10,
               message="money released")


def test_a_step_that_gets_no_answer_is_asked_again_then_rejected_safely(start_saga):
    # budgets is not running: nobody ever answers the hold request.
    saga = start_saga(services=("providers", "bookings"), STEP_TIMEOUT_SECONDS=0.3,
                      STEP_MAX_RETRIES=2)
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider)

    booking = world.settled(world.book(parent, slot_id, places=1, budget_id="no-budget")["id"])

    assert (booking["status"], booking["reason"]) == ("rejected", "timed_out")
    assert "3 tries" in booking["transitions"][-1]["why"]
    released(world, slot_id)


def test_a_lost_request_is_asked_again_and_the_booking_confirmed(start_saga):
    saga = start_saga(STEP_TIMEOUT_SECONDS=0.5, STEP_MAX_RETRIES=20)
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider)
    budget_id = world.budget(parent)
    # budgets goes away and its queue of booking requests with it: the first one is lost
    saga.stop("budgets")
    saga.delete_queue("evt-bookings-booking_requested--budgets.handle_booking_requested")

    booking_id = world.book(parent, slot_id, places=1, budget_id=budget_id)["id"]
    wait_until(lambda: saga.query("SELECT step_attempts FROM bookings") == [(1,)], 10,
               message="a retry")
    saga.start("budgets")

    booking = world.settled(booking_id)
    assert booking["status"] == "confirmed"
    assert world.balance(budget_id)["held_pence"] == 1500


@pytest.mark.postgres
def test_two_instances_share_the_timer_work_and_never_do_it_twice(start_saga):
    # budgets is not running: no hold request is ever answered, and the timers of two
    # bookings instances race to ask again and then to give up, on the same rows.
    saga = start_saga("postgresql", services=("providers", "bookings", "bookings"),
                      STEP_TIMEOUT_SECONDS=0.3, STEP_MAX_RETRIES=3, BOOKING_TIMER_SECONDS=0.02)
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, capacity=50)

    booking_ids = [world.book(parent, slot_id, 1, "no-budget")["id"] for _ in range(20)]

    for booking_id in booking_ids:
        assert world.settled(booking_id)["reason"] == "timed_out"
    asked = saga.query("SELECT aggregate_id, count(*) FROM outbox_messages "
                       "WHERE event_type = 'booking_requested' GROUP BY aggregate_id")
    assert sorted(count for _, count in asked) == [4] * 20  # the first and three retries
    # Rejected once each. (booking_rejected may be announced again: providers answers a
    # retried request late, and the answer to a rejected booking is its compensation again.)
    rejections = saga.query("SELECT booking_id, count(*) FROM booking_transitions "
                            "WHERE to_status = 'rejected' GROUP BY booking_id")
    assert sorted(rejections) == sorted((booking_id, 1) for booking_id in booking_ids)
    released(world, slot_id)


@pytest.mark.postgres
def test_the_saga_on_postgresql(start_saga):
    saga = start_saga("postgresql")
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, capacity=2)
    budget_id = world.budget(parent)

    def request(_):  # the same request, racing itself: the unique key decides
        with ClusterRpcProxy(saga.config, timeout=30) as rpc:
            return rpc.bookings.request_booking(
                parent, "one-key", {"slot_id": slot_id, "places": 2, "budget_id": budget_id})

    first_ids = {booking["id"] for booking in eventlet.GreenPool().imap(request, range(6))}
    assert len(first_ids) == 1
    first = world.settled(first_ids.pop())
    second = world.settled(world.book(parent, slot_id, places=1, budget_id=budget_id)["id"])

    assert first["status"] == "confirmed"
    assert (second["status"], second["reason"]) == ("rejected", "sold_out")
    # the second one's money, held while providers refused its places, is given back
    wait_until(lambda: world.balance(budget_id)["held_pence"] == 3000, 10,
               message="the second hold released")
    world.rpc.bookings.cancel_booking(provider, first["id"])
    released(world, slot_id, budget_id)


# --- what bookings knows of providers' slots ----------------------------------------------

def known(saga, slot_id):
    """bookings' copy of a slot: (withdrawn, provider approved), or None."""
    rows = saga.query("SELECT s.withdrawn, p.approved FROM known_slots s LEFT JOIN "
                      "known_providers p ON p.id = s.provider_id WHERE s.id = :id", id=slot_id)
    return tuple(bool(value) if value is not None else None for value in rows[0]) \
        if rows else None


def test_a_slot_bookings_has_heard_of_is_booked_without_asking_providers(start_saga):
    saga = start_saga()
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, price_pence=1500)
    budget_id = world.budget(parent)
    wait_until(lambda: known(saga, slot_id) == (False, True), 10, message="slots_published")

    saga.stop("providers")  # get_slot could not answer now
    requested = world.book(parent, slot_id, places=2, budget_id=budget_id)
    assert (requested["status"], requested["total_pence"], requested["provider_id"]) == (
        "requested", 3000, provider["provider_id"])
    # budgets held the money while providers was away
    wait_until(lambda: world.balance(budget_id)["held_pence"] == 3000, 10, message="the hold")
    assert world.booking(requested["id"])["status"] == "requested"

    saga.start("providers")
    assert world.settled(requested["id"])["status"] == "confirmed"
    assert world.places_taken(slot_id) == 2


def test_a_slot_bookings_has_not_heard_of_is_asked_for_and_kept(start_saga):
    # bookings is not running yet: its queues do not exist, the announcements are lost
    saga = start_saga(services=("providers", "budgets"))
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, price_pence=1500)
    budget_id = world.budget(parent)
    saga.start("bookings")
    assert known(saga, slot_id) is None

    booking = world.settled(world.book(parent, slot_id, places=1, budget_id=budget_id)["id"])

    assert (booking["status"], booking["total_pence"]) == ("confirmed", 1500)
    assert known(saga, slot_id) == (False, True)  # from get_slot's answer


def test_a_withdrawal_or_suspension_bookings_has_heard_of_refuses_at_once(saga_world,
                                                                         shared_saga):
    world = saga_world
    provider, parent = world.provider(), world.family()
    withdrawn, other = world.slot_of(provider), world.slot_of(provider)
    budget_id = world.budget(parent)
    world.rpc.providers.withdraw_slot(provider, withdrawn)
    wait_until(lambda: known(shared_saga, withdrawn) == (True, True), 10,
               message="slot_withdrawn")
    with pytest.raises(Conflict) as refused:
        world.book(parent, withdrawn, 1, budget_id)
    assert refused.value.code == "slot_not_bookable"

    world.rpc.providers.suspend_provider(world.officer, provider["provider_id"], "checks")
    wait_until(lambda: known(shared_saga, other) == (False, False), 10,
               message="provider_suspended")
    with pytest.raises(Conflict) as refused:
        world.book(parent, other, 1, budget_id)
    assert refused.value.code == "slot_not_bookable"

    world.rpc.providers.approve_provider(world.officer, provider["provider_id"])
    wait_until(lambda: known(shared_saga, other) == (False, True), 10,
               message="provider_approved")
    assert world.settled(world.book(parent, other, 1, budget_id)["id"])["status"] == \
        "confirmed"
    assert world.rpc.bookings.list_bookings(parent)["items"][0]["slot_id"] == other


def test_a_request_racing_a_withdrawal_ends_with_nothing_taken(saga_world, shared_saga):
    """Whichever bookings hears first, the request or the withdrawal, the booking ends
    undone (refused at once, rejected by providers or cancelled) and holds nothing."""
    world = saga_world
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider)
    budget_id = world.budget(parent)

    def withdraw():
        with ClusterRpcProxy(shared_saga.config, timeout=30) as rpc:
            rpc.providers.withdraw_slot(provider, slot_id)
    withdrawal = eventlet.spawn(withdraw)
    try:
        booking_id = world.book(parent, slot_id, 1, budget_id)["id"]
    except Conflict:
        booking_id = None
    withdrawal.wait()
    if booking_id is not None:
        assert world.settled(booking_id)["status"] in ("rejected", "cancelled")
    released(world, slot_id, budget_id)
