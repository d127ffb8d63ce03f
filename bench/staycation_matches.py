"""Staycation's two-way matches at scale, on PostgreSQL:

    python -m bench.staycation_matches [--homes 10000] [--runs 100]

Creates a database of its own with staycation's tables, bulk-loads `--homes` listed homes of
as many verified families (random needs, must-haves, features and availability over the next
six months, in 22 regions), then times `application.matches` (what `GET /api/v1/homes/matches`
asks of the service) for random homes and windows, and prints one JSON object: p50 and p95 in
milliseconds and the matches found on average. The database is dropped afterwards.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import time
import types
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench import aims
from devtools import sandbox
from seibiant_common.types import utcnow
from seibiant_common.vocabularies import (ACCESSIBILITY_FEATURES, ADAPTATIONS, CARE_NEEDS,
                                          COUNCIL_AREAS)
from services.staycation import application, domain, models

FAMILY = {"role": "family", "council": "powys", "provider_id": None}


def load(engine, homes, rng):
    today, now = datetime.date.today(), utcnow()
    families, rows = [], []
    for index in range(homes):
        family_id = "fam-{}".format(index)
        needs = rng.sample(CARE_NEEDS, rng.randint(0, 2))
        must_haves = rng.sample(ADAPTATIONS, rng.randint(0, 1))
        requires_mask = domain.feature_mask(domain.required(needs, must_haves))
        families.append({"family_id": family_id, "council": rng.choice(COUNCIL_AREAS),
                         "needs": needs, "must_haves": must_haves,
                         "requires_mask": requires_mask,
                         "verified_by": "officer", "verified_by_role": "officer",
                         "verified_at": now})
        start = today + datetime.timedelta(days=rng.randint(1, 150))
        region = rng.choice(COUNCIL_AREAS)
        accessibility = rng.sample(ACCESSIBILITY_FEATURES, rng.randint(0, 3))
        adaptations = rng.sample(ADAPTATIONS, rng.randint(0, 4))
        rows.append({"id": uuid.uuid4().hex, "family_id": family_id, "council": None,
                     "status": "listed", "title": "Home {}".format(index),
                     "region": region, "sleeps": 4, "bedrooms": 2,
                     "accessibility": accessibility, "adaptations": adaptations,
                     "features_mask": domain.feature_mask(set(accessibility)
                                                          | set(adaptations)),
                     "family_requires_mask": requires_mask,
                     "suits_needs": [], "description": "", "title_cy": None,
                     "description_cy": None, "house_rules": "", "pets_welcome": False,
                     "smoking": False, "address": "{} Bench Street".format(index),
                     "availability": [{"start_date": start,
                                       "end_date": start + datetime.timedelta(days=21)}],
                     "available_from": start,
                     "available_until": start + datetime.timedelta(days=21),
                     "created_at": now, "updated_at": now})
    with engine.begin() as connection:
        connection.execute(models.families.insert(), families)
        connection.execute(models.homes.insert(), rows)
    return rows


def measure(homes=10_000, runs=100, seed=20):
    rng = random.Random(seed)
    url, database = sandbox.create_database("seibiant_bench_staycation")
    engine = sa.create_engine(url)
    try:
        models.Base.metadata.create_all(engine)
        rows = load(engine, homes, rng)
        timings, found = [], []
        for _ in range(runs):
            home = rng.choice(rows)
            start = home["availability"][0]["start_date"]
            actor = dict(FAMILY, user_id=home["family_id"])
            with Session(engine) as session:
                began = time.perf_counter()
                answer = application.matches(types.SimpleNamespace(session=session), actor,
                                             home["id"], start,
                                             start + datetime.timedelta(days=7))
                timings.append((time.perf_counter() - began) * 1000)
            found.append(len(answer))
        timings.sort()
        return {"homes": homes, "runs": runs,
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 1),
                "mean_found": round(statistics.mean(found), 1)}
    finally:
        engine.dispose()
        sandbox.drop_database(database)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--homes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    figures = measure(args.homes, args.runs)
    # the aim beside the figure, as `make bench` prints it (bench/aims.py), and how busy the
    # shared machine was
    [row] = [row for row in aims.evaluate({"bookings": [], "staycation_matches": figures})
             if row["name"].startswith("staycation")]
    print(json.dumps(dict(figures, aim={"p95_ms": row["aim"], "met": row["met"]},
                          machine={"cpus": os.cpu_count(),
                                   "load_average_1_5_15": os.getloadavg()})))


if __name__ == "__main__":
    main()
