"""The bookings RPCs against the real broker, with providers and budgets running (they answer
the slot and the saga): idempotency, bad input, who may see and do what, lists."""
import eventlet
import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from seibiant_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from devtools.processes import wait_until

DROP = object()
ADMIN = {"user_id": "admin", "role": "admin", "council": None, "provider_id": None}


@pytest.fixture
def world(saga_world):
    return saga_world


@pytest.fixture
def booked(world):
    """A provider's slot and a family with a budget and one confirmed booking on it."""
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider, capacity=10, price_pence=1000)
    budget_id = world.budget(parent)
    booking = world.settled(world.book(parent, slot_id, 1, budget_id)["id"])
    assert booking["status"] == "confirmed"
    return provider, parent, slot_id, budget_id, booking


def bookings_of(world, actor, **query):
    return world.rpc.bookings.list_bookings(actor, **query)["items"]


# --- idempotency ------------------------------------------------------------------------

def test_the_same_key_and_body_give_back_the_same_booking(world, booked):
    _, parent, slot_id, budget_id, _ = booked
    first = world.book(parent, slot_id, 2, budget_id, key="k-1")
    again = world.book(parent, slot_id, 2, budget_id, key="k-1")
    assert again["id"] == first["id"]
    assert len(bookings_of(world, parent)) == 2


def test_the_same_key_with_another_body_is_refused(world, booked):
    _, parent, slot_id, budget_id, _ = booked
    world.book(parent, slot_id, 2, budget_id, key="k-2")
    with pytest.raises(Conflict) as refused:
        world.book(parent, slot_id, 3, budget_id, key="k-2")
    assert refused.value.code == "idempotency_key_reused"
    # another family may use the same key for its own booking
    other = world.family()
    assert world.book(other, slot_id, 1, world.budget(other), key="k-2")["family_id"] == \
        other["user_id"]


def test_racing_requests_with_one_key_make_one_booking(world, booked, shared_saga):
    _, parent, slot_id, budget_id, _ = booked

    def request(_):
        with ClusterRpcProxy(shared_saga.config, timeout=30) as rpc:
            return rpc.bookings.request_booking(
                parent, "k-race", {"slot_id": slot_id, "places": 1, "budget_id": budget_id})

    ids = set(booking["id"] for booking in eventlet.GreenPool().imap(request, range(6)))
    assert len(ids) == 1
    assert len(bookings_of(world, parent)) == 2


# --- bad input stores nothing -----------------------------------------------------------

@pytest.mark.parametrize("data,field", [
    ({"places": 1, "slot_id": DROP}, "slot_id"),
    ({"slot_id": None, "places": 1}, "slot_id"),
    ({"places": 0}, "places"),
    ({"places": 1.5}, "places"),
    ({"places": "2"}, "places"),
    ({"places": True}, "places"),
    ({"places": 101}, "places"),
    ({"places": 1, "budget_id": 7}, "budget_id"),
    ({"places": 1, "colour": "blue"}, "colour"),
])
def test_bad_input_is_refused_naming_the_field(world, booked, data, field):
    _, parent, slot_id, budget_id, _ = booked
    body = {key: value for key, value in
            dict({"slot_id": slot_id, "budget_id": budget_id}, **data).items()
            if value is not DROP}
    with pytest.raises(InvalidInput) as refused:
        world.rpc.bookings.request_booking(parent, "k-bad", body)
    assert field in refused.value.errors
    assert len(bookings_of(world, parent)) == 1


def test_an_unknown_slot_a_missing_budget_and_a_missing_key_are_refused(world, booked):
    _, parent, slot_id, budget_id, _ = booked
    with pytest.raises(InvalidInput) as refused:
        world.book(parent, "no-such-slot", 1, budget_id)
    assert "slot_id" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        world.book(parent, slot_id, 1, None)
    assert "budget_id" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        world.rpc.bookings.request_booking(parent, "", {"slot_id": slot_id, "places": 1})
    assert "idempotency_key" in refused.value.errors
    with pytest.raises(InvalidInput):
        world.rpc.bookings.request_booking(parent, "k", ["not", "an", "object"])
    with pytest.raises(InvalidInput) as refused:
        world.rpc.bookings.request_booking({"role": "family"}, "k", {"slot_id": slot_id})
    assert "user_id" in refused.value.errors
    assert len(bookings_of(world, parent)) == 1


def test_a_withdrawn_slot_cannot_be_booked(world, booked, shared_saga):
    provider, parent, _, budget_id, _ = booked
    slot_id = world.slot_of(provider)
    world.rpc.providers.withdraw_slot(provider, slot_id)
    # once bookings has heard of it (test_booking_saga: the race before that)
    wait_until(lambda: shared_saga.query("SELECT withdrawn FROM known_slots WHERE id = :id",
                                         id=slot_id) == [(True,)], 10, message="withdrawal")
    with pytest.raises(Conflict) as refused:
        world.book(parent, slot_id, 1, budget_id)
    assert refused.value.code == "slot_not_bookable"


