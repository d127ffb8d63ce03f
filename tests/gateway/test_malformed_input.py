"""Bad input over HTTP: malformed JSON, wrong types, huge strings, unknown fields, negative
and float money. Each is a 4xx problem naming what is wrong, never a 5xx, and stores nothing."""
import json

import pytest

from gateway.http import OPERATIONS
from tests.crafted import CURSORS, OUT_OF_RANGE_DATES

from .world import World


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["title"]
    return body


def raw(api, client, method, path, data, content_type="application/json"):
    return api.call(method, path, token=client.token, data=data,
                    headers={"Content-Type": content_type})


@pytest.mark.parametrize("data", [
    b"{", b"{'single': 'quotes'}", b"[1, 2", b'{"a": NaN}', b'{"a": Infinity}',
    b"\xff\xfe not utf-8", b'{"places": 1' + b"0" * 5000 + b"}", b"[" * 100000,
])
def test_malformed_json_is_a_400_naming_the_body(api, world, data):
    body = problem(raw(api, world.family, "POST", "/bookings", data), 400)
    assert "body" in body["errors"]


@pytest.mark.parametrize("data", [b"[]", b'"text"', b"42", b"null", b"true"])
def test_a_body_that_is_not_an_object_is_a_422(api, world, data):
    assert "body" in problem(raw(api, world.family, "POST", "/bookings", data), 422)["errors"]


def test_a_body_that_is_not_json_is_a_415(api, world):
    problem(raw(api, world.officer, "POST", "/families", b"username=x", "text/plain"), 415)


def test_an_oversized_body_is_a_413(api, world):
    huge = json.dumps({"title": "x" * 300000}).encode()
    problem(raw(api, world.provider, "POST", "/offers", huge), 413)


BOOKING = {"slot_id": "abc", "places": 1, "budget_id": "def"}


@pytest.mark.parametrize("field, value", [
    ("places", "1"), ("places", 1.5), ("places", 1.0), ("places", True), ("places", None),
    ("places", 0), ("places", -3), ("places", 10 ** 100), ("places", [1]),
    ("slot_id", 12), ("slot_id", ""), ("slot_id", "x" * 10000), ("slot_id", {"$ne": 1}),
    ("slot_id", "../../etc"), ("budget_id", "\u0000"), ("unexpected", "field"),
])
def test_wrong_types_and_unknown_fields_are_422_naming_the_field(api, world, field, value):
    body = problem(world.family.request("POST", "/bookings", json=dict(BOOKING, **{field: value}),
                                        expect=range(100, 600)), 422)
    assert field in body["errors"]


@pytest.mark.parametrize("field, value", [
    ("allocated_pence", -1), ("allocated_pence", 12.5), ("allocated_pence", 1e3),
    ("allocated_pence", "1000"), ("auto_approve_limit_pence", -100),
    ("auto_approve_limit_pence", 0.01), ("allocated_pence", 10 ** 20),
])
def test_negative_and_float_money_is_refused_and_nothing_is_stored(api, world, field, value):
    before = world.officer.get("/budgets", params={"family_id": world.family.user_id})
    body = {"family_id": world.family.user_id, "allocated_pence": 1000,
            "period_start": "2030-01-01T00:00:00Z", "period_end": "2030-12-31T00:00:00Z",
            "allowed_categories": ["hospitality_meal"], "auto_approve_limit_pence": 0}
    body[field] = value
    answer = problem(world.officer.request("POST", "/budgets", json=body,
                                           expect=range(100, 600)), 422)
    assert field in answer["errors"]
    assert world.officer.get("/budgets", params={"family_id": world.family.user_id}) == before


@pytest.mark.parametrize("text", ["x" * 100000, "\u0000", "bad \udfff", "\x1b[31m"])
def test_huge_and_unprintable_strings_are_refused(api, world, text):
    offer = {"title": text, "category": "hospitality_meal", "price_pence": 0,
             "region": "powys"}
    body = problem(world.provider.request("POST", "/offers", json=offer,
                                          expect=range(100, 600)), 422)
    assert "title" in body["errors"]


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"),
    ("limit=1.5", "limit"), ("limit=1&limit=2", "limit"), ("colour=red", "colour"),
    ("from=yesterday", "from"), ("from=2027-01-01T00:00:00", "from"),
    ("max_price_pence=-1", "max_price_pence"), ("max_price_pence=9.99", "max_price_pence"),
    ("category=spa", "category"), ("accessibility=lift", "accessibility"),
    ("q=" + "q" * 201, "q"), ("region=Powys!", "region"), ("cursor=", "cursor"),
    ("from=2200-01-01T00:00:00Z", "from"), ("from=1969-12-31T23:59:59Z", "from"),
    ("to=9999-12-31T23:59:59-23:59", "to"), ("from=0001-01-01T00:00:00%2B23:59", "from"),
])
def test_bad_queries_are_422_naming_the_parameter(api, world, query, field):
    response = world.family.request("GET", "/offers?" + query, expect=range(100, 600))
    assert field in problem(response, 422)["errors"]


