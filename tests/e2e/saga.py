"""The three services of the saga started in-process against the real broker, for tests.

- `saga_world`: a World on one trio shared by a test module (a trio of one's own costs
  its migrations, starts and stops, so the ordinary scenarios share one), each test in a
  council of its own;
- `start_saga(kind, services, **settings)`: a trio of the test's own, for the scenarios that
  need other settings or stop a service.
"""
import contextlib
import uuid

import eventlet
import pytest
import requests
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from services.bookings.service import BookingsService
from services.budgets.service import BudgetsService
from services.providers.service import ProvidersService

from devtools import sandbox

from ..conftest import RABBIT_MANAGEMENT
from .world import World

SERVICES = {"budgets": BudgetsService, "providers": ProvidersService,
            "bookings": BookingsService}
# Short timer, long timeouts: the tests that need a timeout to fire set their own.
SAGA_SETTINGS = {"STEP_TIMEOUT_SECONDS": 10, "STEP_MAX_RETRIES": 2,
                 "BOOKING_TIMER_SECONDS": 0.2, "APPROVAL_TIMEOUT_SECONDS": 3600,
                 "RPC_TIMEOUT_SECONDS": 10}
AUTH = ("guest", "guest")


class Saga:
    def __init__(self, config, databases, start_container):
        self.config = config
        self.databases = databases
        self._start_container = start_container
        self.containers = []
        self._proxy = ClusterRpcProxy(config, timeout=30)
        self.rpc = self._proxy.start()

    def world(self):
        """A world in a council of its own, so tests sharing the trio never meet."""
        return World(self.rpc, council="council-" + uuid.uuid4().hex[:8])

    def start(self, *names):
        """Starts a container of each service named (a name twice: two instances)."""
        for name in names:
            self.containers.append((name, self._start_container(SERVICES[name])))
        return self

    def stop(self, name):
        for container in [c for n, c in self.containers if n == name]:
            container.stop()
        self.containers = [(n, c) for n, c in self.containers if n != name]

    def delete_queue(self, queue):
        vhost = self.config["AMQP_URI"].rsplit("/", 1)[1]
        requests.delete("{}/queues/{}/{}".format(RABBIT_MANAGEMENT, vhost, queue), auth=AUTH,
                        timeout=10).raise_for_status()

    def query(self, sql, **params):
        """Rows of the bookings database, read directly (it is ours)."""
        engine = sa.create_engine(self.databases["bookings"])
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).all()
        finally:
            engine.dispose()

    @contextlib.contextmanager
    def database_outage(self, name):
        """The service's PostgreSQL database refuses every connection for as long as the block
        lasts: its open connections are ended and no new one is allowed (superusers included,
        unlike a connection limit or revoked privileges)."""
        database = sa.engine.make_url(self.databases[name]).database
        sandbox.postgres_statement(
            'ALTER DATABASE "{}" WITH ALLOW_CONNECTIONS false'.format(database))
        try:
            sandbox.postgres_statement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = '{}' AND pid <> pg_backend_pid()".format(database))
            yield
        finally:
            sandbox.postgres_statement(
                'ALTER DATABASE "{}" WITH ALLOW_CONNECTIONS true'.format(database))

    def close(self):
        """Stops the proxy, then the containers all at once (each waits for a few turns of its
        consumer's loop: CONSUMER_POLL_SECONDS)."""
        self._proxy.stop()
        list(eventlet.GreenPool().imap(lambda named: named[1].stop(), self.containers))


fresh_vhost = sandbox.vhost
fresh_postgres_databases = sandbox.postgres_databases


@pytest.fixture(scope="module")
def shared_saga(tmp_path_factory, rabbitmq):
    with fresh_vhost() as amqp_uri:
        folder = tmp_path_factory.mktemp("saga")
        databases = {name: "sqlite:///{}".format(folder / (name + ".sqlite3"))
                     for name in SERVICES}
        config = dict(SAGA_SETTINGS, AMQP_URI=amqp_uri, max_workers=10, serializer="json",
                      DATABASES=databases, OUTBOX_SWEEP_SECONDS=0.2, EVENT_MAX_ATTEMPTS=3,
                      EVENT_RETRY_BACKOFF_MS=50,
                      CONSUMER_POLL_SECONDS=sandbox.CONSUMER_POLL_SECONDS)

        def start_container(service_cls):
            container = ServiceContainer(service_cls, config)
            container.start()
            return container

        saga = Saga(config, databases, start_container).start(*SERVICES)
        try:
            yield saga
        finally:
            saga.close()


@pytest.fixture
def saga_world(shared_saga):
    return shared_saga.world()


@pytest.fixture
def start_saga(start_service, make_database_url, service_config):
    """`start_saga(kind="sqlite", services=all three, **settings)` -> a running Saga."""
    sagas = []

    def start(kind="sqlite", services=tuple(SERVICES), **settings):
        databases = {name: make_database_url(kind, name) for name in SERVICES}
        overrides = dict(SAGA_SETTINGS, DATABASES=databases, **settings)
        saga = Saga(dict(service_config, **overrides), databases,
                    lambda service_cls: start_service(service_cls, **overrides))
        sagas.append(saga)
        return saga.start(*services)

    yield start
    for saga in sagas:
        saga.close()
