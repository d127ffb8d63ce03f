"""Requests per second through the gateway, measured with wrk (Debian's package, installed
with apt-get when missing) against the whole system run as processes, as `make run` does:

    python -m bench.gateway_load [--seconds 10] [--connections 16] [--threads 2]

It starts the three services and the gateway (`nameko run`) on a fresh RabbitMQ vhost with
SQLite files in a temporary folder (or PostgreSQL: set BENCH_POSTGRES=1, and a database per
service is made on the tests' server, TEST_POSTGRES_URL/TEST_POSTGRES_DSN, and dropped
afterwards), builds a small world through the API, then measures, each for a fixed time:

- GET /api/v1/offers?region=powys as a family (a search over RPC with slots);
- POST /api/v1/bookings as a family, each with a fresh Idempotency-Key (202; the saga then runs
  in the background on the same machine, as it would in production).

It prints one JSON object: requests per second, latency percentiles from wrk, non-2xx counts,
the CPU milliseconds each process (and the broker) spent per request, which unlike the rates
hardly depend on what else the machine runs, the machine's load average, and how long the
saga took to settle the bookings after the load. Everything is bounded: the
load runs for `--seconds`, the saga is waited for at most 60 s, and every process is stopped.
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import requests

from bench.measure import broker_pid, cpu_seconds
from gateway.client import Client
from devtools import sandbox
from devtools.processes import SERVICE_MODULES, ServiceProcess, wait_until

POSTGRES = os.environ.get("BENCH_POSTGRES") == "1"
ADMIN_PASSWORD = "bench-admin-password"
PASSWORD = "bench-password-1"

BOOKING_SCRIPT = """
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local n = 0
request = function()
  n = n + 1
  local key = string.format("bench-%d-%d-%d", math.random(1, 2^30), n, os.time())
  local slot = slots[(n % #slots) + 1]
  local body = string.format('{"slot_id": "%s", "places": 1, "budget_id": "%s"}', slot, budget)
  wrk.headers["Idempotency-Key"] = key
  return wrk.format("POST", "/api/v1/bookings", nil, body)
end
"""


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk (apt-get install wrk)...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False,
                   stdout=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-q"], check=False, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True,
                       stdout=subprocess.DEVNULL)


def build_world(base_url):
    admin = Client(base_url).signed_in("admin", ADMIN_PASSWORD)
    admin.post("/officers", {"username": "bench.officer", "password": PASSWORD,
                             "display_name": "Bench", "council": "powys"})
    officer = Client(base_url).signed_in("bench.officer", PASSWORD)
    family = officer.post("/families", {"username": "bench.family", "password": PASSWORD,
                                        "display_name": "Bench family"})
    now = datetime.datetime.now(datetime.timezone.utc)
    budget = officer.post("/budgets", {
        "family_id": family["id"], "allocated_pence": 10 ** 10,
        "period_start": (now - datetime.timedelta(days=1)).isoformat(),
        "period_end": (now + datetime.timedelta(days=365)).isoformat(),
        "allowed_categories": ["hospitality_meal"], "auto_approve_limit_pence": 10 ** 6})
    slots = []
    for number in range(5):
        username = "bench.provider{}".format(number)
        profile = Client(base_url).post("/providers", {
            "username": username, "password": PASSWORD, "name": "Bench cafe {}".format(number),
            "kind": "hospitality", "regions": ["powys"]})
        officer.post("/providers/{}/approve".format(profile["id"]))
        provider = Client(base_url).signed_in(username, PASSWORD)
        offer = provider.post("/offers", {"title": "Lunch {}".format(number),
                                          "category": "hospitality_meal", "price_pence": 100,
                                          "region": "powys"})
        slots += [slot["id"] for slot in provider.post(
            "/offers/{}/slots".format(offer["id"]), {"slots": [{
                "start": (now + datetime.timedelta(days=day + 2)).isoformat(),
                "end": (now + datetime.timedelta(days=day + 2, hours=2)).isoformat(),
                "capacity": 10000} for day in range(4)]})["items"]]
    return Client(base_url).signed_in("bench.family", PASSWORD), budget["id"], slots


def measured(processes, run):
    """`run()`'s wrk figures, with the CPU milliseconds each process spent per request: a
    figure that, unlike requests per second, hardly depends on what else the machine runs."""
    pids = {process.name: process.process.pid for process in processes}
    broker = broker_pid()
    if broker:
        pids["rabbitmq_shared"] = broker  # the broker also serves whatever else runs
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    figures = run()
    figures["cpu_ms_per_request"] = {
        name: round((cpu_seconds(pid) - before[name]) * 1000 / max(1, figures["requests"]), 2)
        for name, pid in pids.items()}
    return figures


def run_wrk(url, token, seconds, connections, threads, script=None):
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "{}s".format(seconds),
               "--latency", "--timeout", "10s", "-H", "Authorization: Bearer " + token,
               "-H", "Content-Type: application/json"]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], check=True, capture_output=True, text=True,
                            timeout=seconds + 60).stdout
    figures = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)",
                                                      output).group(1)),
               "requests": int(re.search(r"(\d+) requests in", output).group(1))}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    errors = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = errors.group(1).strip() if errors else None
    for percent, value in re.findall(r"^\s*(50|90|99)%\s+(\S+)\s*$", output, re.MULTILINE):
        figures["latency_p{}".format(percent)] = value
    return figures


def main():
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_load")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    ensure_wrk()
    amqp_uri, vhost = sandbox.create_vhost("seibiant-bench")
    folder = tempfile.mkdtemp(prefix="seibiant-bench-")
    port = sandbox.free_port()
    env = {"AMQP_URI": amqp_uri, "GATEWAY_ADDRESS": "127.0.0.1:{}".format(port),
           "LOG_LEVEL": "WARNING",
           "SEIBIANT_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "SEIBIANT_TOKEN_SECRET": uuid.uuid4().hex + uuid.uuid4().hex}
    databases, processes = [], []
    base_url = "http://127.0.0.1:{}".format(port)
    try:
        for name in SERVICE_MODULES:
            if POSTGRES:
                url, database = sandbox.create_database("seibiant_bench_" + name)
                databases.append(database)
            else:
                url = "sqlite:///{}/{}.sqlite3".format(folder, name)
            env[name.upper() + "_DATABASE_URL"] = url
        processes = [ServiceProcess(name, env=env, log_dir=folder) for name in SERVICE_MODULES]
        for process in processes:
            process.start()
        wait_until(lambda: requests.get(base_url + "/api/v1/health", timeout=3).ok, 90,
                   interval=0.2, message="a healthy system")
        family, budget_id, slots = build_world(base_url)
        results = {"tool": "wrk {} threads, {} connections, {} s per endpoint".format(
            args.threads, args.connections, args.seconds),
            "databases": "postgresql" if POSTGRES else "sqlite",
            # the machine is shared: a busy one gives lower figures
            "load_average_before": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
        results["GET /api/v1/offers"] = measured(processes, lambda: run_wrk(
            base_url + "/api/v1/offers?region=powys", family.token, args.seconds,
            args.connections, args.threads))
        script = os.path.join(folder, "bookings.lua")
        with open(script, "w") as lua:
            lua.write("slots = {{{}}}\nbudget = \"{}\"\n".format(
                ", ".join('"{}"'.format(slot) for slot in slots), budget_id) + BOOKING_SCRIPT)
        # the bookings' CPU includes the saga each request sets off while the load runs
        results["POST /api/v1/bookings"] = measured(processes, lambda: run_wrk(
            base_url + "/api/v1/bookings", family.token, args.seconds, args.connections,
            args.threads, script))

        def unsettled():
            page = family.get("/bookings", params={"status": "requested", "limit": 1})
            return not page["items"]
        started = time.monotonic()
        try:
            wait_until(unsettled, 60, interval=0.5, message="the saga to settle")
            results["saga_settled_all_seconds_after_load"] = round(
                time.monotonic() - started, 1)
        except TimeoutError:
            results["saga_settled_all_seconds_after_load"] = None
        results["load_average_after"] = round(os.getloadavg()[0], 2)
        print(json.dumps(results, indent=2))
    finally:
        for process in reversed(processes):
            process.stop()
        for database in databases:
            sandbox.drop_database(database)
        sandbox.delete_vhost(vhost)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
