"""Rule 1 (docs/design.md) under real concurrency: two instances of providers (competing
consumers on the real broker) take 50 simultaneous requests for the 5 places of one slot."""
import eventlet
import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcProxy

from devtools.processes import ServiceProcess, wait_until
from devtools.sandbox import CONSUMER_POLL_SECONDS, consumers
from services.providers.service import ProvidersService

from .conftest import World, later

INSTANCES = 2
HANDLER_QUEUE = "evt-bookings-booking_requested--providers.handle_booking_requested"


@pytest.fixture
def providers_instances(amqp_uri, tmp_path, start_service):
    """`providers_instances(kind, database_url)`: two instances of the service on the same
    queues. On PostgreSQL two containers in this process suffice (psycopg2 is green under
    eventlet, so their transactions truly overlap); SQLite, whose driver blocks the process,
    needs two `nameko run` processes for the same."""
    instances = []

    def start(kind, database_url):
        if kind == "postgresql":
            for _ in range(INSTANCES):
                start_service(ProvidersService, DATABASES={"providers": database_url})
            return
        env = {"AMQP_URI": amqp_uri, "PROVIDERS_DATABASE_URL": database_url,
               "OUTBOX_SWEEP_SECONDS": "0.2", "LOG_LEVEL": "WARNING",
               "CONSUMER_POLL_SECONDS": str(CONSUMER_POLL_SECONDS)}
        for number in range(INSTANCES):
            instances.append(ServiceProcess("providers", env=env,
                                            log_dir=str(tmp_path / str(number))).start())
        for queue in ("rpc-providers", HANDLER_QUEUE):
            wait_until(lambda: consumers(amqp_uri, queue) == INSTANCES, 60,
                       message="both instances consuming " + queue)

    yield start
    # Stopping takes a moment each (nameko finishes its workers): stop them side by side.
    list(eventlet.GreenPool().imap(ServiceProcess.stop, instances))


def outcomes(world, slot_id):
    return {(status, reason): count for status, reason, count in world.execute(sa.text(
        "SELECT status, coalesce(reason, ''), count(*) FROM reservations "
        "WHERE slot_id = :slot GROUP BY status, reason").bindparams(slot=slot_id))}


def fire(world, slot_id, booking_ids):
    """Half the requests as RPC calls, half as bookings' events, all in flight at once."""
    calls = []
    for number, booking_id in enumerate(booking_ids):
        if number % 2:
            calls.append(world.rpc.reserve_places.call_async(booking_id, slot_id, 1))
        else:
            world.dispatch("booking_requested", {
                "booking_id": booking_id, "family_id": "f", "council": "powys",
                "slot_id": slot_id, "places": 1, "budget_id": None}, booking_id)
    for call in calls:  # all in flight already; the standalone proxy reads replies in turn
        call.result()
    wait_until(lambda: sum(outcomes(world, slot_id).values()) >= len(booking_ids), 30,
               message="every request answered")


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_fifty_concurrent_requests_for_five_places_reserve_exactly_five(
        kind, make_database_url, providers_instances, service_config):
    database_url = make_database_url(kind, "providers")
    providers_instances(kind, database_url)
    with ServiceRpcProxy("providers", service_config, timeout=30) as rpc:
        world = World(rpc, database_url, service_config)
        _, actor = world.provider()
        offer = world.offer(actor)
        slot, = world.slots(actor, offer["id"], (later(3), 5))

        fire(world, slot["id"], ["b{}".format(n) for n in range(50)])
        assert outcomes(world, slot["id"]) == {("reserved", ""): 5, ("refused", "sold_out"): 45}
        assert rpc.get_slot(slot["id"])["remaining"] == 0

        # One booking is cancelled: exactly one more gets in.
        cancelled = world.execute(sa.text(
            "SELECT booking_id FROM reservations WHERE status = 'reserved' LIMIT 1"))[0][0]
        world.dispatch("booking_cancelled", {"booking_id": cancelled, "by": "family"}, cancelled)
        wait_until(lambda: rpc.get_slot(slot["id"])["remaining"] == 1, 10,
                   message="the release")
        fire(world, slot["id"], ["c{}".format(n) for n in range(10)])
        assert outcomes(world, slot["id"]) == {
            ("reserved", ""): 5, ("released", ""): 1, ("refused", "sold_out"): 54}
        assert rpc.get_slot(slot["id"])["remaining"] == 0
        reserved = world.execute(sa.text("SELECT reserved FROM slots WHERE id = :id")
                                 .bindparams(id=slot["id"]))[0][0]
        assert reserved == 5

        # Every outcome was announced once.
        wait_until(lambda: world.count("outbox_messages", sa.text("sent_at IS NULL")) == 0, 10,
                   message="the outbox drained")
        announced = [event["event_type"] for event in world.outbox()]
        assert announced.count("places_reserved") == 6
        assert announced.count("reservation_refused") == 54
        assert announced.count("places_released") == 1


def test_one_booking_asked_for_many_times_at_once_is_reserved_once(
        make_database_url, providers_instances, service_config):
    """The reservation's insert meets another worker's for the same booking: one row, its
    places taken once, and every answer the same."""
    database_url = make_database_url("postgresql", "providers")
    providers_instances("postgresql", database_url)
    with ServiceRpcProxy("providers", service_config, timeout=30) as rpc:
        world = World(rpc, database_url, service_config)
        _, actor = world.provider()
        slot, = world.slots(actor, world.offer(actor)["id"], (later(3), 5))
        calls = [rpc.reserve_places.call_async("same-booking", slot["id"], 2)
                 for _ in range(20)]
        answers = [call.result() for call in calls]
        assert {answer["status"] for answer in answers} == {"reserved"}
        assert len({tuple(sorted(answer.items())) for answer in answers}) == 1
        assert outcomes(world, slot["id"]) == {("reserved", ""): 1}
        assert rpc.get_slot(slot["id"])["remaining"] == 3
