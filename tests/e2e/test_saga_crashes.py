"""The saga survives crashes: 100 concurrent bookings across a few slots and budgets while each
service is killed with SIGKILL and restarted (and, in the second test, while RabbitMQ itself
restarts). Afterwards every booking has settled and the three services agree to the penny and
to the place. The services run as real processes on PostgreSQL and on a RabbitMQ node of the
module's own (`sandbox.rabbitmq_node`: the machine's shared broker is never stopped); the two
tests share them (each in a council, with slots and budgets, of its own)."""
import collections
import datetime
import itertools

import eventlet
import pytest
import sqlalchemy as sa
from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ClusterRpcProxy

from seibiant_common import dead_letters
from devtools.processes import STARTING_ERRORS, ServiceProcess, wait_until
from devtools.sandbox import CONSUMER_POLL_SECONDS, rabbitmq_node

from seibiant_common.types import utcnow
from services.bookings import ballots

from .saga import fresh_postgres_databases
from .world import World, new_id

pytestmark = [pytest.mark.postgres, pytest.mark.e2e]  # its own broker node and processes

NAMES = ("budgets", "providers", "bookings")
SETTINGS = {
    "OUTBOX_SWEEP_SECONDS": "0.2", "EVENT_MAX_ATTEMPTS": "8", "EVENT_RETRY_BACKOFF_MS": "100",
    "STEP_TIMEOUT_SECONDS": "5", "STEP_MAX_RETRIES": "3", "BOOKING_TIMER_SECONDS": "0.5",
    "BALLOT_TIMER_SECONDS": "0.5",
    "APPROVAL_TIMEOUT_SECONDS": "3600", "RPC_TIMEOUT_SECONDS": "10", "LOG_LEVEL": "WARNING",
    "CONSUMER_POLL_SECONDS": str(CONSUMER_POLL_SECONDS),
}
BOOKINGS, CLIENTS = 100, 25
PRICE = 1000
LIVE = ("awaiting_approval", "confirmed", "completed")
HOLDING = ("awaiting_approval", "confirmed")
ROWS = sa.text("SELECT id, status, reason, slot_id, budget_id, places, total_pence "
               "FROM bookings WHERE slot_id IN :slots").bindparams(
    sa.bindparam("slots", expanding=True))


class Cluster:
    """The three services as processes, and a client that rides out their restarts."""

    def __init__(self, broker, databases, log_dir):
        self.broker = broker
        amqp_uri = broker.amqp_uri
        env = dict(SETTINGS, AMQP_URI=amqp_uri, **{
            "{}_DATABASE_URL".format(name.upper()): url for name, url in databases.items()})
        self.processes = {name: ServiceProcess(name, env, log_dir) for name in NAMES}
        self.rpc_config = {"AMQP_URI": amqp_uri, "serializer": "json"}
        self.amqp_uri = amqp_uri
        self.bookings_db = sa.create_engine(databases["bookings"], pool_size=CLIENTS)
        self.clients = eventlet.GreenPool(CLIENTS)

    def start(self):
        for process in self.processes.values():
            process.start()
        for name in NAMES:
            self.call(lambda rpc: getattr(rpc, name).health(), timeout=60)

    def restart(self, name):
        self.processes[name].kill()
        self.processes[name].start()

    def call(self, do, timeout=90):
        """`do(rpc)` with a fresh proxy per try: a standalone proxy is useless once its
        connection drops, and a request may be lost with a dying service."""
        def attempt():
            with ClusterRpcProxy(self.rpc_config, timeout=10) as rpc:
                return do(rpc)
        return wait_until(attempt, timeout, interval=0.2, message="an RPC through the crash",
                          retry=STARTING_ERRORS + (RpcTimeout,))

    def status(self, booking_id):
        with self.bookings_db.connect() as connection:
            return connection.execute(sa.text("SELECT status FROM bookings WHERE id = :id"),
                                      {"id": booking_id}).scalar()

    def state(self, booking_id):
        """(status, reason, places_state, funds_state) of a booking, from its database."""
        with self.bookings_db.connect() as connection:
            return tuple(connection.execute(STATE, {"id": booking_id}).one())

    def known(self, slot_id):
        with self.bookings_db.connect() as connection:
            return connection.execute(sa.text("SELECT 1 FROM known_slots WHERE id = :id"),
                                      {"id": slot_id}).scalar() is not None

    def bookings_on(self, slots):
        with self.bookings_db.connect() as connection:
            return connection.execute(ROWS, {"slots": slots}).all()

    def close(self):
        for client in list(self.clients.coroutines_running):
            client.kill()
        for process in self.processes.values():
            process.kill()
        self.bookings_db.dispose()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with rabbitmq_node() as broker, fresh_postgres_databases(*NAMES) as databases:
        cluster = Cluster(broker, databases, str(tmp_path_factory.mktemp("crash-logs")))
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.close()


