"""The whole benchmark in one run: `make bench` (or `python -m bench.run`).

Starts what it needs (a RabbitMQ virtual host, a PostgreSQL database per service, the three
services and the gateway as `nameko run` processes: BENCH_PROCESSES of each, in the form of
make run's SEIBIANT_PROCESSES, one each by default), then measures on the same broker:

1. the limits: raw publish-with-confirm and consume with pika, a bare nameko RPC round trip
   and event round trip (bench/limits.py);
2. end to end: N concurrent families (1, 10, 50) booking through the gateway's HTTP API until
   each booking is confirmed: confirmed bookings per second, p50/p95/p99 from request to
   confirmed (the client's send time to the booking's `updated_at` at confirmation: one
   machine, one clock), errors; the messages one booking costs, counted by RabbitMQ;
3. `GET /api/v1/offers` at 10 connections (wrk, as bench.gateway_load measures it);
4. the same bookings steps (BENCH_COMPARE_CONCURRENCIES, 10 and 50) and offers load again
   with BENCH_COMPARE_PROCESSES (two of each by default; empty: skipped): what more
   processes per service do on this machine, printed beside the main table's steps;
5. search: `GET /api/v1/offers` p50/p95 over 100,000 slots across 5,000 offers;
6. insight: an officer's `GET /api/v1/insight` p50/p95 for a council with 100,000 recorded
   searches and 10,000 bookings (bench/insight_report.py).
7. staycation: two-way matches p50/p95 over 10,000 homes (bench/staycation_matches.py).

Prints a table with the issue's aims beside their figures (bench/aims.py) and writes it as
JSON to bench/results/latest.json. Each part is bounded
(BENCH_PHASE_SECONDS per concurrency, a count of search runs, deadlines everywhere).
`BENCH_PROFILE=1` adds a 10-family phase recorded by py-spy, one profile per service
(var/profiles/*.txt: the hottest frames, by own time and in and below our functions), kept
out of the table's figures. `python -m bench.run costs` measures only part 3 (what one
booking costs: messages and transactions), in about a minute.
"""
import eventlet

eventlet.monkey_patch()

import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402

import psycopg2  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench import aims, insight_report, staycation_matches  # noqa: E402
from bench.gateway_load import ensure_wrk, run_wrk  # noqa: E402
from bench.measure import broker_pid, cpu_seconds, postgres_cpu_seconds  # noqa: E402
from bench.providers_search import load as load_search_data  # noqa: E402
from bench.providers_search import typical_queries  # noqa: E402
from gateway.client import ApiError, Client  # noqa: E402
from devtools import sandbox  # noqa: E402
from devtools.processes import (ROOT, SERVICE_MODULES, listening_sockets,  # noqa: E402
                                process_counts, service_processes, stop_all,
                                wait_until)
from services.bookings.models import bookings  # noqa: E402

