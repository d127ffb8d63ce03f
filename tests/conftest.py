# eventlet must patch the standard library before anything imports it, or nameko
# containers hang under pytest.
import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402

import psycopg2  # noqa: E402
import pytest  # noqa: E402
import requests  # noqa: E402
from kombu import Connection  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

RABBIT_HOST = os.environ.get("RABBIT_HOST", "127.0.0.1")
RABBIT_MANAGEMENT = os.environ.get("RABBIT_MANAGEMENT", "http://{}:15672/api".format(RABBIT_HOST))
POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/")


def pytest_sessionstart(session):
    """No broker is a failure, never a skip: the suite is about the real broker."""
    try:
        with Connection("amqp://guest:guest@{}:5672//".format(RABBIT_HOST),
                        connect_timeout=5) as connection:
            connection.connect()
        requests.get(RABBIT_MANAGEMENT + "/overview", auth=("guest", "guest"),
                     timeout=5).raise_for_status()
    except Exception as error:
        pytest.exit(
            "RabbitMQ is not answering on {0}:5672 with its management API on {0}:15672 "
            "({1!r}). Start it (`rabbitmq-server -detached`, then "
            "`rabbitmq-plugins enable rabbitmq_management`) or `docker compose up rabbitmq`."
            .format(RABBIT_HOST, error), returncode=3)


@pytest.fixture
def amqp_uri():
    """A fresh RabbitMQ virtual host per test, so tests never see each other's queues."""
    vhost = "seibiant-test-" + uuid.uuid4().hex[:12]
    auth = ("guest", "guest")
    requests.put("{}/vhosts/{}".format(RABBIT_MANAGEMENT, vhost), auth=auth,
                 timeout=10).raise_for_status()
    requests.put("{}/permissions/{}/guest".format(RABBIT_MANAGEMENT, vhost), auth=auth,
                 json={"configure": ".*", "write": ".*", "read": ".*"},
                 timeout=10).raise_for_status()
    yield "amqp://guest:guest@{}:5672/{}".format(RABBIT_HOST, vhost)
    requests.delete("{}/vhosts/{}".format(RABBIT_MANAGEMENT, vhost), auth=auth, timeout=30)


@pytest.fixture
def make_database_url(tmp_path):
    """`make_database_url("sqlite"|"postgresql", name)`: an empty database for one test."""
    created = []

    def make(kind, name="db"):
        if kind == "sqlite":
            return "sqlite:///{}".format(tmp_path / "{}.sqlite3".format(name))
        database = "seibiant_test_{}_{}".format(name, uuid.uuid4().hex[:10])
        connection = psycopg2.connect(POSTGRES_DSN)
        connection.autocommit = True
        connection.cursor().execute('CREATE DATABASE "{}"'.format(database))
        connection.close()
        created.append(database)
        return POSTGRES_URL + database

    yield make
    for database in created:
        connection = psycopg2.connect(POSTGRES_DSN)
        connection.autocommit = True
        connection.cursor().execute('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(database))
        connection.close()


@pytest.fixture
def service_config(amqp_uri):
    """nameko config for services started in-process; add `DATABASES` entries per test."""
    return {
        "AMQP_URI": amqp_uri,
        "max_workers": 10,
        "serializer": "json",
        "DATABASES": {},
        "OUTBOX_SWEEP_SECONDS": 0.2,
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
