"""The gateway's dependency providers: accounts and tokens, and idempotency records (its RPC
proxies with a deadline are `seibiant_common.rpc.TimedRpcProxy`). They share the gateway's
`Database` store (one engine, one SQLite write lock per process)."""
import contextlib
import datetime
import ipaddress
import os

import eventlet
from eventlet import tpool
from eventlet.semaphore import Semaphore
from nameko.exceptions import ConfigurationError
from nameko.extensions import DependencyProvider
from werkzeug.http import parse_list_header
from werkzeug.wrappers import Response

from seibiant_common.config import StartupRefused, setting
from seibiant_common.database import Database

from . import accounts, passwords, tokens
from .checked_tokens import TOKEN, USER, CheckedTokens, announce, listen_forever
from . import errors

DEV_SECRET_HINT = ("set SEIBIANT_TOKEN_SECRET to a random string of at least {} characters, "
                   "for example `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
                   .format(tokens.MIN_SECRET_BYTES))


def _config_or_env(config, key, env_name):
    value = config.get(key)
    return value if value not in (None, "") else os.environ.get(env_name, "")


def client_address(request, trusted_proxy_hops):
    """The client's address: the connection's, or, behind `trusted_proxy_hops` proxies that
    each append the address they saw to X-Forwarded-For, the one the outermost proxy saw
    (what the client itself put there is not trusted)."""
    if trusted_proxy_hops:
        forwarded = parse_list_header(",".join(request.headers.getlist("X-Forwarded-For")))
        if len(forwarded) >= trusted_proxy_hops:
            try:
                return str(ipaddress.ip_address(forwarded[-trusted_proxy_hops]))
            except ValueError:
                pass  # a proxy that does not give an address: the connection's, then
    return request.remote_addr or "unknown"


def _store(container):
    """The store of the service's `Database` dependency (set up before any `start`)."""
    for dependency in container.dependencies:
        if isinstance(dependency, Database):
            return dependency.store
    raise ConfigurationError("the gateway needs a Database dependency")


