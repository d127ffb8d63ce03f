"""Confirmed bookings per second, and the time from request to confirmed, through the whole
saga (bookings -> providers reserves and budgets holds, at once -> bookings confirms) on
PostgreSQL.

    .venv/bin/python -m bench.bookings_saga

Starts what it needs and removes it afterwards: a RabbitMQ virtual host of its own, three
PostgreSQL databases and the three services as real processes (`nameko run`, MAX_WORKERS
workers each). Every booking is on a slot with room and a budget with money and an automatic
approval, so each one goes the whole way to `confirmed`. Two phases:

- one client: a booking, wait for it to be confirmed, the next (the saga's own latency);
- CONCURRENCY clients doing the same at once (throughput, and latency under that load).

The latency of a booking is from the moment its client sends `request_booking` to the time
bookings recorded its `confirmed` transition (same machine, same clock). Each phase also
gives the CPU milliseconds each service process spent per confirmed booking (from /proc, so
Linux only): on a machine busy with other work the rates fall, that figure hardly moves.
Bounded by BENCH_BOOKINGS bookings and BENCH_SECONDS per phase. Prints one JSON object.
Needs RabbitMQ (management API on :15672) and PostgreSQL as in the README.
"""
import eventlet

eventlet.monkey_patch()

import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench.measure import cpu_seconds  # noqa: E402
from devtools import sandbox  # noqa: E402
from devtools.processes import ServiceProcess, wait_until  # noqa: E402
from services.bookings.models import booking_transitions, bookings  # noqa: E402

BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "600"))
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
FAMILIES = int(os.environ.get("BENCH_FAMILIES", "40"))
SLOTS = int(os.environ.get("BENCH_SLOTS", "20"))
MAX_WORKERS = os.environ.get("MAX_WORKERS", "10")
SERVICES = ("budgets", "providers", "bookings")
PRICE = 1_000
COUNCIL = "powys"
OFFICER = {"user_id": "bench-officer", "role": "officer", "council": COUNCIL,
           "provider_id": None}


