"""The providers search RPC at scale, on PostgreSQL:

    python -m bench.providers_search [--offers 5000] [--slots 100000] [--runs 100] [--keep]

Creates a database and a RabbitMQ virtual host of its own, starts the providers service as a
process (`nameko run`, which applies the migrations), bulk-loads providers, offers and slots
straight into its tables (spread over 22 councils and the next six months; some slots sold
out, some withdrawn, some providers suspended), then times typical searches through RPC and
prints one JSON object: per query, p50 and p95 in milliseconds and the offers found. Every part
is bounded (row counts, runs, a deadline); the database and vhost are dropped unless --keep.
"""
import argparse
import contextlib
import datetime
import json
import os
import random
import sys
import tempfile
import time
import uuid

import eventlet

eventlet.monkey_patch()

from amqp.exceptions import AMQPError  # noqa: E402
from kombu.exceptions import KombuError  # noqa: E402

import sqlalchemy as sa  # noqa: E402
from nameko.standalone.rpc import ServiceRpcProxy  # noqa: E402

from devtools import sandbox  # noqa: E402
from seibiant_common.database import Store, make_engine  # noqa: E402
from devtools.processes import ServiceProcess, wait_until  # noqa: E402
from seibiant_common.types import utcnow  # noqa: E402
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, CARE_NEEDS,  # noqa: E402
                                          CATEGORIES)
from services.providers import domain, models  # noqa: E402
from services.providers.models import PLUMBING_TABLES  # noqa: E402
from services.providers.schemas import PageSchema, SearchPageSchema, SearchSchema  # noqa: E402
from services.providers.search import search  # noqa: E402

COUNCILS = (
    "blaenau-gwent", "bridgend", "caerphilly", "cardiff", "carmarthenshire", "ceredigion",
    "conwy", "denbighshire", "flintshire", "gwynedd", "isle-of-anglesey", "merthyr-tydfil",
    "monmouthshire", "neath-port-talbot", "newport", "pembrokeshire", "powys",
    "rhondda-cynon-taf", "swansea", "torfaen", "vale-of-glamorgan", "wrexham",
)
WORDS = ("quiet", "family", "seaside", "farm", "sensory", "garden", "castle", "forest", "craft",
         "music", "swim", "riding", "cafe", "tea", "lodge", "cottage", "adventure", "art")
WELSH = ("seibiant", "tawel", "teulu", "glan-y-mor", "fferm", "gardd", "castell", "coedwig",
         "caffi", "bwthyn", "antur", "celf")
HORIZON_DAYS = 180
BROKER_ERRORS = (OSError, KombuError, AMQPError)
DEADLINE_SECONDS = float(os.environ.get("BENCH_DEADLINE_SECONDS", "600"))