class AccountsAccess:
    """What a worker gets: sign-in, authorisation of a request, and user records."""

    def __init__(self, provider):
        self._provider = provider
        self._store = provider.store

    def _unit(self):
        return self._store.unit_of_work()

    def _read(self):
        return self._store.reading()

    def sign_in(self, username, password, request):
        """A token answer, or a Problem (401 for any bad credentials, 429 when rate limited or
        when the gateway is busy hashing). An unknown username costs the same hash as a known
        one."""
        provider = self._provider
        username = username.lower()
        address = client_address(request, provider.trusted_proxy_hops)
        with provider.hashing():
            with self._unit() as uow:
                wait = accounts.record_attempt(uow.session, username, address,
                                               provider.max_failures,
                                               provider.max_failures_per_address,
                                               provider.window)
                found = None if wait else accounts.credentials(uow.session, username)
            if wait:
                raise errors.too_many_requests(wait)
            user_id, stored = found or (None, provider.dummy_hash)
            matches = tpool.execute(passwords.verify_password, password, stored)
        if not (matches and user_id):
            raise errors.unauthenticated("the username or password is not right")
        with self._unit() as uow:
            accounts.signed_in(uow.session, username, address)
            user = accounts.get_user(uow.session, user_id)
        return {"access_token": tokens.issue(provider.secret, user_id, provider.ttl),
                "token_type": "Bearer", "expires_in": provider.ttl, "role": user["role"],
                "user_id": user_id}

    def _claims(self, request):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.unauthenticated()
        try:
            return tokens.verify(self._provider.secret, token.strip())
        except tokens.InvalidToken:
            raise errors.unauthenticated("the token is invalid or has expired")

    def authorise(self, request, roles):
        """(user, actor) of the bearer token; 401 without a valid one (or a signed-out one),
        403 for another role."""
        claims = self._claims(request)
        checked = self._provider.checked_tokens
        user = checked.user(claims["jti"])
        if user is None:
            changes = checked.changes
            with self._read() as reading:
                user = accounts.token_user(reading.session, claims)
            if user is not None:
                checked.remember(claims["jti"], user, changes)
        if user is None:
            raise errors.unauthenticated("the token is invalid or has expired")
        if user["role"] not in roles:
            raise errors.forbidden()
        return user, accounts.actor_of(user)

    def sign_out(self, request):
        """Revokes the request's bearer token (until it would have expired anyway)."""
        claims = self._claims(request)
        expires_at = datetime.datetime.fromtimestamp(claims["exp"], datetime.timezone.utc)
        self._changing(TOKEN + claims["jti"],
                       lambda uow: accounts.revoke_token(uow.session, claims["jti"], expires_at))

    def create_user(self, created_by, password, **fields):
        """The new user (with `referral`, a carer); raises accounts.UsernameTaken."""
        with self._provider.hashing():
            password_hash = tpool.execute(passwords.hash_password, password,
                                          self._provider.cost)
        with self._unit() as uow:
            user = accounts.create_user(uow.session, password_hash, created_by, **fields)
            accounts.announce(uow, user)
            return user

    def get_user(self, user_id):
        with self._read() as reading:
            return accounts.get_user(reading.session, user_id)

    def centre_carers(self, referrer, limit, cursor):
        with self._read() as reading:
            return accounts.centre_carers(reading.session, referrer, limit, cursor)

    def centre_carer_ids(self, referrer):
        with self._read() as reading:
            return accounts.centre_carer_ids(reading.session, referrer)

    def self_referrals(self, council, limit, cursor):
        with self._read() as reading:
            return accounts.self_referrals(reading.session, council, limit, cursor)

    def verify_carer(self, referrer, family_id):
        return self._changing(USER + family_id, lambda uow: accounts.verify_carer(
            uow.session, referrer, family_id))

    def family_in_council(self, family_id, council):
        with self._read() as reading:
            return accounts.family_in_council(reading.session, family_id, council)

    def list_users(self, council, role, limit, cursor):
        with self._read() as reading:
            return accounts.list_users(reading.session, council, role, limit, cursor)

    def link_provider(self, user_id, provider_id):
        self._changing(USER + user_id, lambda uow: accounts.announce(
            uow, accounts.link_provider(uow.session, user_id, provider_id)))

    def delete_user(self, user_id):
        self._changing(USER + user_id, lambda uow: accounts.delete_user(uow.session, user_id))

    def update_user(self, user_id, **changes):
        """The person's own changes (language, contact details, channels), announced."""
        def change(uow):
            user = accounts.update_user(uow.session, user_id, **changes)
            accounts.announce(uow, user)
            return user
        return self._changing(USER + user_id, change)

    def _changing(self, change, work):
        """`work(uow)`'s answer; what it changes of a token's user is announced to every
        gateway process in its transaction, and forgotten here as soon as it commits."""
        with self._unit() as uow:
            answer = work(uow)
            announce(uow.session, change)
        self._provider.checked_tokens.forget(change)
        return answer


