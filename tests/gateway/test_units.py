"""The gateway's pure parts, without broker or database: tokens, password hashes, schemas."""
import hashlib
import hmac
import json

import pytest
from jwt.utils import base64url_encode
from marshmallow import ValidationError

from gateway import passwords, schemas, tokens

SECRET = "s" * 40


def b64(data):
    return base64url_encode(data).decode("ascii")


def test_a_token_carries_its_subject_until_it_expires():
    token = tokens.issue(SECRET, "user-1", 60, now=1000)
    assert tokens.verify(SECRET, token, now=1059)["sub"] == "user-1"
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(SECRET, token, now=1060)


@pytest.mark.parametrize("mutate", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
    lambda t: ".".join([t.split(".")[0], b64(b'{"sub":"admin","exp":9999999999}'),
                        t.split(".")[2]]),  # claims swapped
    lambda t: b64(b'{"alg":"none","typ":"JWT"}') + "." + t.split(".")[1] + ".",
    lambda t: "not-a-token",
    lambda t: "",
    lambda t: "a.b.c.d",
    lambda t: t + "\u00e9",
])
def test_a_tampered_token_is_refused(mutate):
    token = tokens.issue(SECRET, "user-1", 60)
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(SECRET, mutate(token))


def test_a_token_signed_with_another_secret_is_refused():
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(SECRET, tokens.issue("t" * 40, "user-1", 60))


def signed(secret, claims_json):
    """A token with these claims (raw JSON, which no JWT library would write), signed as the
    gateway signs: only the claims are wrong."""
    signing_input = "{}.{}".format(b64(b'{"alg":"HS256","typ":"JWT"}'),
                                   b64(claims_json.encode())).encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return "{}.{}".format(signing_input.decode(), b64(signature))


GOOD_CLAIMS = '"sub":"user-1","iat":1000,"jti":"abc"'
MALFORMED_CLAIMS = [
    '{%s,"exp":1e400}' % GOOD_CLAIMS, '{%s,"exp":-1e400}' % GOOD_CLAIMS,
    '{%s,"exp":NaN}' % GOOD_CLAIMS, '{%s,"exp":Infinity}' % GOOD_CLAIMS,
    '{%s,"exp":1%s}' % (GOOD_CLAIMS, "0" * 400), '{%s,"exp":9999999999.5}' % GOOD_CLAIMS,
    '{%s,"exp":"9999999999"}' % GOOD_CLAIMS, '{%s,"exp":true}' % GOOD_CLAIMS,
    '{%s,"exp":null}' % GOOD_CLAIMS, '{%s,"exp":9999999999}' % GOOD_CLAIMS, '{%s}' % GOOD_CLAIMS,
    '{"sub":"user-1","jti":"abc","exp":4000000000}',
    '{"sub":"user-1","jti":"abc","iat":1e400,"exp":4000000000}',
    '{"sub":"user-1","jti":"abc","iat":"1000","exp":4000000000}',
    '{"sub":"user-1","jti":"abc","iat":4000000001,"exp":4000000000}',
    '{"sub":1,"iat":1000,"jti":"abc","exp":4000000000}',
    '{"sub":"","iat":1000,"jti":"abc","exp":4000000000}',
    '{"sub":"%s","iat":1000,"jti":"abc","exp":4000000000}' % ("u" * 65),
    '{"iat":1000,"jti":"abc","exp":4000000000}',
    '{"sub":"user-1","iat":1000,"exp":4000000000}',
    '{"sub":"user-1","iat":1000,"jti":["abc"],"exp":4000000000}',
    '[1, 2]', '"text"', '9999999999', 'null',
]


@pytest.mark.parametrize("claims", MALFORMED_CLAIMS + ['{"exp":' * 100000])
def test_a_validly_signed_token_with_a_malformed_claim_is_refused(claims):
    with pytest.raises(tokens.InvalidToken):
        tokens.verify(SECRET, signed(SECRET, claims), now=2000)


def test_well_formed_claims_signed_the_same_way_are_accepted():
    claims = tokens.verify(SECRET, signed(SECRET, '{%s,"exp":4000000000}' % GOOD_CLAIMS),
                           now=2000)
    assert claims["sub"] == "user-1" and claims["jti"] == "abc"


def test_every_token_has_its_own_id():
    first, second = (tokens.verify(SECRET, tokens.issue(SECRET, "user-1", 60))["jti"]
                     for _ in range(2))
    assert first != second


def test_password_hashes_are_salted_scrypt_and_verify():
    first = passwords.hash_password("correct horse", cost=1024)
    second = passwords.hash_password("correct horse", cost=1024)
    assert first != second and first.startswith("scrypt$1024$8$1$")
    assert passwords.verify_password("correct horse", first)
    assert not passwords.verify_password("correct horsf", first)
    assert not passwords.verify_password("x", "garbage")
    assert passwords.needs_rehash(first, 2 ** 14) and not passwords.needs_rehash(first, 1024)


def load(schema, data):
    return schema().load(data)


def messages(schema, data):
    with pytest.raises(ValidationError) as error:
        schema().load(data)
    return error.value.normalized_messages()


BUDGET = {"family_id": "f1", "allocated_pence": 100000,
          "period_start": "2027-04-01T00:00:00+01:00", "period_end": "2028-03-31T23:59:59Z",
          "allowed_categories": ["overnight_stay"], "auto_approve_limit_pence": 5000}