def test_only_a_family_requests_a_booking(world, booked):
    provider, _, slot_id, budget_id, _ = booked
    for actor in (provider, world.officer, ADMIN):
        with pytest.raises(Forbidden):
            world.book(actor, slot_id, 1, budget_id)


# --- who sees and does what -------------------------------------------------------------

def test_a_booking_is_seen_only_by_its_family_provider_and_council(world, booked):
    provider, parent, _, _, booking = booked
    for actor in (parent, provider, world.officer):
        seen = world.rpc.bookings.get_booking(actor, booking["id"])
        assert seen["id"] == booking["id"]
        assert [b["id"] for b in bookings_of(world, actor)] == [booking["id"]]
    strangers = [world.family(), world.provider(), dict(world.officer, council="elsewhere"),
                 ADMIN]
    for stranger in strangers:
        with pytest.raises(NotFound):
            world.rpc.bookings.get_booking(stranger, booking["id"])
        with pytest.raises(NotFound):
            world.rpc.bookings.cancel_booking(stranger, booking["id"])
    for stranger in strangers[:3]:
        assert bookings_of(world, stranger) == []
    with pytest.raises(Forbidden):
        bookings_of(world, ADMIN)
    with pytest.raises(NotFound):
        world.rpc.bookings.get_booking(parent, "no-such-booking")


def test_the_booking_carries_the_fields_of_the_api_and_its_history(world, booked):
    _, parent, slot_id, budget_id, booking = booked
    assert {"id", "status", "reason", "slot_id", "offer_id", "places", "total_pence",
            "budget_id", "created_at", "updated_at", "family_id", "provider_id", "council",
            "transitions"} <= set(booking)
    assert (booking["slot_id"], booking["budget_id"], booking["places"],
            booking["total_pence"]) == (slot_id, budget_id, 1, 1000)
    assert booking["created_at"].endswith("+00:00")
    assert [set(t) for t in booking["transitions"]] == [
        {"from_status", "to_status", "at", "why", "by"}] * 2


def test_an_officer_may_not_cancel_or_complete_and_a_family_may_not_complete(world, booked):
    _, parent, _, _, booking = booked
    with pytest.raises(Forbidden):
        world.rpc.bookings.cancel_booking(world.officer, booking["id"])
    with pytest.raises(Forbidden):
        world.rpc.bookings.complete_booking(world.officer, booking["id"])
    with pytest.raises(Forbidden):
        world.rpc.bookings.complete_booking(parent, booking["id"])


def test_what_the_state_forbids_is_a_conflict(world, booked):
    provider, parent, _, _, booking = booked
    with pytest.raises(Conflict) as refused:
        world.rpc.bookings.complete_booking(provider, booking["id"])
    assert refused.value.code == "not_started"
    with pytest.raises(InvalidInput) as invalid:
        world.rpc.bookings.complete_booking(provider, booking["id"], -1)
    assert "final_amount_pence" in invalid.value.errors
    world.rpc.bookings.cancel_booking(provider, booking["id"])
    with pytest.raises(Conflict) as refused:
        world.rpc.bookings.cancel_booking(parent, booking["id"])
    assert refused.value.code == "not_cancellable"


def test_only_officers_list_approvals(world, booked):
    provider, parent, _, _, _ = booked
    for actor in (provider, parent, ADMIN):
        with pytest.raises(Forbidden):
            world.rpc.bookings.list_awaiting_approval(actor)


# --- lists ------------------------------------------------------------------------------

def test_lists_page_newest_first_and_filter_by_status(world, booked):
    provider, parent, slot_id, budget_id, first = booked
    made = [first["id"]] + [world.book(parent, slot_id, 1, budget_id)["id"] for _ in range(4)]
    for booking_id in made:
        world.settled(booking_id)
    world.rpc.bookings.cancel_booking(parent, made[2])

    pages, cursor = [], None
    while True:
        page = world.rpc.bookings.list_bookings(parent, limit=2, cursor=cursor)
        pages.append([b["id"] for b in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    newest_first = list(reversed(made))
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    assert [b["id"] for b in bookings_of(world, provider, status="cancelled")] == [made[2]]
    assert len(bookings_of(world, world.officer, status="confirmed")) == 4


@pytest.mark.parametrize("query,field", [
    ({"status": "lost"}, "status"), ({"limit": 0}, "limit"), ({"limit": 201}, "limit"),
    ({"limit": "10"}, "limit"), ({"cursor": "not-a-cursor"}, "cursor"),
])
def test_bad_list_queries_are_refused_naming_the_field(world, booked, query, field):
    _, parent, _, _, _ = booked
    with pytest.raises(InvalidInput) as refused:
        bookings_of(world, parent, **query)
    assert field in refused.value.errors