class Accounts(DependencyProvider):
    """Users, passwords and tokens. Settings (config key, or environment variable):
    TOKEN_SECRET (SEIBIANT_TOKEN_SECRET, required), ADMIN_PASSWORD (SEIBIANT_ADMIN_PASSWORD,
    required), TOKEN_TTL_SECONDS (3600), PASSWORD_COST (scrypt n, 16384),
    LOGIN_MAX_FAILURES (5) per username and LOGIN_MAX_FAILURES_PER_ADDRESS (20) per client
    address within LOGIN_WINDOW_SECONDS (900), TRUSTED_PROXY_HOPS (0: how many proxies in
    front append to X-Forwarded-For), PASSWORD_HASHES_AT_ONCE (2: more is a 429),
    CHECKED_TOKENS_SECONDS (60: how long a checked token's user is remembered at most, 0
    never; gateway.checked_tokens)."""

    def setup(self):
        config = self.container.config
        self.secret = _config_or_env(config, "TOKEN_SECRET", "SEIBIANT_TOKEN_SECRET")
        if len(self.secret) < tokens.MIN_SECRET_BYTES:
            raise StartupRefused("the gateway will not start without a token secret: "
                                 + DEV_SECRET_HINT)
        self.admin_password = _config_or_env(config, "ADMIN_PASSWORD",
                                             "SEIBIANT_ADMIN_PASSWORD")
        if not self.admin_password:
            raise StartupRefused("the gateway will not start without "
                                 "SEIBIANT_ADMIN_PASSWORD (the password of `admin`)")
        self.ttl = setting(config, "TOKEN_TTL_SECONDS", 3600, int)
        self.cost = setting(config, "PASSWORD_COST", passwords.DEFAULT_COST, int)
        self.max_failures = setting(config, "LOGIN_MAX_FAILURES", 5, int)
        self.max_failures_per_address = setting(config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 20,
                                                int)
        self.window = datetime.timedelta(
            seconds=setting(config, "LOGIN_WINDOW_SECONDS", 900, int))
        self.trusted_proxy_hops = setting(config, "TRUSTED_PROXY_HOPS", 0, int)
        self.checked_tokens = CheckedTokens(
            setting(config, "CHECKED_TOKENS_SECONDS", 60.0, float))
        self._listener = None  # started with the rest (start), on PostgreSQL
        # scrypt takes a core and 16 MiB for tens of milliseconds: without a bound, a crowd
        # of sign-ins starves every other request of the gateway
        self._hashing = Semaphore(setting(config, "PASSWORD_HASHES_AT_ONCE", 2, int))
        self.dummy_hash = passwords.hash_password(os.urandom(16).hex(), self.cost)

    @contextlib.contextmanager
    def hashing(self):
        """A turn to hash a password, or a 429 at once when every turn is taken."""
        if not self._hashing.acquire(blocking=False):
            raise errors.too_many_requests(
                1, "the gateway is busy checking passwords; try again in a moment")
        try:
            yield
        finally:
            self._hashing.release()

    def start(self):
        self.store = _store(self.container)

        def password_hash_for(current):
            if current and passwords.verify_password(self.admin_password, current) and \
                    not passwords.needs_rehash(current, self.cost):
                return None
            return passwords.hash_password(self.admin_password, self.cost)

        with self.store.unit_of_work() as uow:
            accounts.set_admin_password(uow.session, password_hash_for)
        if self.store.dialect == "postgresql":
            self._listener = eventlet.spawn(listen_forever, self.store.engine,
                                            self.checked_tokens)

    def stop(self):
        if self._listener is not None:
            self._listener.kill()

    kill = stop

    def get_dependency(self, worker_ctx):
        return AccountsAccess(self)


class IdempotencyAccess:
    def __init__(self, store):
        self._store = store

    def claim(self, owner, key, fingerprint):
        """None to go ahead, or the Response first given for this key."""
        with self._store.unit_of_work() as uow:
            try:
                stored = accounts.claim_key(uow.session, owner, key, fingerprint)
            except accounts.IdempotencyClash as clash:
                raise errors.conflict(clash.code, clash.detail)
        if stored is None:
            return None
        status, body, location = stored
        headers = {"Idempotent-Replayed": "true"}
        if location:
            headers["Location"] = location
        return Response(body, status=status, headers=headers, mimetype="application/json")

    def store(self, owner, key, response):
        with self._store.unit_of_work() as uow:
            accounts.store_answer(uow.session, owner, key, response.status_code,
                                  response.get_data(as_text=True),
                                  response.headers.get("Location"))

    def release(self, owner, key):
        with self._store.unit_of_work() as uow:
            accounts.release_key(uow.session, owner, key)


class Idempotency(DependencyProvider):
    """Answers of POSTs made with an Idempotency-Key, kept for 24 hours."""

    def start(self):
        self.store = _store(self.container)

    def get_dependency(self, worker_ctx):
        return IdempotencyAccess(self.store)