def machine():
    """How busy the machine was: figures from a shared machine need this beside them."""
    return {"cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg()}


@contextlib.contextmanager
def bench_environment(instances=1, keep=False, max_workers=10):
    """A fresh PostgreSQL database and vhost, and the providers service running on them.
    Yields (database_url, nameko config for clients)."""
    database = vhost = None
    processes = []
    try:
        database_url, database = sandbox.create_database("seibiant_bench_providers")
        # The broker may be restarting (other suites on this machine test that): wait for it.
        wait_until(sandbox.management_answers, 60, interval=1,
                   message="RabbitMQ's management API")
        amqp_uri, vhost = sandbox.create_vhost("seibiant-bench")
        env = {"AMQP_URI": amqp_uri, "PROVIDERS_DATABASE_URL": database_url,
               "MAX_WORKERS": str(max_workers), "LOG_LEVEL": "WARNING"}
        log_dir = tempfile.mkdtemp(prefix="bench-providers-")
        processes = [ServiceProcess("providers", env=env, log_dir=os.path.join(log_dir, str(n)))
                     for n in range(instances)]
        config = {"AMQP_URI": amqp_uri, "serializer": "json"}
        for process in processes:
            process.start()
        wait_until(lambda: sandbox.consumers(amqp_uri, "rpc-providers") == instances, 60,
                   message="the providers service")
        yield database_url, config
    finally:
        for process in processes:
            process.stop()
        if not keep:  # best effort: a failure here must not hide the one that got us here
            if vhost:
                with contextlib.suppress(Exception):
                    sandbox.delete_vhost(vhost)
            if database:
                with contextlib.suppress(Exception):
                    sandbox.drop_database(database)


def load(database_url, offers, slots, seed=7):
    """Bulk-loads `offers` offers (10 per provider) and `slots` slots into the service's
    tables. Returns the seconds it took."""
    rng = random.Random(seed)
    now = utcnow()
    started = time.perf_counter()
    provider_rows, region_rows, offer_rows, slot_rows = [], [], [], []
    offer_ids = []
    for number in range(max(1, offers // 10)):
        provider_id = uuid.uuid4().hex
        regions = rng.sample(COUNCILS, rng.choice((1, 1, 2, 3)))
        provider_rows.append(dict(
            id=provider_id, user_id=uuid.uuid4().hex, name="Provider {}".format(number),
            kind=rng.choice(("hospitality", "short_break")), description="",
            accessibility=[], supports_needs=[], created_at=now, updated_at=now,
            status=domain.SUSPENDED if rng.random() < 0.05 else domain.APPROVED))
        region_rows += [dict(provider_id=provider_id, region=region) for region in regions]
        for _ in range(10):
            if len(offer_rows) == offers:
                break
            accessibility = rng.sample(ACCESSIBILITY_FEATURES, rng.randint(0, 4))
            needs = rng.sample(CARE_NEEDS, rng.randint(0, 3))
            title = " ".join(rng.sample(WORDS, 3)).capitalize()
            title_cy = " ".join(rng.sample(WELSH, 2)).capitalize() if rng.random() < 0.5 else None
            description = " ".join(rng.choice(WORDS) for _ in range(12))
            offer_id = uuid.uuid4().hex
            offer_ids.append(offer_id)
            offer_rows.append(dict(
                id=offer_id, provider_id=provider_id, title=title, description=description,
                title_cy=title_cy, description_cy=None, category=rng.choice(CATEGORIES),
                price_pence=0 if rng.random() < 0.2 else rng.randrange(500, 20000, 50),
                region=rng.choice(regions), accessibility=accessibility, supports_needs=needs,
                accessibility_mask=domain.accessibility_mask(accessibility),
                needs_mask=domain.needs_mask(needs),
                search_text=domain.searchable_text(title, description, title_cy),
                created_by="bench", created_at=now))
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    taken = set()
    while len(slot_rows) < slots:
        offer_id = rng.choice(offer_ids)
        start = today + datetime.timedelta(days=rng.randint(1, HORIZON_DAYS),
                                           hours=rng.choice((9, 10, 13, 14, 18)))
        if (offer_id, start) in taken:
            continue
        taken.add((offer_id, start))
        capacity = rng.randint(1, 10)
        sold_out = rng.random() < 0.15
        slot_rows.append(dict(
            id=uuid.uuid4().hex, offer_id=offer_id, starts_at=start,
            ends_at=start + datetime.timedelta(hours=rng.choice((2, 4, 20))), capacity=capacity,
            reserved=capacity if sold_out else rng.randint(0, capacity - 1),
            status=domain.WITHDRAWN if rng.random() < 0.03 else domain.OPEN, created_at=now))
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        for table, rows in ((models.providers, provider_rows),
                            (models.provider_regions, region_rows),
                            (models.offers, offer_rows), (models.slots, slot_rows)):
            for start in range(0, len(rows), 5000):
                connection.execute(sa.insert(table), rows[start:start + 5000])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def typical_queries(now):
    day = datetime.timedelta(days=1)
    iso = datetime.datetime.isoformat
    return {
        "region_next_4_weeks": lambda region: (
            {"region": region, "from": iso(now), "to": iso(now + 28 * day)}, 50),
        "region_category_max_price": lambda region: (
            {"region": region, "category": "hospitality_meal", "max_price_pence": 2000}, 50),
        "wheelchair_autism_all_wales_2_weeks": lambda region: (
            {"accessibility": ["wheelchair_access"], "needs": ["autism"],
             "to": iso(now + 14 * day)}, 50),
        "welsh_free_text_in_region": lambda region: ({"region": region, "q": "seibiant"}, 50),
        "gifted_breaks_next_month": lambda region: (
            {"max_price_pence": 0, "from": iso(now + 30 * day), "to": iso(now + 60 * day)}, 50),
        "everything_first_page": lambda region: ({}, 50),
        "everything_small_page": lambda region: ({}, 10),
    }


def in_process_search(database_url):
    """The search use case and its output schema without the broker: what one search costs
    the service itself (database and Python), to tell it from the RPC round trip."""
    store = Store(make_engine(database_url), *PLUMBING_TABLES)
    search_in, page_in, page_out = SearchSchema(), PageSchema(), SearchPageSchema()

    def run(filters, limit, cursor=None):
        with store.unit_of_work() as uow:
            page = page_in.load({"limit": limit, "cursor": cursor})
            return page_out.dump(search(uow, search_in.load(filters), **page))
    return run


def timed(call, runs, deadline, warm_up=5):
    """p50 and p95 (ms) of `call(run)` over `runs` runs after a warm-up, and its results."""
    latencies, results = [], []
    for run in range(runs + warm_up):
        started = time.perf_counter()
        result = call(run)
        if run >= warm_up:
            latencies.append(time.perf_counter() - started)
            results.append(result)
        if time.monotonic() > deadline:
            break
    return {"p50_ms": round(sandbox.percentile(latencies, 0.5) * 1000, 1),
            "p95_ms": round(sandbox.percentile(latencies, 0.95) * 1000, 1),
            "runs": len(latencies)}, results


def through_broker_outages(config, measure_once, attempts=3):
    """`measure_once(rpc)` with a fresh RPC proxy, again from the start if the broker went
    away meanwhile (other suites on a shared machine restart it); the figures say so."""
    for attempt in range(attempts):
        try:
            with ServiceRpcProxy("providers", config, timeout=30) as rpc:
                figures = measure_once(rpc)
            if attempt and isinstance(figures, dict):
                figures["broker_outages_retried"] = attempt
            return figures
        except BROKER_ERRORS:
            if attempt == attempts - 1:
                raise
            wait_until(sandbox.management_answers, 120, interval=1, message="RabbitMQ back")
            wait_until(lambda: answers(config), 120, interval=1, message="providers back")


def answers(config):
    with ServiceRpcProxy("providers", config, timeout=5) as rpc:
        return rpc.health()


def measure(config, database_url, runs, deadline):
    """Runs each typical query `runs` times (regions in turn) through RPC, then the same
    in this process without the broker."""
    results = {}
    direct = in_process_search(database_url)
    for name, make in typical_queries(utcnow()).items():
        def call(run, search):
            filters, limit = make(COUNCILS[run % len(COUNCILS)])
            return len(search(filters, limit)["items"])

        def measure_once(rpc):
            figures, found = timed(lambda run: call(run, rpc.search), runs, deadline)
            figures["mean_offers_found"] = round(sum(found) / max(1, len(found)), 1)
            return figures
        results[name] = through_broker_outages(config, measure_once)
        cpu_started = time.process_time()
        service, _ = timed(lambda run: call(run, direct), runs, deadline, warm_up=0)
        results[name]["without_rpc_p50_ms"] = service["p50_ms"]
        results[name]["without_rpc_p95_ms"] = service["p95_ms"]
        # CPU of this process per search (PostgreSQL's own is not in it): a figure that a
        # busy shared machine inflates far less than wall-clock time.
        results[name]["without_rpc_python_cpu_ms"] = round(
            (time.process_time() - cpu_started) / service["runs"] * 1000, 1)

    def second_page(rpc):  # a region's second page, through its cursor
        filters, _limit = typical_queries(utcnow())["region_next_4_weeks"]("powys")
        cursor = rpc.search(filters, 10)["next_cursor"]
        return timed(lambda run: rpc.search(filters, 10, cursor), runs, deadline)[0]
    results["region_second_page"] = through_broker_outages(config, second_page)
    # What any RPC costs here, for scale.
    results["rpc_health_round_trip"] = through_broker_outages(
        config, lambda rpc: timed(lambda run: rpc.health(), runs, deadline)[0])
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.providers_search")
    parser.add_argument("--offers", type=int, default=5000)
    parser.add_argument("--slots", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the database and vhost")
    args = parser.parse_args(argv)
    deadline = time.monotonic() + DEADLINE_SECONDS
    with bench_environment(keep=args.keep) as (database_url, config):
        load_seconds = load(database_url, args.offers, args.slots)
        results = measure(config, database_url, args.runs, deadline)
    print(json.dumps({"offers": args.offers, "slots": args.slots,
                      "load_seconds": round(load_seconds, 1), "queries": results,
                      "machine": machine()}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