class Bench:
    def __enter__(self):
        amqp_uri, self.vhost = sandbox.create_vhost("seibiant-bench")
        self.config = {"AMQP_URI": amqp_uri, "serializer": "json"}
        env = {"AMQP_URI": amqp_uri, "MAX_WORKERS": MAX_WORKERS, "LOG_LEVEL": "WARNING"}
        self.databases = {}
        for name in SERVICES:
            url, self.databases[name] = sandbox.create_database("seibiant_bench_" + name)
            env["{}_DATABASE_URL".format(name.upper())] = url
        self.engine = sa.create_engine(env["BOOKINGS_DATABASE_URL"], pool_size=CONCURRENCY + 5)
        log_dir = tempfile.mkdtemp(prefix="bench-bookings-")
        self.processes = [ServiceProcess(name, env=env, log_dir=log_dir).start()
                          for name in SERVICES]
        with ClusterRpcProxy(self.config) as cluster:
            for name in SERVICES:
                wait_until(getattr(cluster, name).health, 60, interval=0.5,
                           message="{} to start".format(name))
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.stop()
        self.engine.dispose()
        for database in self.databases.values():
            sandbox.drop_database(database)
        sandbox.delete_vhost(self.vhost)

    def world(self):
        """SLOTS roomy slots of one provider; FAMILIES families with budgets to spare."""
        now = datetime.datetime.now(datetime.timezone.utc)
        with ClusterRpcProxy(self.config) as cluster:
            user_id = "bench-provider-" + uuid.uuid4().hex[:6]
            provider_id = cluster.providers.register_provider({
                "user_id": user_id, "name": "Bench breaks", "kind": "short_break",
                "regions": [COUNCIL]})["id"]
            cluster.providers.approve_provider(OFFICER, provider_id)
            provider = {"user_id": user_id, "role": "provider", "council": None,
                        "provider_id": provider_id}
            offer_id = cluster.providers.create_offer(provider, {
                "title": "Bench break", "category": "overnight_stay", "price_pence": PRICE,
                "region": COUNCIL})["id"]
            start = now + datetime.timedelta(days=7)
            slots = cluster.providers.publish_slots(provider, offer_id, {"slots": [{
                "start": (start + datetime.timedelta(hours=n)).isoformat(),
                "end": (start + datetime.timedelta(hours=n + 6)).isoformat(),
                "capacity": 2 * BOOKINGS} for n in range(SLOTS)]})["items"]
            payers = []
            for n in range(FAMILIES):
                family = {"user_id": "bench-family-{}-{}".format(n, uuid.uuid4().hex[:6]),
                          "role": "family", "council": COUNCIL, "provider_id": None}
                budget = cluster.budgets.create_budget(OFFICER, {
                    "family_id": family["user_id"], "family_council": COUNCIL,
                    "allocated_pence": 10 * BOOKINGS * PRICE,
                    "period_start": (now - datetime.timedelta(days=1)).isoformat(),
                    "period_end": (now + datetime.timedelta(days=365)).isoformat(),
                    "allowed_categories": ["overnight_stay"],
                    "auto_approve_limit_pence": 10 * PRICE})
                payers.append((family, budget["id"]))
        return [slot["id"] for slot in slots], payers

    def settled(self, booking_id):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(bookings.c.status).where(
                bookings.c.id == booking_id)).scalar() not in (None, "requested")

    def confirmed_at(self, booking_ids):
        with self.engine.connect() as connection:
            return dict(connection.execute(
                sa.select(booking_transitions.c.booking_id, booking_transitions.c.at)
                .where(booking_transitions.c.to_status == "confirmed",
                       booking_transitions.c.booking_id.in_(booking_ids))).all())

    def run(self, slots, payers, count, clients):
        """`clients` clients, each booking and waiting for the confirmation before the next,
        `count` bookings in all; the confirmed rate and latencies."""
        sent = {}  # booking id -> when its request was sent (wall clock, like the database)
        deadline = time.monotonic() + SECONDS
        numbers = iter(range(count))

        def client(_):
            with ClusterRpcProxy(self.config, timeout=30) as cluster:
                for number in numbers:
                    if time.monotonic() > deadline:
                        return
                    family, budget_id = payers[number % len(payers)]
                    began = datetime.datetime.now(datetime.timezone.utc)
                    booking = cluster.bookings.request_booking(family, uuid.uuid4().hex, {
                        "slot_id": slots[number % len(slots)], "places": 1,
                        "budget_id": budget_id})
                    sent[booking["id"]] = began
                    try:
                        wait_until(lambda: self.settled(booking["id"]),
                                   max(0.1, deadline - time.monotonic()), interval=0.05)
                    except TimeoutError:
                        return

        cpu_before = {p.name: cpu_seconds(p.process.pid) for p in self.processes}
        started = datetime.datetime.now(datetime.timezone.utc)
        list(eventlet.GreenPool(clients).imap(client, range(clients)))
        confirmed = self.confirmed_at(list(sent))
        cpu_ms = {p.name: round((cpu_seconds(p.process.pid) - cpu_before[p.name]) * 1000
                                / max(1, len(confirmed)), 1) for p in self.processes}
        latencies = [(confirmed[i] - sent[i]).total_seconds() for i in confirmed]
        elapsed = (max(confirmed.values()) - started).total_seconds() if confirmed else 0
        return {"clients": clients, "requested": len(sent), "confirmed": len(confirmed),
                "seconds": round(elapsed, 2),
                "confirmed_per_s": round(len(confirmed) / elapsed, 1) if elapsed else 0,
                "request_to_confirmed_ms_p50": round(
                    sandbox.percentile(latencies, 0.5) * 1000, 1),
                "request_to_confirmed_ms_p95": round(
                    sandbox.percentile(latencies, 0.95) * 1000, 1),
                "cpu_ms_per_confirmed_booking": dict(cpu_ms, all=round(sum(cpu_ms.values()), 1))}


def main():
    with Bench() as bench:
        slots, payers = bench.world()
        results = {
            "database": "postgresql", "service_processes": len(SERVICES),
            "max_workers": int(MAX_WORKERS), "slots": len(slots), "budgets": len(payers),
            "one_client": bench.run(slots, payers, SEQUENTIAL, 1),
            "{}_clients".format(CONCURRENCY): bench.run(slots, payers, BOOKINGS, CONCURRENCY),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
