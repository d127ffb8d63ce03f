"""The gateway's one table from remote errors to problem details."""
import json

import pytest
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService, deserialize, serialize

from gateway.errors import problem_for
from seibiant_common import errors


@pytest.mark.parametrize("error, status, extra", [
    (errors.NotFound("no such budget"), 404, {}),
    (errors.InvalidInput({"places": ["Must be at least 1."]}), 422,
     {"errors": {"places": ["Must be at least 1."]}}),
    (errors.Conflict("idempotency_key_reused", "another body"), 409,
     {"code": "idempotency_key_reused"}),
    (errors.Forbidden(), 403, {}),
    (errors.Unavailable(), 503, {}),
    (UnknownService("bookings"), 503, {}),
    (RpcTimeout(), 503, {}),
])
def test_each_known_error_becomes_its_problem(error, status, extra):
    response = problem_for(error)
    body = json.loads(response.get_data())
    assert response.status_code == status == body["status"]
    assert response.mimetype == "application/problem+json"
    assert body["type"].startswith("https://") and body["title"]
    for key, value in extra.items():
        assert body[key] == value


def test_service_errors_cross_rpc_as_themselves():
    crossed = deserialize(serialize(errors.InvalidInput({"amount_pence": ["Not an integer."]})))
    assert isinstance(crossed, errors.InvalidInput)
    assert crossed.errors == {"amount_pence": ["Not an integer."]}
    crossed = deserialize(serialize(errors.Conflict("sold_out", "no places left")))
    assert (crossed.code, crossed.detail) == ("sold_out", "no places left")


def test_an_unknown_error_is_not_mapped():
    assert problem_for(RemoteError("KeyError", "x")) is None