LISTS = [operation for operation in OPERATIONS
         if operation.method == "GET" and operation.query and "cursor" in operation.query.fields]


def _list_path(world, operation):
    """The list's path with a real provider, or an id of nothing: a bad cursor is refused
    before what it lists is looked for; a safeguarding read gives its reason."""
    path = operation.path.replace("<provider_id>", world.provider.provider_id)
    path = path.replace("<swap_id>", "no-such-swap").replace("<family_id>", "no-such-family")
    return path + ("?reason=checking" if "safeguarding" in path else "")


def test_every_list_of_the_api_is_checked_here():
    assert {operation.path for operation in LISTS} >= {
        "/bookings", "/budgets", "/approvals", "/providers", "/offers", "/families",
        "/providers/<provider_id>/offers"}


@pytest.mark.parametrize("operation", LISTS, ids=lambda operation: operation.path)
def test_a_crafted_cursor_is_a_422_naming_the_cursor_on_every_list(api, world, operation):
    client = getattr(world, operation.roles[0])
    path = _list_path(world, operation)
    for cursor in CURSORS:
        response = client.request("GET", path, params={"cursor": cursor},
                                  expect=range(100, 600))
        assert "cursor" in problem(response, 422)["errors"], (path, cursor)
    if "no-such-" in path:
        return  # the list of nothing is a 404 (tests/gateway/test_staycation.py pages it)
    # while the cursor a list gives is taken back
    page = client.get(path, params={"limit": 1})
    if page["next_cursor"]:
        client.get(path, params={"limit": 1, "cursor": page["next_cursor"]})


PATTERN = {"weekdays": ["tuesday"], "start_time": "10:00", "end_time": "16:00", "weeks": 1,
           "capacity": 1}


def _publish(world, pattern):
    return world.provider.request("POST", "/offers/{}/slots".format(world.offer["id"]),
                                  json={"pattern": pattern}, expect=range(100, 600))


@pytest.mark.parametrize("start_date", OUT_OF_RANGE_DATES)
def test_a_pattern_from_a_date_out_of_1970_to_2199_is_a_422_on_its_start_date(
        api, world, start_date):
    before = world.provider.get("/offers/" + world.offer["id"])["slots"]
    body = problem(_publish(world, dict(PATTERN, start_date=start_date)), 422)
    assert list(body["errors"]["pattern"]) == ["start_date"]
    assert world.provider.get("/offers/" + world.offer["id"])["slots"] == before


def test_a_pattern_from_the_last_day_is_taken_but_not_one_running_past_it(api, world):
    body = problem(_publish(world, dict(PATTERN, start_date="2199-12-31", weeks=2,
                                        weekdays=["tuesday", "monday"])), 422)
    assert list(body["errors"]["pattern"]) == ["weeks"]
    published = _publish(world, dict(PATTERN, start_date="2199-12-31"))
    assert published.status_code == 201, published.text
    assert [slot["start"] for slot in published.json()["items"]] == ["2199-12-31T10:00:00+00:00"]


@pytest.mark.parametrize("path", ["/budgets/has%20space", "/budgets/" + "x" * 65,
                                  "/bookings/%00", "/offers/..%2F..%2Fetc"])
def test_ids_that_cannot_exist_are_404(api, world, path):
    problem(world.family.request("GET", path, expect=range(100, 600)), 404)


def test_unknown_paths_and_methods_are_problems_too(api):
    problem(api.get("/no-such-thing"), 404)
    answer = api.call("DELETE", "/health")
    problem(answer, 405)
    assert "GET" in answer.headers["Allow"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "bearer x.y.z",
                                    "Bearer " + "a" * 4000, "Bearer \u00e9t\u00e9"])
def test_bad_authorization_headers_are_401(api, header):
    response = api.get("/me", headers={"Authorization": header.encode("utf-8")})
    assert problem(response, 401) and "Bearer" in response.headers["WWW-Authenticate"]


def test_headers_too_long_for_the_server_are_refused_before_the_gateway(api):
    problem(api.get("/me", headers={"Authorization": "Bearer " + "a" * 10000}), 431)


def test_a_bad_idempotency_key_is_named(api, world):
    response = world.family.request("POST", "/bookings", json=BOOKING, expect=range(100, 600),
                                    headers={"Idempotency-Key": "k" * 201})
    assert "Idempotency-Key" in problem(response, 422)["errors"]
