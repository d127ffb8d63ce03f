"""How much a flood of anonymous sign-ins slows everyone else down:

    python -m bench.sign_in_flood [--clients 30] [--seconds 10] [--env NAME=VALUE ...]

It starts the gateway alone (`nameko run`, the production scrypt cost; `GET /me` needs no
other service) on a fresh RabbitMQ vhost with SQLite in a temporary folder, signs in as
`admin`, then measures the latency of `GET /me` one request after another: first on its own,
then while `--clients` threads sign in as fast as they can, each with a fresh random username
(so each attempt is one scrypt hash, and no username limit applies). `--env` passes settings
to the gateway, for example `--env SEIBIANT_LOGIN_MAX_FAILURES_PER_ADDRESS=1000000` to see the
hashing bound alone. It prints one JSON object: the medians and 90th percentiles of `GET /me`,
and how the sign-ins were answered.
"""
import argparse
import collections
import json
import os
import tempfile
import threading
import time
import uuid

import requests

from devtools import sandbox
from devtools.processes import ServiceProcess, wait_until

ADMIN_PASSWORD = "bench-admin-password"


def latencies(url, token, seconds):
    session, samples = requests.Session(), []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        session.get(url, headers={"Authorization": "Bearer " + token}, timeout=30)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def summary(samples):
    return {"requests": len(samples),
            "median_ms": round(sandbox.percentile(samples, 0.5), 1),
            "p90_ms": round(sandbox.percentile(samples, 0.9), 1)}


def flood(url, stop, statuses):
    session = requests.Session()
    while not stop.is_set():
        response = session.post(url, json={"username": uuid.uuid4().hex, "password": "guess"},
                                timeout=60)
        statuses[response.status_code] += 1  # Counter updates under the GIL: good enough


def main():
    parser = argparse.ArgumentParser(prog="python -m bench.sign_in_flood")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    amqp_uri, vhost = sandbox.create_vhost("seibiant-bench")
    folder = tempfile.mkdtemp(prefix="seibiant-bench-")
    port = sandbox.free_port()
    base_url = "http://127.0.0.1:{}/api/v1".format(port)
    env = {"AMQP_URI": amqp_uri, "GATEWAY_ADDRESS": "127.0.0.1:{}".format(port),
           "LOG_LEVEL": "WARNING", "SEIBIANT_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "SEIBIANT_TOKEN_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
           "GATEWAY_DATABASE_URL": "sqlite:///{}/gateway.sqlite3".format(folder)}
    env.update(item.split("=", 1) for item in args.env)
    gateway = ServiceProcess("gateway", env=env, log_dir=folder)
    try:
        gateway.start()
        wait_until(lambda: requests.get(base_url + "/openapi.json", timeout=3).ok, 60,
                   interval=0.2, message="the gateway")
        token = requests.post(base_url + "/auth/token", timeout=30, json={
            "username": "admin", "password": ADMIN_PASSWORD}).json()["access_token"]
        results = {"clients": args.clients, "seconds": args.seconds, "settings": args.env,
                   "cpus": os.cpu_count(),
                   "load_average_before": round(os.getloadavg()[0], 2)}
        results["GET /me alone"] = summary(latencies(base_url + "/me", token, args.seconds))
        stop, statuses = threading.Event(), collections.Counter()
        threads = [threading.Thread(target=flood, args=(base_url + "/auth/token", stop,
                                                        statuses))
                   for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        try:
            results["GET /me during the flood"] = summary(
                latencies(base_url + "/me", token, args.seconds))
        finally:
            stop.set()
            for thread in threads:
                thread.join(90)
        results["sign-in answers"] = dict(statuses)
        results["load_average_after"] = round(os.getloadavg()[0], 2)
        print(json.dumps(results, indent=2))
    finally:
        gateway.stop()
        sandbox.delete_vhost(vhost)


if __name__ == "__main__":
    main()
