"""A property-based run of the whole API from its own OpenAPI description (schemathesis)
against the live gateway and services: no 5xx, and every answer conforms to the documented
status codes, media types, headers and schemas. Bounded: a few examples per operation."""
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance,
    status_code_conformance,
)

from gateway.http import OPERATIONS, PREFIX, PUBLIC

from .world import World

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}


@pytest.fixture(scope="module")
def world(api):
    world = World(api.base_url)
    world.booking = world.book(world.family, world.slot["id"], world.budget["id"])
    world.family.wait_for_booking(world.booking["id"], {"confirmed"})
    return world


def run(operation, api, token, mode, path_parameters=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    checks = CONFORMANCE if mode == GenerationMode.POSITIVE else [not_a_server_error]

    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode,
                                      path_parameters=path_parameters or None))
    def call(case):
        response = case.call(base_url=api.base_url, headers=headers)
        case.validate_response(response, checks=checks, headers=headers)

    try:
        call()
    except Unsatisfiable:
        # nothing to make invalid: an operation without parameters or body
        assert mode == GenerationMode.NEGATIVE


def test_no_input_reaches_a_5xx_and_every_answer_is_as_documented(api, world):
    schema = schemathesis.openapi.from_url(api.url("/openapi.json"))
    roles = {(op.method, PREFIX + op.path.replace("<", "{").replace(">", "}")): op.roles
             for op in OPERATIONS}
    tokens = {"admin": world.admin.token, "officer": world.officer.token,
              "family": world.family.token, "provider": world.provider.token}
    real_ids = {"budget_id": world.budget["id"], "booking_id": world.booking["id"],
                "offer_id": world.offer["id"], "provider_id": world.pending_provider.provider_id,
                "user_id": world.family.user_id}
    fuzzed = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        allowed = roles[(operation.method.upper(), operation.path)]
        token = None if allowed == PUBLIC else tokens[allowed[0]]
        ids = {p.name: real_ids[p.name] for p in operation.path_parameters}
        for mode in EXAMPLES:
            run(operation, api, token, mode)
        if ids:  # and with ids that exist, so that the services see the fuzzed bodies
            run(operation, api, token, GenerationMode.POSITIVE, path_parameters=ids)
        fuzzed.add((operation.method.upper(), operation.path))
    # schemathesis leaves out the description it was loaded from
    assert fuzzed == set(roles) - {("GET", PREFIX + "/openapi.json")}