class Run:
    """One test's bookings: four slots, one of them small so that it sells out; five families
    whose money (30 places in all) runs out before the places (39), one of them needing an
    officer's approval for anything over one place."""

    def __init__(self, cluster):
        self.cluster = cluster
        with ClusterRpcProxy(cluster.rpc_config, timeout=30) as rpc:
            world = World(rpc, council="crash-" + new_id("c")[-6:])
            provider = world.provider()
            self.slots = [world.slot_of(provider, capacity=capacity, price_pence=PRICE)
                          for capacity in (3, 12, 12, 12)]
            families = [world.family() for _ in range(5)]
            self.payers = [
                (parent, world.budget(parent, allocated_pence=6 * PRICE,
                                      auto_approve_limit_pence=PRICE if n == 0 else 50 * PRICE))
                for n, parent in enumerate(families)]
        self.officer = world.officer
        self.clients = None

    def start(self):
        """CLIENTS families at a time request a booking and wait for it to settle, then the
        next, until BOOKINGS are made."""
        combos = itertools.cycle(itertools.product(self.slots, self.payers))
        requests = [(slot_id, parent, budget_id, 1 + number % 2, new_id("key"))
                    for number, (slot_id, (parent, budget_id)) in zip(range(BOOKINGS), combos)]  # noqa: B905 (endless combos)

        def book(request):
            slot_id, parent, budget_id, places, key = request
            booking = self.cluster.call(lambda rpc: rpc.bookings.request_booking(
                parent, key, {"slot_id": slot_id, "places": places, "budget_id": budget_id}))
            wait_until(lambda: self.cluster.status(booking["id"]) != "requested", 90,
                       interval=0.1, message="booking to settle")
            return booking["id"]

        self.clients = eventlet.spawn(lambda: list(self.cluster.clients.imap(book, requests)))

    def made(self):
        return len(self.cluster.bookings_on(self.slots))

    def check_everything_settled_and_agrees(self):
        booked_ids = self.clients.wait()
        assert len(set(booked_ids)) == BOOKINGS
        rows = self.cluster.bookings_on(self.slots)
        assert len(rows) == BOOKINGS  # retried requests made no second booking
        outcomes = collections.Counter((row.status, row.reason) for row in rows)
        assert outcomes[("requested", None)] == 0, outcomes
        assert outcomes[("confirmed", None)] > 0, outcomes
        assert outcomes[("rejected", "sold_out")] > 0, outcomes
        assert outcomes[("rejected", "insufficient_funds")] > 0, outcomes

        places_live, pence_held = collections.Counter(), collections.Counter()
        for row in rows:
            if row.status in LIVE:
                places_live[row.slot_id] += row.places
            if row.status in HOLDING:
                pence_held[row.budget_id] += row.total_pence

        def ledgers():
            return self.cluster.call(lambda rpc: (
                {slot_id: rpc.providers.get_slot(slot_id) for slot_id in self.slots},
                {budget_id: rpc.budgets.get_budget(self.officer, budget_id)
                 for _, budget_id in self.payers}))

        def agree():
            slots, budgets = ledgers()
            return all(s["capacity"] - s["remaining"] == places_live[i]
                       for i, s in slots.items()) and all(
                b["held_pence"] == pence_held[i] for i, b in budgets.items())

        # the compensations of the last rejections may still be on their way
        wait_until(agree, 30, interval=0.1, message="providers and budgets to agree")
        slots, budgets = ledgers()
        for slot_id, slot in slots.items():
            taken = slot["capacity"] - slot["remaining"]
            assert 0 <= taken <= slot["capacity"]
            assert taken == places_live[slot_id]
        for budget_id, budget in budgets.items():
            assert budget["available_pence"] >= 0
            assert budget["held_pence"] == pence_held[budget_id]
            assert budget["spent_pence"] == 0
            assert budget["available_pence"] == (
                budget["allocated_pence"] - budget["held_pence"] - budget["spent_pence"])
        for name in NAMES:
            assert dead_letters.list_dead_letters(self.cluster.amqp_uri, name) == []


