"""The users of tokens this gateway process checked lately, so that a request does not read its
token's user again (a third of the gateway's time on `GET /offers`, docs/performance.md).

A change that makes a remembered user wrong (a sign-out, the user changed, deleted, linked to
a provider, a carer verified) is announced by PostgreSQL's NOTIFY in the transaction that
makes it, and every gateway process LISTENing forgets what it changes as soon as the change
commits. Users are remembered only while the process listens: when its listening connection
is lost, it forgets everything and reads every token again until it listens again. On SQLite
(one process, for development) nothing is remembered.
"""
import logging
from typing import Any

import eventlet
import psycopg2
import psycopg2.extensions
from cachetools import TTLCache
from eventlet.hubs import trampoline
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "seibiant_accounts_changed"
TOKEN, USER = "token:", "user:"
RETRY_SECONDS = 1.0


class CheckedTokens:
    """What a token's user was when last read, for `seconds` at most. `changes` counts what
    was forgotten: a read begun before a change is not remembered after it."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self._users: TTLCache[str, dict[str, Any]] | None = (
            TTLCache(maxsize=size, ttl=seconds) if seconds > 0 else None)
        self.changes = 0
        self.listening = False

    def user(self, jti: str) -> dict[str, Any] | None:
        return self._users.get(jti) if self._users is not None else None

    def remember(self, jti: str, user: dict[str, Any], changes_when_read: int) -> None:
        if self._users is not None and self.listening and changes_when_read == self.changes:
            self._users[jti] = user

    def forget(self, change: str) -> None:
        """Forget what `change` (`token:<jti>` or `user:<id>`) makes wrong."""
        self.changes += 1
        if self._users is None:
            return
        if change.startswith(TOKEN):
            self._users.pop(change[len(TOKEN):], None)
        else:
            user_id = change[len(USER):]
            for jti in [jti for jti, user in self._users.items() if user["id"] == user_id]:
                self._users.pop(jti, None)

    def forget_all(self) -> None:
        self.changes += 1
        if self._users is not None:
            self._users.clear()


def announce(session: Session, change: str) -> None:
    """Tells every gateway process of `change` when the session's transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, :change)"),
                        {"channel": CHANNEL, "change": change})


def listen_forever(engine: Engine, checked: CheckedTokens) -> None:
    """LISTENs for the changes announced (run in a green thread of its own; killed at stop)."""
    url = engine.url.set(drivername="postgresql")
    while True:
        connection = None
        try:
            connection = psycopg2.connect(url.render_as_string(hide_password=False))
            connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with connection.cursor() as cursor:
                cursor.execute("LISTEN " + CHANNEL)
            checked.listening = True
            while True:
                trampoline(connection.fileno(), read=True)
                connection.poll()
                while connection.notifies:
                    checked.forget(connection.notifies.pop(0).payload)
        except Exception:  # the connection, or its socket: listen again (a stop kills it)
            log.warning("lost the connection that hears accounts' changes: reading every "
                        "token's user until it is back", exc_info=True)
        finally:
            checked.listening = False
            checked.forget_all()
            if connection is not None:
                connection.close()
        eventlet.sleep(RETRY_SECONDS)
