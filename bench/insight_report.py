"""`GET /api/v1/insight` for a council with 100,000 recorded searches and 10,000 bookings:

    python -m bench.insight_report [--searches 100000] [--bookings 10000] [--runs 60]

Starts its own copy of the system on PostgreSQL (bench.run's `System`, one process of each),
bulk-loads the insight read model straight into its tables (searches over the twelve months
to today with a third finding nothing, slots published for the bookings, bookings confirmed,
cancelled, rejected and approved, most charged), then times the officer's request for every
table (the default window) and prints one JSON object with p50 and p95 in
milliseconds. `make bench` runs the same measurement (`measure`) as its insight phase.
The load fills the projections only, not the kept events: the request reads only those.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from devtools import sandbox  # noqa: E402
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, CARE_NEEDS,  # noqa: E402
                                          CATEGORIES, REJECTION_REASONS)
from services.insight import domain  # noqa: E402
from services.insight.models import booking_facts, published_slots, searches  # noqa: E402

DAYS = 365
AREAS = ("powys", "ceredigion", "monmouthshire", "flintshire")
BATCH = 5000


def load(database_url, council, search_count, booking_count, seed=11):
    """Fills the insight projections for `council`; returns the seconds it took."""
    rng = random.Random(seed)
    now = datetime.datetime.now(datetime.timezone.utc)
    started = time.perf_counter()

    def moment():
        return now - datetime.timedelta(days=rng.uniform(0, DAYS - 40))

    search_rows = []
    for _ in range(search_count):
        at = moment()
        search_rows.append(dict(
            event_id=uuid.uuid4().hex, council=council if rng.random() < 0.9 else None,
            region=rng.choice((council, council, None) + AREAS),
            category=rng.choice(CATEGORIES + (None,)),
            needs=domain.listed(rng.sample(CARE_NEEDS, rng.randint(0, 2))),
            accessibility=domain.listed(rng.sample(ACCESSIBILITY_FEATURES, rng.randint(0, 2))),
            max_price_pence=None, words="", searched_at=at, month=domain.month_of(at),
            offers_found=0 if rng.random() < 0.33 else rng.randint(1, 50)))
    slot_rows = []
    for number in range(max(1, booking_count // 5)):  # five bookings a slot
        start = moment() + datetime.timedelta(days=30)
        slot_rows.append(dict(
            slot_id="slot{}".format(number), offer_id="offer{}".format(number % 400),
            provider_id="provider{}".format(number % 40), region=rng.choice(AREAS),
            category=rng.choice(CATEGORIES),
            price_pence=0 if rng.random() < 0.2 else rng.randrange(1000, 20000, 500),
            starts_at=start, month=domain.month_of(start), capacity=rng.randint(5, 20)))
    booking_rows = []
    for number in range(booking_count):
        slot = slot_rows[number // 5 % len(slot_rows)]
        at = slot["starts_at"] - datetime.timedelta(days=rng.uniform(1, 30))
        outcome = rng.random()
        confirmed = outcome < 0.8
        asked = at if rng.random() < 0.3 else None
        booking_rows.append(dict(
            booking_id=uuid.uuid4().hex, family_id="family{}".format(rng.randrange(2000)),
            council=council, slot_id=slot["slot_id"], category=slot["category"], places=1,
            amount_pence=slot["price_pence"], break_month=slot["month"], requested_at=at,
            offer_id=slot["offer_id"], provider_id=slot["provider_id"],
            unit_price_pence=slot["price_pence"], reserved=True,
            released=not confirmed or outcome < 0.1,
            confirmed_at=at if confirmed else None,
            not_made_reason=None if confirmed else rng.choice(REJECTION_REASONS),
            not_made_at=None if confirmed else at,
            cancelled_at=at if outcome < 0.1 else None,
            approval_asked_at=asked, approval="approved" if asked else None,
            approval_decided_at=asked + datetime.timedelta(hours=rng.uniform(0.5, 72))
            if asked else None,
            captured_pence=slot["price_pence"] if 0.1 <= outcome < 0.8 else None,
            captured_at=slot["starts_at"] if 0.1 <= outcome < 0.8 else None))
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            for table, rows in ((searches, search_rows), (published_slots, slot_rows),
                                (booking_facts, booking_rows)):
                for first in range(0, len(rows), BATCH):
                    connection.execute(table.insert(), rows[first:first + BATCH])
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return time.perf_counter() - started


def measure(officer, runs, seconds=30):
    """p50 and p95 ms of the officer's `GET /api/v1/insight` (every table, the default window)."""
    officer.get("/insight")  # warm up
    samples = []
    deadline = time.monotonic() + seconds
    for _ in range(runs):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        officer.get("/insight")
        samples.append(time.perf_counter() - started)
    return {"runs": len(samples),
            "p50_ms": round(sandbox.percentile(samples, 0.5) * 1000, 1),
            "p95_ms": round(sandbox.percentile(samples, 0.95) * 1000, 1)}


def phase(system, officer, search_count, booking_count, runs):
    """`make bench`'s insight phase, on its running system."""
    load_seconds = load(system.env["INSIGHT_DATABASE_URL"], officer_council(officer),
                        search_count, booking_count)
    return dict(measure(officer, runs), searches=search_count, bookings=booking_count,
                load_seconds=round(load_seconds, 1))


def officer_council(officer):
    return officer.get("/me")["council"]


def main():
    from bench.run import ADMIN_PASSWORD, COUNCIL, PASSWORD, System  # the whole system
    from gateway.client import Client
    from devtools.processes import process_counts

    parser = argparse.ArgumentParser(prog="python -m bench.insight_report")
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    with System(process_counts("")) as system:
        Client(system.base_url).signed_in("admin", ADMIN_PASSWORD).post("/officers", {
            "username": "bench.officer", "password": PASSWORD,
            "display_name": "Bench officer", "council": COUNCIL})
        officer = Client(system.base_url).signed_in("bench.officer", PASSWORD)
        figures = phase(system, officer, args.searches, args.bookings, args.runs)
    print(json.dumps(dict(figures, machine={"cpus": os.cpu_count(),
                                            "load_average_1_5_15": os.getloadavg()})))


if __name__ == "__main__":
    main()
