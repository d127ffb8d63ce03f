"""Users, passwords, tokens and sign-in limits, against a live gateway and its database."""
import time

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer

from gateway import passwords, tokens
from gateway.client import ApiError, Client
from gateway.service import GatewayService
from seibiant_common.config import StartupRefused
from seibiant_common.processes import wait_until
from seibiant_common.sandbox import free_port

from .conftest import ADMIN_PASSWORD, TOKEN_SECRET, Api, gateway_config
from .world import PASSWORD, World, unique


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def sign_in(api, username, password):
    return api.post("/auth/token", json={"username": username, "password": password})


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
        assert int(limited.headers["Retry-After"]) > 0
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


def test_two_gateways_on_postgresql_share_users_limits_and_the_admin_password(
        start_service, make_database_url):
    """Sign-in attempts live in the database, so a limit holds across instances; a new
    SEIBIANT_ADMIN_PASSWORD replaces the old one at the next start."""
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

    port = free_port()
    start_service(GatewayService, DATABASES={"gateway": url},
                  WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
                  ADMIN_PASSWORD="a-new-admin-password", PASSWORD_COST=1024)
    third = Client("http://127.0.0.1:{}".format(port))
    wait_until(lambda: third.request("GET", "/openapi.json"), 10)
    assert third.signed_in("admin", "a-new-admin-password").role == "admin"
    assert sign_in(apis[0], "admin", ADMIN_PASSWORD).status_code == 401


def test_expired_attempts_of_any_username_are_swept(api, live):
    engine = sa.create_engine(live.config["DATABASES"]["gateway"])
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO login_attempts (username, attempted_at) VALUES ('long-gone', :at)"),
            {"at": "2020-01-01 00:00:00"})
    assert sign_in(api, unique("someone"), "guess").status_code == 401
    with engine.connect() as connection:
        left = connection.execute(sa.text(
            "SELECT count(*) FROM login_attempts WHERE username = 'long-gone'")).scalar()
    engine.dispose()
    assert left == 0
