"""A property-based run of the whole API from its own OpenAPI description (schemathesis)
against the live gateway and services: no 5xx, and every answer conforms to the documented
status codes, media types, headers and schemas. Bounded: a few examples per operation, and
explicit ones of what once reached a 500: forged cursors on every list, and times and dates
at and past the edges of 1970-2199 in queries and bodies."""
import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from gateway.http import OPERATIONS, PREFIX, PUBLIC
from tests.crafted import CURSORS, EDGE_DATES, EDGE_MOMENTS

from .world import World

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}


@pytest.fixture(scope="module")
def world(api):
    world = World(api.base_url)
    world.booking = world.book(world.family, world.slot["id"], world.budget["id"])
    world.family.wait_for_booking(world.booking["id"], {"confirmed"})
    world.home, other_home = (_listed_home(world, client)
                              for client in (world.family, world.other_family))
    stay = {"start_date": world.home["availability"][0]["start_date"],
            "end_date": world.home["availability"][0]["end_date"]}
    world.swap = world.other_family.post("/swaps", {
        "my_home_id": other_home["id"], "their_home_id": world.home["id"],
        "my_stay": stay, "their_stay": stay})
    return world


def _listed_home(world, family):
    """A verified family's home, free for a week in a month (staycation's ids are real)."""
    world.verify_for_swaps(family)
    home = family.post("/homes", {"title": "Fuzz home", "region": "powys", "sleeps": 2,
                                  "bedrooms": 1, "address": "1 Fuzz Street"})
    start = datetime.date.today() + datetime.timedelta(days=30)
    return family.request("PUT", "/homes/{}/availability".format(home["id"]), json={"ranges": [
        {"start_date": start.isoformat(),
         "end_date": (start + datetime.timedelta(days=7)).isoformat()}]}).json()


def _pattern(start_date, weeks=1):
    return {"pattern": {"start_date": start_date, "weekdays": ["monday", "tuesday"],
                        "start_time": "10:00", "end_time": "11:00", "weeks": weeks,
                        "capacity": 1}}


def _budget(world, start, end):
    return {"family_id": world.family.user_id, "allocated_pence": 100, "period_start": start,
            "period_end": end, "allowed_categories": ["overnight_stay"],
            "auto_approve_limit_pence": 0}


# Bodies with times and dates at the edges, by operation.
EDGE_BODIES = {
    ("POST", PREFIX + "/offers/{offer_id}/slots"): lambda world: (
        [_pattern(day) for day in EDGE_DATES] + [_pattern("2199-12-30", weeks=2)]
        + [{"slots": [{"start": moment, "end": moment, "capacity": 1}]}
           for moment in EDGE_MOMENTS]),
    ("POST", PREFIX + "/budgets"): lambda world: (
        [_budget(world, moment, "2199-12-31T23:59:59Z") for moment in EDGE_MOMENTS]
        + [_budget(world, "1970-01-01T00:00:00Z", moment) for moment in EDGE_MOMENTS]),
}


def crafted_cases(operation, world, path_parameters):
    """Explicit cases: every crafted cursor on a list, edge times in date-time queries and in
    the bodies of EDGE_BODIES."""
    cases = []
    for parameter in operation.query:
        if parameter.name == "cursor":
            cases += [{"query": {"cursor": cursor}} for cursor in CURSORS]
        elif parameter.definition.get("schema", {}).get("format") == "date-time":
            cases += [{"query": {parameter.name: moment}} for moment in EDGE_MOMENTS]
    bodies = EDGE_BODIES.get((operation.method.upper(), operation.path), lambda world: [])
    cases += [{"body": body, "media_type": "application/json"} for body in bodies(world)]
    return [operation.Case(path_parameters=path_parameters or None, **case) for case in cases]


def run(operation, api, token, mode, path_parameters=None, explicit=()):
    headers = {"Authorization": "Bearer " + token} if token else {}
    checks = CONFORMANCE if mode == GenerationMode.POSITIVE else [not_a_server_error]

    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode,
                                      path_parameters=path_parameters or None))
    def call(case):
        response = case.call(base_url=api.base_url, headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    for case in explicit:
        call = example(case=case)(call)
    try:
        call()
    except Unsatisfiable:
        # nothing to make invalid: an operation without parameters or body
        assert mode == GenerationMode.NEGATIVE


def _key(op):
    """(method, path) of an operation as the OpenAPI description spells it."""
    return op.method, PREFIX + op.path.replace("<", "{").replace(">", "}")


def test_no_input_reaches_a_5xx_and_every_answer_is_as_documented(api, world):
    schema = schemathesis.openapi.from_url(api.url("/openapi.json"))
    roles = {_key(op): op.roles for op in OPERATIONS}
    tokens = {"admin": world.admin.token, "officer": world.officer.token,
              "family": world.family.token, "provider": world.provider.token,
              "referrer": world.referrer.token}
    real_ids = {"budget_id": world.budget["id"], "booking_id": world.booking["id"],
                "offer_id": world.offer["id"], "provider_id": world.pending_provider.provider_id,
                "user_id": world.family.user_id, "family_id": world.family.user_id,
                "slot_id": world.slot["id"], "home_id": world.home["id"],
                "swap_id": world.swap["id"],
                "council": "fuzzshire"}  # not the officer's: nothing set for others
    fuzzed, with_cursors = set(), set()
    for result in schema.get_all_operations():
        operation = result.ok()
        allowed = roles[(operation.method.upper(), operation.path)]
        token = None if allowed == PUBLIC else tokens[allowed[0]]
        ids = {p.name: real_ids[p.name] for p in operation.path_parameters}
        for mode in EXAMPLES:
            run(operation, api, token, mode)
        explicit = crafted_cases(operation, world, ids)
        if ids or explicit:  # with ids that exist, so that the services see the input
            run(operation, api, token, GenerationMode.POSITIVE, path_parameters=ids,
                explicit=explicit)
        if any(case.query and "cursor" in case.query for case in explicit):
            with_cursors.add((operation.method.upper(), operation.path))
        fuzzed.add((operation.method.upper(), operation.path))
    # schemathesis leaves out the description it was loaded from
    assert fuzzed == set(roles) - {("GET", PREFIX + "/openapi.json")}
    assert with_cursors == {_key(op) for op in OPERATIONS
                            if op.query and "cursor" in op.query.fields}
