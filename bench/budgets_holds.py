"""Holds per second of the budgets service on PostgreSQL.

    .venv/bin/python -m bench.budgets_holds

Starts what it needs and removes it afterwards: a RabbitMQ virtual host of its own (so no other
running service consumes its messages), a PostgreSQL database, and the budgets service as a
real process (`nameko run`, MAX_WORKERS workers). Then it measures:

- events, spread: `booking_requested` events for many budgets, as the booking saga sends
  them, published all at once; the rate is holds decided (held or refused, with their events
  in the outbox) per second, from the first publish to the last decision;
- events, one hot budget: the same, every hold on a single budget, so they queue on its row
  lock (the worst case: one family's budget swamped);
- RPC: `hold_funds` called by CONCURRENCY clients at once; the rate and latency p50/p95.

Bounded by BENCH_HOLDS holds per phase and BENCH_SECONDS per phase. Prints one JSON object.
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
from kombu import Connection, Exchange, Producer  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from bench.measure import cpu_seconds  # noqa: E402
from devtools import sandbox  # noqa: E402
from seibiant_common.outbox import envelope  # noqa: E402
from devtools.processes import ServiceProcess, wait_until  # noqa: E402
from services.budgets.models import holds  # noqa: E402

HOLDS = int(os.environ.get("BENCH_HOLDS", "2000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
BUDGETS = int(os.environ.get("BENCH_BUDGETS", "100"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))
MAX_WORKERS = os.environ.get("MAX_WORKERS", "10")
AMOUNT = 1_000
START = datetime.datetime(2027, 4, 1, tzinfo=datetime.timezone.utc)
OFFICER = {"user_id": "bench-officer", "role": "officer", "council": "powys",
           "provider_id": None}


def hold_request(budget):
    start = START + datetime.timedelta(days=30)
    return {"booking_id": uuid.uuid4().hex, "budget_id": budget["id"],
            "family_id": budget["family_id"], "amount_pence": AMOUNT,
            "category": "overnight_stay", "break_start": start.isoformat(),
            "break_end": (start + datetime.timedelta(days=2)).isoformat()}


class Bench:
    def __enter__(self):
        self.amqp_uri, self.vhost = sandbox.create_vhost("seibiant-bench")
        self.config = {"AMQP_URI": self.amqp_uri, "serializer": "json"}
        database_url, self.database = sandbox.create_database("seibiant_bench_budgets")
        self.engine = sa.create_engine(database_url)
        self.service = ServiceProcess("budgets", log_dir=tempfile.mkdtemp(), env={
            "AMQP_URI": self.amqp_uri, "BUDGETS_DATABASE_URL": database_url,
            "MAX_WORKERS": MAX_WORKERS, "LOG_LEVEL": "WARNING"}).start()
        with ClusterRpcProxy(self.config) as cluster:
            wait_until(cluster.budgets.health, 60, interval=0.5, message="budgets to start")
        return self

    def __exit__(self, *exc):
        self.service.stop()
        self.engine.dispose()
        sandbox.drop_database(self.database)
        sandbox.delete_vhost(self.vhost)

    def create_budgets(self, count, allocated_pence):
        with ClusterRpcProxy(self.config) as cluster:
            return [cluster.budgets.create_budget(OFFICER, {
                "family_id": "bench-family-{}".format(n), "allocated_pence": allocated_pence,
                "period_start": START.isoformat(),
                "period_end": START.replace(year=START.year + 1).isoformat(),
                "allowed_categories": ["overnight_stay"],
                "auto_approve_limit_pence": allocated_pence}) for n in range(count)]

    def measured(self, phase, *args):
        """Runs a phase and adds the service process's CPU time per hold: on a shared,
        busy machine that figure moves much less than the rate does."""
        before = cpu_seconds(self.service.process.pid)
        result = phase(*args)
        used = cpu_seconds(self.service.process.pid) - before
        result["service_cpu_ms_per_hold"] = round(used * 1000 / max(result["holds"], 1), 2)
        return result

    def decided(self):
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(holds)).scalar()

    def via_events(self, budgets):
        """Publishes HOLDS hold requests at once; the rate of their decisions."""
        before = self.decided()
        exchange = Exchange("bookings.events", type="topic", durable=True)
        started = time.perf_counter()
        with Connection(self.amqp_uri) as connection:
            producer = Producer(connection.channel(), exchange=exchange, serializer="json")
            for n in range(HOLDS):
                payload = hold_request(budgets[n % len(budgets)])
                producer.publish(envelope("booking_requested", payload,
                                          payload["booking_id"], None),
                                 routing_key="booking_requested", delivery_mode=2)
        published = time.perf_counter() - started
        try:
            wait_until(lambda: self.decided() - before >= HOLDS, SECONDS, interval=0.05,
                       message="the holds")
        except TimeoutError:
            pass  # bounded: report what was done in time
        elapsed = time.perf_counter() - started
        done = self.decided() - before
        return {"holds": done, "seconds": round(elapsed, 2),
                "holds_per_s": round(done / elapsed, 1),
                "publish_seconds": round(published, 2)}

    def via_rpc(self, budgets):
        """CONCURRENCY clients each calling hold_funds in turn, HOLDS calls in all."""
        latencies = []
        deadline = time.perf_counter() + SECONDS
        per_client = HOLDS // CONCURRENCY

        def client(number):
            with ClusterRpcProxy(self.config) as cluster:
                for call in range(per_client):
                    if time.perf_counter() > deadline:
                        return
                    budget = budgets[(number * per_client + call) % len(budgets)]
                    began = time.perf_counter()
                    cluster.budgets.hold_funds(**hold_request(budget))
                    latencies.append(time.perf_counter() - began)

        pool = eventlet.GreenPool(CONCURRENCY)
        started = time.perf_counter()
        list(pool.imap(client, range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
        return {"holds": len(latencies), "seconds": round(elapsed, 2),
                "holds_per_s": round(len(latencies) / elapsed, 1),
                "latency_ms_p50": round(sandbox.percentile(latencies, 0.5) * 1000, 1),
                "latency_ms_p95": round(sandbox.percentile(latencies, 0.95) * 1000, 1),
                "clients": CONCURRENCY}


def main():
    with Bench() as bench:
        plenty = HOLDS * AMOUNT * 10  # every hold succeeds: this measures holding, not refusing
        spread = bench.create_budgets(BUDGETS, plenty)
        hot = bench.create_budgets(1, plenty)
        results = {
            "database": "postgresql", "service_processes": 1, "max_workers": int(MAX_WORKERS),
            # the machine is shared: a busy one gives lower figures
            "load_average_1m_at_start": round(os.getloadavg()[0], 2),
            "events_spread_over_{}_budgets".format(BUDGETS): bench.measured(bench.via_events,
                                                                            spread),
            "events_one_hot_budget": bench.measured(bench.via_events, hot),
            "rpc_spread_over_{}_budgets".format(BUDGETS): bench.measured(bench.via_rpc, spread),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