def test_a_budget_body_loads_with_times_in_utc():
    data = load(schemas.CreateBudgetSchema, BUDGET)
    assert data["period_start"] == "2027-03-31T23:00:00+00:00"


@pytest.mark.parametrize("field, value", [
    ("allocated_pence", 10.5), ("allocated_pence", 10.0), ("allocated_pence", "100"),
    ("allocated_pence", True), ("allocated_pence", -1), ("allocated_pence", 10 ** 30),
    ("period_start", "2027-04-01T00:00:00"), ("period_start", "tomorrow"),
    ("period_start", "0001-01-01T00:00:00+01:00"), ("period_start", 12),
    ("allowed_categories", ["spa_day"]), ("allowed_categories", "overnight_stay"),
    ("family_id", "x" * 65), ("family_id", "has space"), ("family_id", None),
])
def test_a_bad_budget_field_is_named(field, value):
    assert field in messages(schemas.CreateBudgetSchema, dict(BUDGET, **{field: value}))


def test_unknown_fields_are_refused():
    assert messages(schemas.CreateBudgetSchema, dict(BUDGET, colour="red")) == {
        "colour": ["Unknown field."]}


@pytest.mark.parametrize("text", ["nul\x00byte", "bell\x07", "lone \ud800 surrogate",
                                  "x" * 4001])
def test_text_must_be_printable_and_capped(text):
    assert "description" in messages(schemas.CreateOfferSchema, {
        "title": "t", "category": "hospitality_meal", "price_pence": 0, "region": "powys",
        "description": text})


def test_new_usernames_are_lower_cased():
    data = load(schemas.CreateFamilySchema, {"username": "Jones.Family", "password": "p" * 8,
                                             "display_name": "The Joneses"})
    assert data["username"] == "jones.family" and data["needs"] == [] and \
        data["language"] == "en"


def test_slots_take_a_list_or_a_pattern_not_both():
    slot = {"start": "2027-05-01T10:00:00Z", "end": "2027-05-01T16:00:00Z", "capacity": 4}
    pattern = {"start_date": "2027-05-01", "weekdays": ["saturday"], "start_time": "10:00",
               "end_time": "16:00", "weeks": 12, "capacity": 4}
    assert load(schemas.PublishSlotsSchema, {"slots": [slot]})["slots"][0]["capacity"] == 4
    assert load(schemas.PublishSlotsSchema, {"pattern": pattern})["pattern"]["start_date"] \
        == "2027-05-01"
    assert "slots" in messages(schemas.PublishSlotsSchema, {"slots": [slot],
                                                            "pattern": pattern})
    assert "slots" in messages(schemas.PublishSlotsSchema, {})


def test_the_openapi_description_covers_every_operation_of_api_v1():
    from gateway import openapi, service  # noqa: F401 (declares the operations)
    spec = json.loads(openapi.spec_json())
    operations = {(method.upper(), path) for path, item in spec["paths"].items()
                  for method in item}
    documented = {
        ("POST", "/auth/token"), ("GET", "/me"), ("POST", "/officers"), ("POST", "/families"),
        ("POST", "/budgets"), ("GET", "/budgets/{budget_id}"), ("GET", "/budgets"),
        ("GET", "/budgets/{budget_id}/statement"), ("POST", "/providers"),
        ("POST", "/providers/{provider_id}/approve"), ("GET", "/providers/{provider_id}"),
        ("POST", "/offers"), ("POST", "/offers/{offer_id}/slots"), ("GET", "/offers"),
        ("GET", "/offers/{offer_id}"), ("POST", "/bookings"), ("GET", "/bookings/{booking_id}"),
        ("GET", "/bookings"), ("POST", "/bookings/{booking_id}/cancel"),
        ("POST", "/bookings/{booking_id}/complete"), ("GET", "/approvals"),
        ("POST", "/approvals/{booking_id}/approve"), ("POST", "/approvals/{booking_id}/decline"),
        ("GET", "/health"),
    }
    extensions = {("GET", "/providers/{provider_id}/offers"), ("GET", "/users/{user_id}"),
                  ("GET", "/families"), ("GET", "/providers"), ("PATCH", "/me")}
    assert {(m, "/api/v1" + p) for m, p in extensions} <= operations
    assert {(m, "/api/v1" + p) for m, p in documented} <= operations
    offers = spec["paths"]["/api/v1/offers"]["get"]
    assert {p["name"] for p in offers["parameters"]} >= {
        "region", "category", "from", "to", "accessibility", "needs", "max_price_pence", "q",
        "limit", "cursor"}
    assert spec["paths"]["/api/v1/bookings"]["post"]["responses"]["202"]


@pytest.mark.parametrize("error", [
    __import__("kombu").exceptions.OperationalError("[Errno 111] ECONNREFUSED"),
    ConnectionResetError(104, "Connection reset by peer"),
    __import__("amqp").exceptions.RecoverableConnectionError("connection closed"),
])
def test_a_broker_that_is_down_or_restarting_is_a_503_not_a_500(error):
    from gateway.errors import problem_for
    response = problem_for(error)
    assert response.status_code == 503
    assert "ECONNREFUSED" not in response.get_data(as_text=True)
