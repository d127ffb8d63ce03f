"""Users, passwords, tokens and sign-in limits, against a live gateway and its database."""
import datetime
import re
import time

import eventlet
import pytest
import requests
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from sqlalchemy.orm import Session

from gateway import accounts, passwords, tokens
from gateway.client import ApiError, Client
from gateway.models import Base
from gateway.service import GatewayService
from seibiant_common.config import StartupRefused
from devtools.processes import wait_until
from devtools.sandbox import free_port

from .conftest import ADMIN_PASSWORD, TOKEN_SECRET, Api, gateway_config
from .test_units import MALFORMED_CLAIMS, signed
from .world import PASSWORD, World, unique


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


HOUR = datetime.timedelta(hours=1)


def csrf_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(api, username, password):
    return api.post("/auth/token", json={"username": username, "password": password})


WINDOW = 900  # LOGIN_WINDOW_SECONDS, which the gateways of these tests leave as it is


def waits_out_the_window(limited):
    """Whether a 429's Retry-After is the rest of a sign-in window that began in this test
    (a minute ago at most): the whole window, not some other wait."""
    return WINDOW - 60 <= int(limited.headers["Retry-After"]) <= WINDOW + 1


def test_bad_credentials_are_one_401_whether_or_not_the_username_exists(api, world):
    known = sign_in(api, "admin", "wrong password")
    unknown = sign_in(api, unique("nobody"), "wrong password")
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    assert known.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


def test_an_unknown_username_costs_the_same_password_hash_as_a_known_one(api, world,
                                                                       monkeypatch):
    """No fast path for a missing user: both check one scrypt hash of the same cost (timing
    alone would be a flaky test on a shared machine)."""
    checked = []
    verify = passwords.verify_password

    def counting(password, stored):
        checked.append(stored.split("$")[1])
        return verify(password, stored)
    monkeypatch.setattr(passwords, "verify_password", counting)
    known = unique("known")
    world.officer.post("/families", {"username": known, "password": PASSWORD,
                                     "display_name": "Known"})
    assert sign_in(api, known, "not the password").status_code == 401
    assert sign_in(api, unique("nobody"), "not the password").status_code == 401
    assert len(checked) == 2 and checked[0] == checked[1]


def test_sign_in_is_rate_limited_per_username_existing_or_not(api, world):
    for username in ("admin-" + unique("x"), world.family.get("/me")["username"]):
        statuses = [sign_in(api, username, "guess {}".format(n)).status_code
                    for n in range(7)]
        assert statuses == [401] * 5 + [429] * 2
        limited = sign_in(api, username, "guess")
        assert limited.status_code == 429 and waits_out_the_window(limited)
        assert limited.headers["Content-Type"] == "application/problem+json"
    # other usernames are not affected
    assert sign_in(api, "admin", ADMIN_PASSWORD).status_code == 200


def test_a_good_sign_in_clears_the_failures(api, world):
    username = unique("family")
    world.officer.post("/families", {"username": username, "password": PASSWORD,
                                     "display_name": "F"})
    for _ in range(4):
        assert sign_in(api, username, "wrong").status_code == 401
    assert sign_in(api, username.upper(), PASSWORD).status_code == 200  # case-insensitive
    assert [sign_in(api, username, "wrong").status_code for _ in range(5)] == [401] * 5


def test_tokens_expire_and_die_with_their_user(api, world, live):
    expired = tokens.issue(TOKEN_SECRET, world.family.user_id, 60, now=time.time() - 120)
    assert api.get("/me", token=expired).status_code == 401
    forged = tokens.issue("another secret that is long enough, too......",
                          world.family.user_id, 60)
    assert api.get("/me", token=forged).status_code == 401
    ghost = tokens.issue(TOKEN_SECRET, "no-such-user", 60)
    assert api.get("/me", token=ghost).status_code == 401
    fresh = tokens.issue(TOKEN_SECRET, world.family.user_id, 60)
    assert api.get("/me", token=fresh).json()["id"] == world.family.user_id


def test_signing_out_stops_that_token_and_no_other(api, world):
    username = unique("family")
    world.officer.post("/families", {"username": username, "password": PASSWORD,
                                     "display_name": "F"})
    leaving, staying = api.token(username, PASSWORD), api.token(username, PASSWORD)
    answer = api.call("DELETE", "/auth/token", token=leaving)
    assert answer.status_code == 204 and answer.content == b""
    assert api.get("/me", token=leaving).status_code == 401
    assert api.call("DELETE", "/auth/token", token=leaving).status_code == 401
    assert api.get("/me", token=staying).json()["username"] == username
    assert api.call("DELETE", "/auth/token").status_code == 401


