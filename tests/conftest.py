# eventlet must patch the standard library before anything imports it, or nameko
# containers hang under pytest.
import os
import sys
import threading
import time

import eventlet


def xdist_worker_queue_of_real_threads():
    """In a pytest-xdist worker (`make test` runs two), the queue of tests to run is filled by
    execnet's receiver, a real thread started before this module, and emptied by the tests'
    green main thread: a green lock or event (as threading's are once patched) set from a real
    thread never wakes the hub, and the worker hangs. So its lock stays a real one, and its
    event a flag that the main thread polls without blocking the hub (the services a
    module started in-process go on running meanwhile)."""
    from execnet.gateway_base import MainThreadOnlyExecModel

    class PolledEvent:
        def __init__(self):
            self.flag = False  # one assignment at a time, under the interpreter's lock

        def set(self):
            self.flag = True

        def clear(self):
            self.flag = False

        def is_set(self):
            return self.flag

        def wait(self, timeout=None):
            deadline = None if timeout is None else time.monotonic() + timeout
            while not self.flag:
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                eventlet.sleep(0.005)
            return True

    MainThreadOnlyExecModel.RLock = MainThreadOnlyExecModel.Lock = \
        lambda _self, lock=threading.RLock: lock()
    MainThreadOnlyExecModel.Event = lambda _self: PolledEvent()


# (a pytest that a test runs inherits the variable, not execnet's gateway)
if os.environ.get("PYTEST_XDIST_WORKER") and "execnet" in sys.modules:
    xdist_worker_queue_of_real_threads()
eventlet.monkey_patch()

import contextlib  # noqa: E402
import fcntl  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import psycopg2  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
from kombu import Connection  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from devtools.sandbox import (  # noqa: E402,F401 (the constants are imported from here too)
    CONSUMER_POLL_SECONDS, GUEST, POSTGRES_DSN, POSTGRES_URL, RABBIT_HOST, RABBIT_MANAGEMENT,
    RABBIT_PORT, create_database, create_vhost, delete_vhost, drop_database)


# Tests by kind (`pytest -m unit|service|e2e`), told by the fixtures a test uses (its whole
# fixture closure, so that no test has to say what it is):
# - `e2e`: the whole system runs (all the services and the gateway, as containers or as
#   processes, or a browser): it uses one of SYSTEM_FIXTURES, or its module says `e2e`;
# - `service`: services in-process on the real broker, or PostgreSQL: it uses `rabbitmq` (as
#   `amqp_uri` and every other fixture that makes a virtual host do) or `make_database_url`;
# - `unit`: everything else, which needs nothing running (`make test-unit`: no broker).
# A test needs the shared broker exactly when `rabbitmq` is in its closure: a test that reaches
# the broker in its own body asks for `rabbitmq` too.
SYSTEM_FIXTURES = {"live", "live_system", "shared_saga", "start_saga", "browser"}
SERVER_FIXTURES = {"rabbitmq", "make_database_url"}
KINDS = ("unit", "service", "e2e")


def kind_of(item):
    fixtures = set(getattr(item, "fixturenames", ()))
    if item.get_closest_marker("e2e") or fixtures & SYSTEM_FIXTURES:
        return "e2e"
    if item.get_closest_marker("service") or fixtures & SERVER_FIXTURES:
        return "service"
    return "unit"


def needs_broker(item):
    return "rabbitmq" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(kind_of(item))


# A unit test needs no broker and no PostgreSQL: while one runs, reaching either is refused
# (and fails the test even if it swallowed the refusal), so the one run proves it instead of
# a second run of the unit tests with nothing listening. The broker is reached through
# Python's sockets (an audit hook sees each connect); PostgreSQL through libpq, so its one
# entrance, psycopg2.connect, is closed.
SERVER_PORTS = {RABBIT_PORT, urlsplit(RABBIT_MANAGEMENT).port or 80,
                make_url(POSTGRES_URL).port or 5432}
unit_reaches = None  # a list while a unit test runs: what it tried to reach


class UnitTestReachedAServer(Exception):
    pass


def refuse_in_unit_test(what):
    unit_reaches.append(what)
    raise UnitTestReachedAServer("a unit test needs nothing running, but reached " + what)


def refuse_servers(event, arguments):
    if unit_reaches is not None and event == "socket.connect":
        address = arguments[1]
        if isinstance(address, tuple) and len(address) >= 2 and address[1] in SERVER_PORTS:
            refuse_in_unit_test("{}:{}".format(*address[:2]))


sys.addaudithook(refuse_servers)