PHASE_SECONDS = float(os.environ.get("BENCH_PHASE_SECONDS", "20"))
CONCURRENCIES = [int(n) for n in os.environ.get("BENCH_CONCURRENCIES", "1,10,50").split(",")]
SEARCH_OFFERS = int(os.environ.get("BENCH_SEARCH_OFFERS", "5000"))
SEARCH_SLOTS = int(os.environ.get("BENCH_SEARCH_SLOTS", "100000"))
SEARCH_RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "60"))
INSIGHT_SEARCHES = int(os.environ.get("BENCH_INSIGHT_SEARCHES", "100000"))
INSIGHT_BOOKINGS = int(os.environ.get("BENCH_INSIGHT_BOOKINGS", "10000"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
COMPARE_CONCURRENCIES = [int(n) for n in os.environ.get(
    "BENCH_COMPARE_CONCURRENCIES", "10,50").split(",")]
# The booking steps again with only the booking path's services running (no side consumers
# sharing the two cores): what the saga itself costs. Empty skips it.
PATH_CONCURRENCIES = [int(n) for n in os.environ.get(
    "BENCH_PATH_CONCURRENCIES", "1,10,50").split(",") if n.strip()]
BOOKING_PATH = ("gateway", "budgets", "providers", "bookings")
OFFERS_CONNECTIONS = 10
PASSWORD = "bench-password-1"
ADMIN_PASSWORD = "bench-admin-password"
COUNCIL = "powys"
PRICE = 1_000
RESULTS = os.path.join(ROOT, "bench", "results", "latest.json")


def parse_time(text):
    return datetime.datetime.fromisoformat(text)


class System:
    """The processes (`counts` of each service) on PostgreSQL and a vhost of their own;
    removed afterwards."""

    def __init__(self, counts):
        self.counts = counts

    def __enter__(self):
        self.amqp_uri, self.vhost = sandbox.create_vhost("seibiant-bench")
        self.folder = tempfile.mkdtemp(prefix="seibiant-bench-")
        self.databases = {}
        self.env = {"AMQP_URI": self.amqp_uri,
                    "GATEWAY_ADDRESS": "127.0.0.1:{}".format(sandbox.free_port()),
                    "LOG_LEVEL": "WARNING", "SEIBIANT_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "SEIBIANT_TOKEN_SECRET": uuid.uuid4().hex * 2}
        for name in SERVICE_MODULES:
            url, self.databases[name] = sandbox.create_database("seibiant_bench_" + name)
            self.env[name.upper() + "_DATABASE_URL"] = url
        self.base_url = "http://" + self.env["GATEWAY_ADDRESS"]
        self.start_services()
        self.broker_pid = broker_pid()
        return self

    def start_services(self):
        """Every service's first process; once they are healthy (migrated), the others, and
        waits until each consumes its queue (a gateway: listens on the port)."""
        self.processes = service_processes(self.counts, self.env, self.folder)
        first = self.processes[:len(self.counts)]
        for process in first:
            process.start()
        if set(self.counts) == set(SERVICE_MODULES):
            wait_until(lambda: requests.get(self.base_url + "/api/v1/health", timeout=3).ok,
                       90, interval=0.2, message="a healthy system")
        else:  # some left out (the health check names them down): each first one consuming
            self.wait_ready(dict.fromkeys(self.counts, 1))
        for process in self.processes[len(first):]:
            process.start()
        self.wait_ready(self.counts)

    def wait_ready(self, counts):
        host, port = self.env["GATEWAY_ADDRESS"].split(":")
        for name, count in counts.items():
            wait_until(lambda: count == (
                listening_sockets(host, int(port)) if name == "gateway"
                else sandbox.consumers(self.amqp_uri, "rpc-" + name)), 90, interval=0.2,
                message="{} {} processes ready".format(count, name))

    def restart_with(self, counts):
        self.stop_services()
        self.counts = counts
        self.start_services()

    def stop_services(self):
        """Stops the processes and waits until their database connections have closed
        (a backend's last count is reported as it exits)."""
        stop_all(self.processes)

        def disconnected():
            with psycopg2.connect(sandbox.POSTGRES_DSN) as connection, \
                    connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = ANY(%s)",
                               (list(self.databases.values()),))
                remaining = cursor.fetchone()[0]
            connection.close()
            return remaining == 0
        wait_until(disconnected, 30, interval=0.1, message="the services' connections to close")

    def __exit__(self, *exc):
        self.stop_services()
        for database in self.databases.values():
            sandbox.drop_database(database)
        sandbox.delete_vhost(self.vhost)

    def queued_messages(self):
        """Messages (ready or being handled) in the vhost's queues, but for the dead letters
        and the retry queues, which hold theirs by design (RabbitMQ's figures of up to 5 s
        ago)."""
        queues = requests.get("{}/queues/{}".format(sandbox.RABBIT_MANAGEMENT, self.vhost),
                              params={"columns": "name,messages"},
                              auth=sandbox.GUEST, timeout=10).json()
        return sum(queue.get("messages", 0) for queue in queues
                   if not queue["name"].endswith((".retry", ".dead_letters")))

    def published_messages(self):
        """RabbitMQ's own count of messages published in the vhost (updated every few s)."""
        stats = requests.get("{}/vhosts/{}".format(sandbox.RABBIT_MANAGEMENT, self.vhost),
                             auth=sandbox.GUEST, timeout=10).json()
        return stats.get("message_stats", {}).get("publish", 0)

    def commits(self):
        """Transactions committed so far in each service's database (PostgreSQL's own count).
        A backend reports its count at most once a second, and an idle pooled connection
        not until it is used again or closes: read it with the services stopped."""
        with psycopg2.connect(sandbox.POSTGRES_DSN) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT datname, xact_commit FROM pg_stat_database "
                           "WHERE datname = ANY(%s)", (list(self.databases.values()),))
            counts = dict(cursor.fetchall())
        connection.close()
        return {name: counts[database] for name, database in self.databases.items()}

    def settled_count(self, previous=None):
        """The publish count once the broker's statistics have caught up: RabbitMQ refreshes
        them every 5 s, so two equal readings must be further apart than that."""
        readings = [self.published_messages()]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            eventlet.sleep(6)
            readings.append(self.published_messages())
            if readings[-1] == readings[-2] and readings[-1] != previous:
                break
        return readings[-1]


def build_world(base_url, families):
    """An officer, `families` families with roomy budgets, a provider with one slot each."""
    admin = Client(base_url).signed_in("admin", ADMIN_PASSWORD)
    admin.post("/officers", {"username": "bench.officer", "password": PASSWORD,
                             "display_name": "Bench officer", "council": COUNCIL})
    officer = Client(base_url).signed_in("bench.officer", PASSWORD)
    profile = Client(base_url).post("/providers", {
        "username": "bench.provider", "password": PASSWORD, "name": "Bench breaks",
        "kind": "short_break", "regions": [COUNCIL]})
    officer.post("/providers/{}/approve".format(profile["id"]))
    provider = Client(base_url).signed_in("bench.provider", PASSWORD)
    offer = provider.post("/offers", {"title": "Bench break", "category": "overnight_stay",
                                      "price_pence": PRICE, "region": COUNCIL})
    now = datetime.datetime.now(datetime.timezone.utc)
    slots = provider.post("/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": (now + datetime.timedelta(days=7, hours=n)).isoformat(),
        "end": (now + datetime.timedelta(days=7, hours=n + 6)).isoformat(),
        "capacity": 10000} for n in range(families)]})["items"]
    payers = []
    for n in range(families):
        username = "bench.family{}".format(n)
        family = officer.post("/families", {"username": username, "password": PASSWORD,
                                    "display_name": "Family {}".format(n)})
        budget = officer.post("/budgets", {
            "family_id": family["id"], "allocated_pence": 10 ** 9,
            "period_start": (now - datetime.timedelta(days=1)).isoformat(),
            "period_end": (now + datetime.timedelta(days=365)).isoformat(),
            "allowed_categories": ["overnight_stay"], "auto_approve_limit_pence": 10 ** 6})
        payers.append((Client(base_url, timeout=30).signed_in(username, PASSWORD),
                       budget["id"], slots[n]["id"]))
    return payers