@pytest.mark.parametrize("claims", MALFORMED_CLAIMS)
def test_a_token_signed_with_the_real_secret_but_malformed_claims_is_a_401(api, world,
                                                                          claims):
    claims = claims.replace('"user-1"', '"{}"'.format(world.family.user_id))
    response = api.get("/me", token=signed(TOKEN_SECRET, claims))
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"] == "application/problem+json"


def test_staff_are_told_a_username_is_taken_but_self_registration_is_not(api, world):
    username = unique("taken")
    world.officer.post("/families", {"username": username, "password": PASSWORD,
                                     "display_name": "First"})
    with pytest.raises(ApiError) as taken:
        world.officer.post("/families", {"username": username.upper(), "password": PASSWORD,
                                         "display_name": "Second"})
    assert taken.value.status == 409
    assert taken.value.response.json()["code"] == "username_unavailable"

    # An anonymous registration under a taken name answers like any other...
    registration = {"password": "another-password-1", "name": "Cafe", "kind": "hospitality",
                    "regions": ["powys"]}
    fresh = api.post("/providers", json=dict(registration, username=unique("cafe")))
    again = api.post("/providers", json=dict(registration, username=username))
    assert fresh.status_code == again.status_code == 201
    assert set(fresh.json()) == set(again.json())
    # ...yet stores nothing: no profile without a sign-in waits for an officer.
    pending = world.officer.get("/providers", params={"status": "pending", "limit": "200"})
    assert again.json()["id"] not in [provider["id"] for provider in pending["items"]]
    # ...but makes no sign-in: the username stays its owner's.
    assert sign_in(api, username, "another-password-1").status_code == 401
    assert sign_in(api, username, PASSWORD).status_code == 200


def test_passwords_are_stored_as_salted_scrypt(live, world):
    engine = sa.create_engine(live.config["DATABASES"]["gateway"])
    with engine.connect() as connection:
        stored = connection.execute(sa.text(
            "SELECT password_hash FROM users WHERE username = 'admin'")).scalar()
    engine.dispose()
    assert stored.startswith("scrypt$") and ADMIN_PASSWORD not in stored
    assert passwords.verify_password(ADMIN_PASSWORD, stored)


