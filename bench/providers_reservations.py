"""Reservations per second on PostgreSQL:

    python -m bench.providers_reservations [--reservations 2000] [--concurrency 20]
                                           [--instances 1]

Starts the providers service (`--instances` processes) on a fresh PostgreSQL database and vhost
(see bench.providers_search), publishes slots through RPC, then reserves one place per
booking and prints one JSON object with the rate of each workload:
- `rpc_spread`: `reserve_places` calls over 200 slots, `--concurrency` calls in flight;
- `rpc_one_hot_slot`: the same calls all on one slot (every one waits for the slot's lock);
- `events_spread`: `bookings.booking_requested` events over 200 slots, timed until every
  reservation is committed and its answer written to the outbox (the saga's real path).
Every workload is bounded by its count and a deadline.
"""
import argparse
import collections
import datetime
import json
import sys
import time
import uuid

from bench.providers_search import (bench_environment, machine,  # noqa: I100 (patches first)
                                    through_broker_outages, utcnow)

import sqlalchemy as sa  # noqa: E402
from nameko.standalone.events import event_dispatcher  # noqa: E402

from seibiant_common.outbox import envelope  # noqa: E402
from devtools.processes import wait_until  # noqa: E402

SLOTS = 200
DEADLINE_SECONDS = 300
OFFICER = {"user_id": "bench-officer", "role": "officer", "council": "powys",
           "provider_id": None}


def publish(rpc, capacity, slots):
    """One approved provider's offer with `slots` slots of `capacity` places; their ids."""
    user_id = uuid.uuid4().hex
    provider = rpc.register_provider({"user_id": user_id, "name": "Bench", "kind": "short_break",
                                      "regions": ["powys"]})
    rpc.approve_provider(OFFICER, provider["id"])
    actor = {"user_id": user_id, "role": "provider", "council": None,
             "provider_id": provider["id"]}
    offer = rpc.create_offer(actor, {"title": "Bench", "category": "overnight_stay",
                                     "price_pence": 1000, "region": "powys"})
    first = utcnow().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)
    return [slot["id"] for slot in rpc.publish_slots(actor, offer["id"], {"slots": [
        {"start": (first + n * hour).isoformat(), "end": (first + (n + 1) * hour).isoformat(),
         "capacity": capacity} for n in range(slots)]})["items"]]


def rpc_rate(rpc, slot_ids, count, concurrency):
    """`count` reservations through RPC, `concurrency` in flight."""
    outcomes = collections.Counter()
    pending = collections.deque()
    deadline = time.monotonic() + DEADLINE_SECONDS
    started = time.perf_counter()
    for number in range(count):
        pending.append(rpc.reserve_places.call_async(
            uuid.uuid4().hex, slot_ids[number % len(slot_ids)], 1))
        if len(pending) >= concurrency:
            outcomes[pending.popleft().result()["status"]] += 1
        if time.monotonic() > deadline:
            break
    while pending:
        outcomes[pending.popleft().result()["status"]] += 1
    elapsed = time.perf_counter() - started
    return {"per_s": round(sum(outcomes.values()) / elapsed, 1), "outcomes": dict(outcomes)}


def reservations_count(engine):
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM reservations")).scalar()


def events_rate(config, engine, slot_ids, count):
    """`count` booking_requested events; per second until all are reserved and answered."""
    before = reservations_count(engine)
    dispatch = event_dispatcher(config)
    started = time.perf_counter()
    for number in range(count):
        booking_id = uuid.uuid4().hex
        dispatch("bookings", "booking_requested", envelope("booking_requested", {
            "booking_id": booking_id, "family_id": "bench", "council": "powys",
            "slot_id": slot_ids[number % len(slot_ids)], "places": 1, "budget_id": None},
            booking_id, None))
    wait_until(lambda: reservations_count(engine) - before >= count, DEADLINE_SECONDS,
               interval=0.02, message="every reservation")
    return {"per_s": round(count / (time.perf_counter() - started), 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.providers_reservations")
    parser.add_argument("--reservations", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--instances", type=int, default=1)
    args = parser.parse_args(argv)
    count, concurrency = args.reservations, args.concurrency
    results = {"reservations_per_workload": count, "concurrency": args.concurrency,
               "instances": args.instances}
    with bench_environment(instances=args.instances) as (database_url, config):
        engine = sa.create_engine(database_url)
        # Places to spare for every workload (and a retry): every call reserves.
        spread, hot = through_broker_outages(config, lambda rpc: (
            publish(rpc, capacity=4 * count // SLOTS + 10, slots=SLOTS),
            publish(rpc, capacity=3 * count, slots=1)))
        through_broker_outages(config, lambda rpc: rpc_rate(rpc, spread, 50, concurrency))
        results["rpc_spread"] = through_broker_outages(
            config, lambda rpc: rpc_rate(rpc, spread, count, concurrency))
        results["rpc_one_hot_slot"] = through_broker_outages(
            config, lambda rpc: rpc_rate(rpc, hot, count, concurrency))
        results["events_spread"] = through_broker_outages(
            config, lambda rpc: events_rate(config, engine, spread, count))
        engine.dispose()
    results["machine"] = machine()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