def book_until_confirmed(family, budget_id, slot_id):
    """One booking through the API: (seconds from request to confirmed, status, requests
    after the POST). The POST waits at the gateway until the booking has left `requested`
    (`Prefer: wait`), and so would each GET after it until the status changes (`?wait=`)."""
    sent = datetime.datetime.now(datetime.timezone.utc)
    booking = family.post("/bookings", {"slot_id": slot_id, "places": 1, "budget_id": budget_id},
                          headers={"Idempotency-Key": uuid.uuid4().hex, "Prefer": "wait=25"})
    polls = 0
    deadline = time.monotonic() + 30
    while booking["status"] == "requested" and time.monotonic() < deadline:
        booking = family.get("/bookings/" + booking["id"],
                             params={"wait": 25, "status": booking["status"]})
        polls += 1
    if booking["status"] != "confirmed":
        return None, booking["status"], polls
    return (parse_time(booking["updated_at"]) - sent).total_seconds(), "confirmed", polls


def cpu_readings(system):
    """CPU seconds used so far by each service's processes, RabbitMQ, PostgreSQL and the
    whole machine (this client and the kernel are the rest)."""
    readings = dict.fromkeys(SERVICE_MODULES, 0.0)
    for process in system.processes:
        readings[process.name] += cpu_seconds(process.process.pid)
    readings["rabbitmq"] = cpu_seconds(system.broker_pid)
    readings["postgresql"] = postgres_cpu_seconds()
    with open("/proc/stat") as stat:
        user, nice, system_, idle, iowait, irq, softirq = map(int, stat.readline().split()[1:8])
    readings["machine"] = (user + nice + system_ + irq + softirq) / os.sysconf("SC_CLK_TCK")
    return readings


