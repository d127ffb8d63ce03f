"""The gifted allowance under concurrency, on PostgreSQL with two instances of bookings
competing for the requests: one carer firing five gifted bookings at once with an allowance
of one gets exactly one; the four others are rejected `allowance_used` and take nothing."""
import collections

from devtools.processes import wait_until

from .world import new_id

BURST = 5


def test_five_gifted_bookings_at_once_with_an_allowance_of_one_give_exactly_one(start_saga):
    saga = start_saga("postgresql", services=("budgets", "providers", "bookings", "bookings"))
    world = saga.world()
    rpc = saga.rpc
    rpc.bookings.set_gifted_allowance(world.officer, world.council, 1)
    provider, carer = world.provider(), world.family()
    slots = [world.slot_of(provider, capacity=BURST, price_pence=0,
                           category="hospitality_meal") for _ in range(2)]
    # bookings hears of the slots first, so that every request decides at once
    wait_until(lambda: all(saga.query("SELECT id FROM known_slots WHERE id = :id", id=slot)
                           for slot in slots), 10, message="bookings to hear of the slots")

    calls = [rpc.bookings.request_booking.call_async(
        carer, new_id("key"), {"slot_id": slots[n % 2], "places": 1}) for n in range(BURST)]
    answers = [call.result() for call in calls]
    settled = [world.settled(answer["id"]) for answer in answers]

    outcomes = collections.Counter((b["status"], b["reason"]) for b in settled)
    assert outcomes == {("confirmed", None): 1, ("rejected", "allowance_used"): BURST - 1}
    assert sum(world.places_taken(slot) for slot in slots) == 1
    assert rpc.bookings.get_gifted_allowance(carer) == {
        "council": world.council, "breaks_per_12_months": 1, "used": 1, "left": 0}
    # only the gift given asked providers for places
    announced = saga.query("SELECT event_type, count(*) FROM outbox_messages "
                           "GROUP BY event_type")
    assert dict(announced)["booking_requested"] == 1
    assert dict(announced)["booking_rejected"] == BURST - 1