def test_every_booking_settles_when_each_service_is_killed_mid_run(cluster):
    run = Run(cluster)
    run.start()

    for name, after in (("providers", 15), ("budgets", 40), ("bookings", 65)):
        wait_until(lambda: run.made() >= after, 90, message="{} bookings".format(after))
        cluster.restart(name)

    run.check_everything_settled_and_agrees()


def test_every_booking_settles_when_rabbitmq_restarts_mid_run(cluster):
    run = Run(cluster)
    run.start()

    wait_until(lambda: run.made() >= 30, 90, message="30 bookings")
    try:
        cluster.broker.ctl("stop_app")
    finally:
        cluster.broker.ctl("start_app")  # whatever happened, the broker runs again

    run.check_everything_settled_and_agrees()
    # no service died of it: they reconnected (seibiant_common.rpc and .messaging)
    assert all(process.alive() for process in cluster.processes.values())


STATE = sa.text("SELECT status, reason, places_state, funds_state FROM bookings WHERE id = :id")


@pytest.mark.parametrize("killed", NAMES)
def test_a_booking_killed_at_each_step_still_settles_with_places_and_money_reconciled(
        cluster, killed):
    """`killed` is SIGKILLed once its slots are announced to bookings, so the saga stops at
    its step: providers (the places), budgets (the money) or bookings (the confirmation,
    with both answers waiting for it). Two bookings go through it: one confirmed, one
    refused by the other side (no money, or no places), whose compensation reaches the
    killed service only after its restart, perhaps before the request it undoes."""
    with ClusterRpcProxy(cluster.rpc_config, timeout=30) as rpc:
        world = World(rpc, council="step-" + new_id("c")[-6:])
        provider, parent, poor = world.provider(), world.family(), world.family()
        roomy, tiny = (world.slot_of(provider, capacity=c, price_pence=PRICE) for c in (5, 1))
        budget_id = world.budget(parent, allocated_pence=10 * PRICE)
        poor_budget = world.budget(poor, allocated_pence=PRICE)
    wait_until(lambda: all(cluster.known(slot) for slot in (roomy, tiny)), 30,
               message="bookings to hear of the slots")

    def reconciled():
        """Places taken on (roomy, tiny), and pence held on (budget_id, poor_budget)."""
        return cluster.call(lambda rpc: (
            [rpc.providers.get_slot(s)["capacity"] - rpc.providers.get_slot(s)["remaining"]
             for s in (roomy, tiny)],
            [rpc.budgets.get_budget(world.officer, b)["held_pence"]
             for b in (budget_id, poor_budget)]))

    # the one the other side refuses: too little money (providers killed) or places
    refused_by = {"providers": (poor, roomy, poor_budget, "insufficient_funds"),
                  "budgets": (parent, tiny, budget_id, "sold_out"),
                  "bookings": (poor, roomy, poor_budget, "insufficient_funds")}[killed]

    def book(family, slot_id, budget):
        return cluster.call(lambda rpc: rpc.bookings.request_booking(
            family, new_id("key"),
            {"slot_id": slot_id, "places": 2, "budget_id": budget}))["id"]

    process = cluster.processes[killed]
    try:
        if killed != "bookings":
            process.kill()
        confirmed = book(parent, roomy, budget_id)
        refused = book(*refused_by[:3])
        if killed == "bookings":
            # killed right after announcing them: providers and budgets answer while it is
            # away (both reserve places, one hold is refused), their answers wait for it
            process.kill()
            wait_until(lambda: reconciled()[1] == [2 * PRICE, 0]
                       and reconciled()[0][0] in (2, 4), 30,
                       message="providers and budgets to answer")
        else:
            # the saga waits at the killed service's step: the other side has answered
            column, answer = {"providers": (3, "held"), "budgets": (2, "reserved")}[killed]
            wait_until(lambda: cluster.state(confirmed)[column] == answer, 30,
                       message="the other side's answer")
            assert cluster.state(confirmed)[0] == "requested"
    finally:
        if not process.alive():
            process.start()
    cluster.call(lambda rpc: getattr(rpc, killed).health(), timeout=60)

    wait_until(lambda: cluster.state(confirmed)[0] == "confirmed", 60,
               message="the confirmation")
    wait_until(lambda: cluster.state(refused)[:2] == ("rejected", refused_by[3]), 60,
               message="the rejection")
    wait_until(lambda: reconciled() == ([2, 0], [2 * PRICE, 0]), 30,
               message="places and money to agree with the bookings")
    for name in NAMES:
        assert dead_letters.list_dead_letters(cluster.amqp_uri, name) == []