@pytest.mark.parametrize("missing", ["TOKEN_SECRET", "ADMIN_PASSWORD"])
def test_the_gateway_will_not_start_without_its_secrets(vhost_uri, tmp_path, monkeypatch,
                                                        missing):
    monkeypatch.delenv("SEIBIANT_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("SEIBIANT_ADMIN_PASSWORD", raising=False)
    config = gateway_config(vhost_uri, {"gateway": "sqlite:///{}".format(tmp_path / "g.db")},
                            free_port(), **{missing: ""})
    container = ServiceContainer(GatewayService, config)
    with pytest.raises(StartupRefused):
        container.start()
    container.kill()


def test_two_gateways_on_postgresql_share_users_limits_sign_outs_and_the_admin_password(
        start_service, make_database_url):
    """Sign-in attempts and signed-out tokens live in the database, so they hold across
    instances; a new SEIBIANT_ADMIN_PASSWORD replaces the old one at the next start."""
    url = make_database_url("postgresql", "gateway")
    apis = []
    for _ in range(2):
        port = free_port()
        start_service(GatewayService, DATABASES={"gateway": url},
                      WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
                      ADMIN_PASSWORD=ADMIN_PASSWORD, PASSWORD_COST=1024)
        apis.append(Api("http://127.0.0.1:{}".format(port)))
    wait_until(lambda: all(a.get("/openapi.json").status_code == 200 for a in apis), 10)
    statuses = [sign_in(apis[n % 2], "nobody-pg", "guess").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    token = apis[0].token("admin", ADMIN_PASSWORD)
    assert apis[1].get("/me", token=token).json()["username"] == "admin"
    # signed out of the web pages on one, a copy of the cookie is refused by the other
    browser = requests.Session()
    form = browser.get(apis[0].base_url + "/sign-in", timeout=10).text
    browser.post(apis[0].base_url + "/sign-in", timeout=10, data={
        "username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf_of(form)})
    copied = dict(browser.cookies)
    home = browser.get(apis[1].base_url + "/", timeout=10)
    assert "Sign out" in home.text
    browser.post(apis[1].base_url + "/sign-out", timeout=10, data={
        "csrf_token": csrf_of(home.text)})
    assert "Sign out" not in requests.get(apis[0].base_url + "/", cookies=copied,
                                          timeout=10).text

    port = free_port()
    start_service(GatewayService, DATABASES={"gateway": url},
                  WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
                  ADMIN_PASSWORD="a-new-admin-password", PASSWORD_COST=1024)
    third = Client("http://127.0.0.1:{}".format(port))
    wait_until(lambda: third.request("GET", "/openapi.json"), 10)
    assert third.signed_in("admin", "a-new-admin-password").role == "admin"
    assert sign_in(apis[0], "admin", ADMIN_PASSWORD).status_code == 401


def test_expired_counters_of_any_username_are_swept(api, live):
    engine = sa.create_engine(live.config["DATABASES"]["gateway"])
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO login_counters (key, attempts, window_started_at) "
            "VALUES ('user:long-gone', 3, :at)"), {"at": "2020-01-01 00:00:00"})
    assert sign_in(api, unique("someone"), "guess").status_code == 401
    with engine.connect() as connection:
        left = connection.execute(sa.text(
            "SELECT count(*) FROM login_counters WHERE key = 'user:long-gone'")).scalar()
    engine.dispose()
    assert left == 0


def test_concurrent_guesses_on_postgresql_get_no_more_password_checks_than_the_limit(
        start_service, make_database_url, monkeypatch):
    """The attempt is counted atomically before the password is checked: 50 guesses at once
    (workers, hashing and the address limit all roomy enough) get at most 5 checks."""
    checks = []
    verify = passwords.verify_password

    def counting(password, stored):
        checks.append(1)
        return verify(password, stored)
    monkeypatch.setattr(passwords, "verify_password", counting)
    port = free_port()
    start_service(GatewayService, DATABASES={"gateway": make_database_url("postgresql", "gw")},
                  WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
                  ADMIN_PASSWORD=ADMIN_PASSWORD, PASSWORD_COST=1024, max_workers=60,
                  PASSWORD_HASHES_AT_ONCE=60, LOGIN_MAX_FAILURES_PER_ADDRESS=1000)
    api = Api("http://127.0.0.1:{}".format(port))
    wait_until(lambda: api.get("/openapi.json").status_code == 200, 10)
    del checks[:]
    pool = eventlet.GreenPool(50)
    statuses = list(pool.imap(lambda n: requests.post(api.url("/auth/token"), timeout=60, json={
        "username": "admin", "password": "guess {}".format(n)}).status_code, range(50)))
    print("password checks for 50 concurrent guesses:", len(checks))
    assert len(checks) == 5  # LOGIN_MAX_FAILURES: counted before each check, so no more
    assert statuses.count(401) == len(checks) and statuses.count(429) == 50 - len(checks)
    # a username that grows when lower-cased (U+0130 becomes two characters) still fits
    assert sign_in(api, "\u0130" * 64, "guess").status_code == 401


def own_gateway(start_service, make_database_url, **settings):
    """A gateway of the test's own (SQLite), with these sign-in settings."""
    port = free_port()
    start_service(GatewayService, DATABASES={"gateway": make_database_url("sqlite", "gw")},
                  WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
                  ADMIN_PASSWORD=ADMIN_PASSWORD, PASSWORD_COST=1024, **settings)
    api = Api("http://127.0.0.1:{}".format(port))
    wait_until(lambda: api.get("/openapi.json").status_code == 200, 10)
    return api


def sign_in_from(api, address, username, password):
    return api.post("/auth/token", headers={"X-Forwarded-For": address},
                    json={"username": username, "password": password})


def test_one_address_gets_a_limited_number_of_failures_whatever_the_usernames(
        start_service, make_database_url):
    api = own_gateway(start_service, make_database_url, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    statuses = [sign_in(api, unique("random"), "guess").status_code for _ in range(4)]
    assert statuses == [401] * 3 + [429]
    limited = sign_in(api, "admin", ADMIN_PASSWORD)
    assert limited.status_code == 429 and waits_out_the_window(limited)
    assert limited.headers["Content-Type"] == "application/problem+json"


def test_a_good_sign_in_does_not_count_against_the_address(start_service, make_database_url):
    api = own_gateway(start_service, make_database_url, LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    for _ in range(5):
        assert sign_in(api, "admin", ADMIN_PASSWORD).status_code == 200
    assert [sign_in(api, unique("random"), "guess").status_code for _ in range(4)] \
        == [401] * 3 + [429]


def test_x_forwarded_for_is_the_address_only_behind_a_trusted_proxy(start_service,
                                                                    make_database_url):
    trusting = own_gateway(start_service, make_database_url, TRUSTED_PROXY_HOPS=1,
                           LOGIN_MAX_FAILURES_PER_ADDRESS=2)
    assert [sign_in_from(trusting, "203.0.113.1", unique("u"), "guess").status_code
            for _ in range(3)] == [401, 401, 429]
    # the proxy appends the address it saw; what the client put before it is not trusted
    assert sign_in_from(trusting, "203.0.113.2", unique("u"), "guess").status_code == 401
    assert sign_in_from(trusting, "203.0.113.2, 203.0.113.1", unique("u"),
                        "guess").status_code == 429
    assert sign_in_from(trusting, "203.0.113.1, 203.0.113.3", unique("u"),
                        "guess").status_code == 401

    direct = own_gateway(start_service, make_database_url, LOGIN_MAX_FAILURES_PER_ADDRESS=2)
    assert [sign_in_from(direct, "203.0.113.{}".format(n), unique("u"), "guess").status_code
            for n in range(3)] == [401, 401, 429]


def test_guessing_at_a_username_does_not_lock_its_owner_out(start_service, make_database_url):
    """The owner, from an address with no failures, still gets in; the guesser does not."""
    api = own_gateway(start_service, make_database_url, TRUSTED_PROXY_HOPS=1)
    assert [sign_in_from(api, "198.51.100.7", "admin", "guess").status_code
            for _ in range(6)] == [401] * 5 + [429]
    assert sign_in_from(api, "198.51.100.7", "admin", ADMIN_PASSWORD).status_code == 429
    assert sign_in_from(api, "192.0.2.10", "admin", ADMIN_PASSWORD).status_code == 200
    # a good sign-in clears the username's failures; each fresh address is one try
    for _ in range(5):
        sign_in_from(api, "198.51.100.7", "admin", "guess")
    assert sign_in_from(api, "192.0.2.11", "admin", "guess").status_code == 401
    assert sign_in_from(api, "192.0.2.11", "admin", ADMIN_PASSWORD).status_code == 429


def test_password_hashing_past_its_bound_is_a_429_at_once(start_service, make_database_url,
                                                         monkeypatch):
    """With one turn to hash and a check held in it, sign-in and registration are 429."""
    threading = eventlet.patcher.original("threading")  # verify runs in a real thread
    entered, release = threading.Event(), threading.Event()
    verify = passwords.verify_password

    def held(password, stored):
        entered.set()
        release.wait(30)
        return verify(password, stored)
    api = own_gateway(start_service, make_database_url, PASSWORD_HASHES_AT_ONCE=1)
    monkeypatch.setattr(passwords, "verify_password", held)
    first = eventlet.spawn(sign_in, api, unique("someone"), "guess")
    try:
        wait_until(entered.is_set, 10, message="the first check to start")
        busy = sign_in(api, "admin", ADMIN_PASSWORD)
        registering = api.post("/providers", json={
            "username": unique("cafe"), "password": "a-password-1", "name": "Cafe",
            "kind": "hospitality", "regions": ["powys"]})
    finally:
        release.set()
    assert busy.status_code == registering.status_code == 429
    assert busy.headers["Retry-After"] == "1"
    assert busy.headers["Content-Type"] == "application/problem+json"
    assert first.wait().status_code == 401
    assert sign_in(api, "admin", ADMIN_PASSWORD).status_code == 200


def test_the_session_cookie_is_secure_when_the_setting_says_so(start_service,
                                                               make_database_url):
    """Behind a proxy that ends TLS the gateway sees plain HTTP: a setting marks the cookie
    Secure (as SEIBIANT_SECURE_COOKIES=1 gives it, a string)."""
    api = own_gateway(start_service, make_database_url, SECURE_COOKIES="1")
    cookie = requests.get(api.base_url + "/sign-in", timeout=10).headers["Set-Cookie"]
    assert "; Secure" in cookie and "HttpOnly" in cookie


def test_a_token_is_checked_in_one_statement_signed_out_or_not(tmp_path):
    """It runs before every authenticated request: the user, the signed-out check and
    whether the user is a carer still to be verified (what a booking asks) are one
    statement."""
    engine = sa.create_engine("sqlite:///{}".format(tmp_path / "gateway.sqlite3"))
    Base.metadata.create_all(engine)
    statements = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    with Session(engine) as session:
        user = accounts.create_user(session, "hash", None, username="token.family",
                                    role="family", council="powys", display_name="F")
        accounts.revoke_token(session, "signed-out",
                              datetime.datetime.now(datetime.timezone.utc) + HOUR)
        session.commit()
        del statements[:]
        assert accounts.token_user(session, {"sub": user["id"], "jti": "live"}) == dict(
            user, unverified_referral=False)
        assert accounts.token_user(session, {"sub": user["id"], "jti": "signed-out"}) is None
        assert accounts.token_user(session, {"sub": "nobody", "jti": "live"}) is None
    assert len(statements) == 3
    engine.dispose()