@pytest.fixture(autouse=True)
def nothing_running_for_unit_tests(request, monkeypatch):
    global unit_reaches
    if request.node.get_closest_marker("unit") is None:
        yield
        return
    unit_reaches = []
    monkeypatch.setattr(psycopg2, "connect",
                        lambda *_, **__: refuse_in_unit_test("PostgreSQL"))
    try:
        yield
        assert not unit_reaches, "a unit test needs nothing running, but reached {}".format(
            ", ".join(unit_reaches))
    finally:
        unit_reaches = None


def broker_problem():
    """Why the shared broker cannot be used, or None."""
    try:
        with Connection("amqp://guest:guest@{}:{}//".format(RABBIT_HOST, RABBIT_PORT),
                        connect_timeout=5) as connection:
            connection.connect()
        requests.get(RABBIT_MANAGEMENT + "/overview", auth=GUEST, timeout=5).raise_for_status()
    except Exception as error:
        return ("RabbitMQ is not answering on {}:{} with its management API on {} ({!r}). "
                "Start it (`rabbitmq-server -detached`, then `rabbitmq-plugins enable "
                "rabbitmq_management`) or `docker compose up rabbitmq`; `make test-unit` "
                "runs the tests that need nothing running.".format(
                    RABBIT_HOST, RABBIT_PORT, RABBIT_MANAGEMENT, error))
    return None


def pytest_collection_finish(session):
    """No broker is a failure, never a skip, told at once before any test runs; but only when
    a selected test needs it (`pytest -m unit` needs none)."""
    wanting = sum(map(needs_broker, session.items))
    if wanting and not session.config.option.collectonly:
        problem = broker_problem()
        if problem:
            pytest.exit("{} of the selected tests need the broker. {}".format(wanting, problem),
                        returncode=3)


@pytest.fixture(scope="session")
def rabbitmq():
    """The shared broker, checked before the session starts (above); a test or fixture that
    uses it asks for this, which is how the check knows."""
    return RABBIT_HOST, RABBIT_PORT


@pytest.fixture
def amqp_uri(rabbitmq):
    """A fresh RabbitMQ virtual host per test, so tests never see each other's queues."""
    uri, vhost = create_vhost()
    yield uri
    delete_vhost(vhost)


@pytest.fixture
def make_database_url(tmp_path):
    """`make_database_url("sqlite"|"postgresql", name)`: an empty database for one test."""
    created = []

    def make(kind, name="db"):
        if kind == "sqlite":
            return "sqlite:///{}".format(tmp_path / "{}.sqlite3".format(name))
        url, database = create_database("seibiant_test_" + name)
        created.append(database)
        return url

    yield make
    for database in created:
        drop_database(database)


@pytest.fixture
def service_config(amqp_uri):
    """nameko config for services started in-process; add `DATABASES` entries per test."""
    return {
        "AMQP_URI": amqp_uri,
        "max_workers": 10,
        "serializer": "json",
        "DATABASES": {},
        "OUTBOX_SWEEP_SECONDS": 0.2,
        "CONSUMER_POLL_SECONDS": CONSUMER_POLL_SECONDS,
        "EVENT_MAX_ATTEMPTS": 3,
        "EVENT_RETRY_BACKOFF_MS": 50,
    }


@pytest.fixture
def start_service(service_config):
    """`start_service(ServiceClass, config_overrides)` runs a real container on the real broker."""
    containers = []

    def start(service_cls, **overrides):
        config = dict(service_config, **overrides)
        container = ServiceContainer(service_cls, config)
        container.start()
        containers.append(container)
        return container

    yield start
    for container in reversed(containers):
        container.stop()


# A test marked `alone` times the whole system against the machine's two cores (`make run`
# healthy within 30 s, stopped within 5 s): while it runs, the other test process waits. Two
# files all the processes of the run lock (flock): each test holds `room` shared, and an
# `alone` one holds it exclusive; `gate`, held by an `alone` test from before it waits for
# the room, keeps new tests out meanwhile, so that it is not starved. Set-up and tear-down
# are inside: a module's first test starts its system, its last one stops it.
def lock_file(config, name):
    """In the run's temporary folder, the parent of each process's own (pytest keeps the last
    few runs' and removes the rest)."""
    return os.path.join(os.path.dirname(config.option.basetemp), name + ".lock")


def take(lock, mode):
    """flock without blocking the hub: the services a module runs in-process go on."""
    while True:
        try:
            return fcntl.flock(lock, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            eventlet.sleep(0.05)


@contextlib.contextmanager
def share_of_the_machine(config, alone):
    with open(lock_file(config, "gate"), "a") as gate, \
            open(lock_file(config, "room"), "a") as room:
        take(gate, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        try:
            take(room, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        finally:
            if not alone:
                fcntl.flock(gate, fcntl.LOCK_UN)
        yield  # closing the files lets go of both


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item):
    if not hasattr(item.config, "workerinput"):  # one process: alone already
        yield
        return
    with share_of_the_machine(item.config, item.get_closest_marker("alone") is not None):
        yield