def test_a_ballot_whose_service_is_killed_at_the_close_is_drawn_once_as_its_seed_says(cluster):
    """bookings is SIGKILLed the moment a ballot's applications close (before its draw, or in
    it: the draw is one transaction); after the restart it is drawn once, with the outcome its
    seed, fixed before the close, gives: 3 confirmed, the others told once."""
    carers, places = 8, 3
    with ClusterRpcProxy(cluster.rpc_config, timeout=30) as rpc:
        world = World(rpc, council="ballot-" + new_id("c")[-6:])
        provider = world.provider()
        offer_id = world.offer(provider, price_pence=0, category="hospitality_stay")
        start, close = utcnow() + datetime.timedelta(days=2), utcnow() + datetime.timedelta(
            seconds=5)
        slot_id = rpc.providers.publish_slots(provider, offer_id, {"slots": [{
            "start": start.isoformat(), "end": (start + datetime.timedelta(hours=4)).isoformat(),
            "capacity": places, "allocation": "ballot",
            "applications_close_at": close.isoformat()}]})["items"][0]["id"]
        applied = [rpc.bookings.apply_for_places(world.family(), slot_id, 1)["application"]
                   for _ in range(carers)]
    with cluster.bookings_db.connect() as connection:
        seed = connection.execute(sa.text("SELECT seed FROM ballots WHERE slot_id = :id"),
                                  {"id": slot_id}).scalar()
    expected = {d.entrant.application_id: (d.position, d.outcome) for d in ballots.draw(
        seed, [ballots.Entrant(a["id"], 1, 0, 1) for a in applied], places)}

    process = cluster.processes["bookings"]
    try:
        wait_until(lambda: utcnow() >= close, 30, interval=0.01, message="the close")
        process.kill()
    finally:
        process.start()
    cluster.call(lambda rpc: rpc.bookings.health(), timeout=60)

    record = cluster.call(lambda rpc: wait_until(
        lambda: (lambda r: r if r["status"] == "drawn" else None)(
            rpc.bookings.get_ballot(world.officer, slot_id)), 30, message="the draw"))
    assert record["seed"] == seed
    assert {e["application_id"]: (e["position"], e["outcome"])
            for e in record["entries"]} == expected
    rows = cluster.bookings_on([slot_id])
    assert len(rows) == places
    wait_until(lambda: all(cluster.status(row.id) == "confirmed" for row in rows), 60,
               message="the winners' bookings to be confirmed")
    with cluster.bookings_db.connect() as connection:
        told = connection.execute(sa.text(
            "SELECT count(DISTINCT aggregate_id), count(*) FROM outbox_messages "
            "WHERE event_type = 'ballot_lost' AND aggregate_id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": [a["id"] for a in applied]}).one()
    assert tuple(told) == (carers - places, carers - places)
    assert cluster.call(lambda rpc: rpc.providers.get_slot(slot_id))["remaining"] == 0