def booking_phase(system, payers, clients, seconds):
    latencies, outcomes, polls = [], Counter(), []
    cpu_before = cpu_readings(system)
    deadline = time.monotonic() + seconds

    def client(index):
        family, budget_id, slot_id = payers[index]
        while time.monotonic() < deadline:
            try:
                latency, status, polled = book_until_confirmed(family, budget_id, slot_id)
            except (ApiError, requests.RequestException) as error:
                outcomes["error: {}".format(getattr(error, "status", type(error).__name__))] += 1
                continue
            outcomes[status] += 1
            polls.append(polled)
            if latency is not None:
                latencies.append(latency)

    started = time.monotonic()
    list(eventlet.GreenPool(clients).imap(client, range(clients)))
    elapsed = time.monotonic() - started
    cpu_after = cpu_readings(system)
    return {
        "families": clients, "seconds": round(elapsed, 1), "confirmed": outcomes["confirmed"],
        "confirmed_per_s": round(outcomes["confirmed"] / elapsed, 1),
        "p50_ms": round(sandbox.percentile(latencies, 0.50) * 1000, 1) if latencies else None,
        "p95_ms": round(sandbox.percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "p99_ms": round(sandbox.percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "errors": sum(n for k, n in outcomes.items() if k != "confirmed"),
        "outcomes": dict(outcomes),
        # Each poll is a GET through the gateway and an RPC to bookings: load of its own.
        "polls_per_booking": round(sum(polls) / max(1, len(polls)), 1),
        # Where the time goes: on 2 cores, 2000 ms of CPU a second is all there is.
        "cpu_ms_per_confirmed": {
            name: round(1000 * (cpu_after[name] - cpu_before[name])
                        / max(1, outcomes["confirmed"]), 1) for name in cpu_before},
    }


def costs_per_booking(system, payers, counts, count=40):
    """Books `count` times and lets RabbitMQ count the messages published and PostgreSQL the
    transactions committed in each service's database. Confirmation is watched in the
    bookings database, not through the gateway, so that watching adds no message; the
    POST's own RPC (request and reply) is part of booking and is counted. Runs on services
    restarted with `counts` processes; stops them to read the count, and starts them again."""
    if system.counts != counts:
        system.restart_with(counts)
    # What an earlier part left queued is handled before the count, not in it: the booking
    # path's steps leave a backlog of hundreds of bookings' events in the side consumers'
    # queues, which they would otherwise work off inside this part (2026-12-03: counted as
    # notifications 2.6 and insight 1.1 transactions a booking). The figures lag, but a
    # backlog only shrinks once the load has stopped: a 0 is not early.
    wait_until(lambda: system.queued_messages() == 0, 120, interval=1,
               message="the queues left by earlier parts to empty")
    system.restart_with(counts)  # what came before is counted now, not in this part
    before = system.settled_count()
    commits_before = system.commits()
    family, budget_id, slot_id = payers[0]
    ids = [family.post("/bookings", {"slot_id": slot_id, "places": 1, "budget_id": budget_id},
                       headers={"Idempotency-Key": uuid.uuid4().hex})["id"]
           for _ in range(count)]
    engine = sa.create_engine(system.env["BOOKINGS_DATABASE_URL"])
    confirmed = sa.select(sa.func.count()).select_from(bookings).where(
        bookings.c.id.in_(ids), bookings.c.status == "confirmed")
    try:
        with engine.connect() as connection:
            wait_until(lambda: connection.execute(confirmed).scalar() == count, 60,
                       interval=0.2, message="the counted bookings")
    finally:
        engine.dispose()
    after = system.settled_count(previous=before)
    system.stop_services()
    commits_after = system.commits()
    system.start_services()
    return {"messages": round((after - before) / count, 1),
            "transactions": {name: round((commits_after[name] - commits_before[name]) / count, 1)
                             for name in commits_before}}


def offers_phase(system, family, seconds):
    """`GET /api/v1/offers?region=powys` as a family at 10 connections, as bench.gateway_load
    measures it (wrk), on the bench's small world (one offer with a slot per family)."""
    figures = run_wrk(system.base_url + "/api/v1/offers?region=" + COUNCIL, family.token,
                      max(1, round(seconds)), OFFERS_CONNECTIONS, 2)
    return dict(figures, connections=OFFERS_CONNECTIONS)


def search_phase(system, family):
    engine_url = system.env["PROVIDERS_DATABASE_URL"]
    load_seconds = load_search_data(engine_url, SEARCH_OFFERS, SEARCH_SLOTS)
    now = datetime.datetime.now(datetime.timezone.utc)
    results = {"slots": SEARCH_SLOTS, "offers": SEARCH_OFFERS,
               "load_seconds": round(load_seconds, 1)}
    everything = []
    for name, query in typical_queries(now).items():
        filters, limit = query(COUNCIL)
        params = dict(filters, limit=limit)
        family.get("/offers", params=params)  # warm up
        samples = []
        deadline = time.monotonic() + 20
        for _ in range(SEARCH_RUNS):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            family.get("/offers", params=params)
            samples.append(time.perf_counter() - started)
        everything += samples
        results[name] = {"p50_ms": round(sandbox.percentile(samples, 0.5) * 1000, 1),
                         "p95_ms": round(sandbox.percentile(samples, 0.95) * 1000, 1)}
    results["all_queries"] = {"p50_ms": round(sandbox.percentile(everything, 0.5) * 1000, 1),
                              "p95_ms": round(sandbox.percentile(everything, 0.95) * 1000, 1)}
    return results


def limits(amqp_uri):
    figures = {}
    for part in ("pika", "nameko"):
        output = subprocess.run([sys.executable, "-m", "bench.limits", part], cwd=ROOT,
                                env=dict(os.environ, AMQP_URI=amqp_uri, PYTHONPATH=ROOT),
                                capture_output=True, text=True, timeout=180, check=True)
        figures.update(json.loads(output.stdout.strip().splitlines()[-1]))
    return figures


def start_profiles(system):
    folder = os.path.join(ROOT, "var", "profiles")
    os.makedirs(folder, exist_ok=True)
    recorders = {}
    # Not the gateway: with its 20 scrypt threads (eventlet's tpool) py-spy spends about a
    # second of system time per sample there; its CPU per booking is in the table.
    for process in system.processes:
        name = process.label
        if process.name == "gateway":
            continue
        for suffix in (".raw", ".txt"):  # never summarise an earlier run's profile
            if os.path.exists(os.path.join(folder, name + suffix)):
                os.remove(os.path.join(folder, name + suffix))
        with open(os.path.join(folder, name + ".log"), "w") as log:
            recorders[name] = subprocess.Popen(
                [os.path.join(os.path.dirname(sys.executable), "py-spy"), "record",
                 "--pid", str(process.process.pid), "--rate", "50",
                 "--format", "raw", "--output", os.path.join(folder, name + ".raw")],
                stdout=subprocess.DEVNULL, stderr=log)
    return recorders


OUR_CODE = ("services/", "seibiant_common/")


def summarise_profiles(recorders):
    """From py-spy's collapsed stacks, where the CPU goes: the frames with the most own
    time, and our own functions with the most time spent in them and below them."""
    summary = {}
    for name, recorder in recorders.items():
        # py-spy counts samples, not seconds, and falls behind on a saturated machine:
        # it is stopped when the phase ends, and writes what it has on SIGINT.
        recorder.send_signal(signal.SIGINT)
        try:
            recorder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()
        own, inclusive, total = Counter(), Counter(), 0
        path = os.path.join(ROOT, "var", "profiles", name + ".raw")
        if not os.path.exists(path):
            continue
        with open(path) as raw:
            for line in raw:
                stack, _, count = line.rstrip().rpartition(" ")
                if not count.isdigit():  # a frame's name that py-spy read torn
                    continue
                frames = stack.split(";")
                own[frames[-1] or "(a frame py-spy could not name)"] += int(count)
                for frame in set(frames):
                    if any(part in frame for part in OUR_CODE):
                        inclusive[frame] += int(count)
                total += int(count)

        def top(counter):
            return [(frame, round(100.0 * n / total, 1)) for frame, n in counter.most_common(12)]
        summary[name] = {"own": top(own), "inclusive_our_code": top(inclusive)}
        with open(os.path.join(ROOT, "var", "profiles", name + ".txt"), "w") as text:
            for heading, rows in (("own time", summary[name]["own"]),
                                  ("in and below our functions",
                                   summary[name]["inclusive_our_code"])):
                text.write("{}:\n".format(heading))
                text.write("".join("{:5.1f}%  {}\n".format(p, f) for f, p in rows))
    return summary


def print_booking_steps(phases):
    print("  {:>8} {:>10} {:>12} {:>8} {:>8} {:>8} {:>7} {:>6}".format(
        "families", "confirmed", "per second", "p50 ms", "p95 ms", "p99 ms", "errors", "polls"))
    for phase in phases:
        print("  {families:>8} {confirmed:>10} {confirmed_per_s:>12} {p50_ms!s:>8} "
              "{p95_ms!s:>8} {p99_ms!s:>8} {errors:>7} {polls_per_booking:>6}".format(**phase))


def print_cpu(phases):
    print("\n  CPU ms per confirmed booking (machine: everything, this client too)")
    names = list(phases[0]["cpu_ms_per_confirmed"])
    print("  {:>8} ".format("families") + " ".join("{:>9}".format(n) for n in names))
    for phase in phases:
        print("  {:>8} ".format(phase["families"]) + " ".join(
            "{:>9}".format(phase["cpu_ms_per_confirmed"][n]) for n in names))


def processes_text(counts):
    return ", ".join("{} {}".format(name, count) for name, count in counts.items())


def print_table(results):
    print("\n== limits (same broker) ==")
    for key, value in results["limits"].items():
        print("  {:34} {}".format(key, value))
    print("\n== bookings through the gateway, PostgreSQL, until confirmed ({}) ==".format(
        processes_text(results["processes"])))
    print_booking_steps(results["bookings"])
    print_cpu(results["bookings"])
    print("\n  GET /api/v1/offers at {connections} connections (wrk): {requests_per_second} "
          "requests/s, p50 {latency_p50}, p99 {latency_p99}, non-2xx {non_2xx}".format(
              **results["offers_10_connections"]))
    compared = results.get("compared")
    if compared:
        print("\n== the same with {} ==".format(processes_text(compared["processes"])))
        print_booking_steps(compared["bookings"])
        print_cpu(compared["bookings"])
        print("\n  GET /api/v1/offers at {connections} connections (wrk): "
              "{requests_per_second} requests/s, p50 {latency_p50}, p99 {latency_p99}, "
              "non-2xx {non_2xx}".format(**compared["offers_10_connections"]))
    path = results.get("path_only")
    if path:
        print("\n== the same with only the booking path running ({}) ==".format(
            processes_text(path["processes"])))
        print_booking_steps(path["bookings"])
        print_cpu(path["bookings"])
    print("\n  messages published per booking (counted by RabbitMQ): {}".format(
        results["messages_per_booking"]))
    print("  transactions committed per booking, by database (counted by PostgreSQL): {}"
          .format(results["transactions_per_booking"]))
    print("  booking rate bound by the broker (pika confirmed publishes / messages): {}"
          .format(results["bound_bookings_per_s"]))
    print("  best booking rate / that bound: {}".format(results["ratio_to_bound"]))
    print("\n== search: GET /api/v1/offers over {slots} slots, {offers} offers ==".format(
        **results["search"]))
    for name, figures in results["search"].items():
        if isinstance(figures, dict):
            print("  {:40} p50 {:>7} ms  p95 {:>7} ms".format(name, figures["p50_ms"],
                                                             figures["p95_ms"]))
    print("\n== insight: GET /api/v1/insight, {searches} searches, {bookings} bookings ==\n"
          "  p50 {p50_ms} ms  p95 {p95_ms} ms ({runs} runs)".format(**results["insight"]))
    print("\n== staycation: two-way matches over {homes} homes ==\n"
          "  p50 {p50_ms} ms  p95 {p95_ms} ms ({runs} runs)".format(
              **results["staycation_matches"]))
    aims.print_aims(results["aims"])


def settings():
    """The processes of the main table and of the comparison (None: no comparison); exits
    naming the setting when one is malformed."""
    try:
        compare = os.environ.get("BENCH_COMPARE_PROCESSES",
                                 ",".join("{}:2".format(name) for name in SERVICE_MODULES))
        return (process_counts(os.environ.get("BENCH_PROCESSES"), "BENCH_PROCESSES"),
                process_counts(compare, "BENCH_COMPARE_PROCESSES") if compare.strip() else None)
    except ValueError as error:
        sys.exit(str(error))


def main():
    counts, compare = settings()
    ensure_wrk()
    results = {"machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()[0]},
               "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
               "processes": counts}
    with System(counts) as system:
        results["limits"] = limits(system.amqp_uri)
        payers = build_world(system.base_url, max(CONCURRENCIES + COMPARE_CONCURRENCIES))
        results["bookings"] = []
        for clients in CONCURRENCIES:
            results["bookings"].append(booking_phase(system, payers, clients, PHASE_SECONDS))
        # before the search data is loaded: the small world bench.gateway_load measures on
        results["offers_10_connections"] = offers_phase(system, payers[0][0], PHASE_SECONDS)
        if PROFILE:
            # A phase of its own: py-spy takes CPU from the services it samples, so the
            # figures of this phase are kept apart from those of the table.
            recorders = start_profiles(system)
            results["profiled_phase"] = booking_phase(system, payers, 10, PHASE_SECONDS)
            results["profile_own_time_top"] = summarise_profiles(recorders)
        if compare:
            system.restart_with(compare)
            results["compared"] = {
                "processes": compare,
                "bookings": [booking_phase(system, payers, clients, PHASE_SECONDS)
                             for clients in COMPARE_CONCURRENCIES],
                "offers_10_connections": offers_phase(system, payers[0][0], PHASE_SECONDS)}
        if PATH_CONCURRENCIES:
            path = {name: counts[name] for name in BOOKING_PATH}
            system.restart_with(path)
            results["path_only"] = {
                "processes": path,
                "bookings": [booking_phase(system, payers, clients, PHASE_SECONDS)
                             for clients in PATH_CONCURRENCIES]}
        costs = costs_per_booking(system, payers, counts)
        results["messages_per_booking"] = costs["messages"]
        results["transactions_per_booking"] = costs["transactions"]
        bound = results["limits"]["pika_publish_confirmed_per_s"] / max(
            1.0, results["messages_per_booking"])
        results["bound_bookings_per_s"] = round(bound, 1)
        best = max(phase["confirmed_per_s"] for phase in results["bookings"])
        results["ratio_to_bound"] = round(best / bound, 3)
        results["search"] = search_phase(system, payers[0][0])
        officer = Client(system.base_url).signed_in("bench.officer", PASSWORD)
        results["insight"] = insight_report.phase(system, officer, INSIGHT_SEARCHES,
                                                  INSIGHT_BOOKINGS, SEARCH_RUNS)
    results["staycation_matches"] = staycation_matches.measure(runs=SEARCH_RUNS)
    results["aims"] = aims.evaluate(results)
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w") as output:
        json.dump(results, output, indent=2)
    print_table(results)
    print("\nwritten to", os.path.relpath(RESULTS, ROOT))


def costs_only():
    """`python -m bench.run costs`: only what one booking costs (part 3), in about a minute."""
    counts = settings()[0]
    with System(counts) as system:
        costs = costs_per_booking(system, build_world(system.base_url, 1), counts)
    print(json.dumps(costs))


if __name__ == "__main__":
    costs_only() if sys.argv[1:] == ["costs"] else main()
