# eventlet must patch the standard library before anything imports it, or nameko
# containers hang under pytest.
import eventlet

eventlet.monkey_patch()

import pytest  # noqa: E402
import requests  # noqa: E402
from kombu import Connection  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402

from seibiant_common.sandbox import (  # noqa: E402,F401 (the constants are imported from here too)
    POSTGRES_DSN, POSTGRES_URL, RABBIT_HOST, RABBIT_MANAGEMENT, RABBIT_PORT, create_database,
    create_vhost, delete_vhost, drop_database)


def pytest_sessionstart(session):
    """No broker is a failure, never a skip: the suite is about the real broker."""
    try:
        with Connection("amqp://guest:guest@{}:{}//".format(RABBIT_HOST, RABBIT_PORT),
                        connect_timeout=5) as connection:
            connection.connect()
        requests.get(RABBIT_MANAGEMENT + "/overview", auth=("guest", "guest"),
                     timeout=5).raise_for_status()
    except Exception as error:
        pytest.exit(
            "RabbitMQ is not answering on {}:{} with its management API on {} ({!r}). Start "
            "it (`rabbitmq-server -detached`, then `rabbitmq-plugins enable "
            "rabbitmq_management`) or `docker compose up rabbitmq`."
            .format(RABBIT_HOST, RABBIT_PORT, RABBIT_MANAGEMENT, error), returncode=3)


@pytest.fixture
def amqp_uri():
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
