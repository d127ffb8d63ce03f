"""A gateway process remembers the users of tokens it checked (gateway.checked_tokens), and
forgets them as soon as a change made through any gateway process commits."""
import psycopg2
import pytest
from sqlalchemy.engine import make_url

from gateway import tokens
from gateway.checked_tokens import TOKEN, USER, CheckedTokens
from gateway.dependencies import Accounts
from gateway.service import GatewayService
from devtools.processes import wait_until
from devtools.sandbox import free_port

from .conftest import ADMIN_PASSWORD, TOKEN_SECRET, Api

ADMIN = {"id": "admin-id"}
FAMILY = {"id": "family-id"}


def listening():
    checked = CheckedTokens(60)
    checked.listening = True
    return checked


def test_users_are_remembered_only_while_the_process_hears_changes():
    checked = CheckedTokens(60)
    checked.remember("jti-1", ADMIN, checked.changes)
    assert checked.user("jti-1") is None  # not listening: every token is read
    checked.listening = True
    checked.remember("jti-1", ADMIN, checked.changes)
    assert checked.user("jti-1") is ADMIN
    checked.forget_all()  # the listening connection was lost
    assert checked.user("jti-1") is None


def test_a_change_forgets_what_it_makes_wrong_and_nothing_else():
    checked = listening()
    for jti, user in (("a1", ADMIN), ("a2", ADMIN), ("f1", FAMILY)):
        checked.remember(jti, user, checked.changes)
    checked.forget(TOKEN + "a1")  # signed out: that token only
    assert [checked.user(jti) for jti in ("a1", "a2", "f1")] == [None, ADMIN, FAMILY]
    checked.forget(USER + "family-id")  # the user changed: every token of theirs
    assert [checked.user(jti) for jti in ("a2", "f1")] == [ADMIN, None]


def test_a_read_begun_before_a_change_is_not_remembered_after_it():
    checked = listening()
    changes_when_read = checked.changes
    checked.forget(USER + "admin-id")  # committed while the token's user was being read
    checked.remember("a1", ADMIN, changes_when_read)
    assert checked.user("a1") is None


def test_nothing_is_remembered_when_the_setting_is_0():
    checked = CheckedTokens(0)
    checked.listening = True
    checked.remember("a1", ADMIN, checked.changes)
    assert checked.user("a1") is None


def checked_tokens_of(container):
    return next(dependency.checked_tokens for dependency in container.dependencies
                if isinstance(dependency, Accounts))


@pytest.fixture
def two_gateways(start_service, make_database_url):
    url = make_database_url("postgresql", "gateway")
    gateways = []
    for _ in range(2):
        port = free_port()
        container = start_service(
            GatewayService, DATABASES={"gateway": url},
            WEB_SERVER_ADDRESS="127.0.0.1:{}".format(port), TOKEN_SECRET=TOKEN_SECRET,
            ADMIN_PASSWORD=ADMIN_PASSWORD, PASSWORD_COST=1024)
        gateways.append((Api("http://127.0.0.1:{}".format(port)), checked_tokens_of(container)))
    wait_until(lambda: all(api.get("/openapi.json").status_code == 200 and checked.listening
                           for api, checked in gateways), 10, message="both gateways up")
    return gateways, url


def test_a_change_through_one_gateway_is_seen_at_once_by_the_other_that_remembered(
        two_gateways):
    (first, first_checked), (second, _) = two_gateways[0]
    token = first.token("admin", ADMIN_PASSWORD)
    assert first.get("/me", token=token).json()["language"] == "en"
    assert first_checked.user(_jti(token)) is not None  # remembered by the first
    changed = second.call("PATCH", "/me", token=token, json={"language": "cy"})
    assert changed.status_code == 200, changed.text
    wait_until(lambda: first.get("/me", token=token).json()["language"] == "cy", 5,
               message="the first gateway to hear the change")
    # signed out through the second: refused by the first, which remembered the token
    assert second.call("DELETE", "/auth/token", token=token).status_code == 204
    wait_until(lambda: first.get("/me", token=token).status_code == 401, 5,
               message="the first gateway to hear the sign-out")


def test_a_gateway_that_stops_hearing_changes_reads_every_token_until_it_hears_again(
        two_gateways):
    gateways, url = two_gateways
    (first, checked), _ = gateways
    token = first.token("admin", ADMIN_PASSWORD)
    assert first.get("/me", token=token).status_code == 200
    assert checked.user(_jti(token)) is not None
    changes = checked.changes
    database = make_url(url)
    with psycopg2.connect(host=database.host, port=database.port, user=database.username,
                          dbname=database.database) as killer, killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = %s AND query LIKE 'LISTEN %%'", (database.database,))
        assert cursor.fetchall(), "no listening connection to end"
    wait_until(lambda: checked.changes > changes, 5, message="the loss to be noticed")
    assert checked.user(_jti(token)) is None  # forgotten when the connection was lost
    wait_until(lambda: checked.listening, 10, message="listening again")
    assert first.get("/me", token=token).status_code == 200
    assert checked.user(_jti(token)) is not None


def _jti(token):
    return tokens.verify(TOKEN_SECRET, token)["jti"]
