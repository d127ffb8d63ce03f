"""Throw-away RabbitMQ virtual hosts and PostgreSQL databases, for tests and benchmarks that
must not see each other's queues or rows."""
import contextlib
import os
import shutil
import socket
import subprocess
import uuid

import psycopg2
import requests

RABBIT_HOST = os.environ.get("RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("RABBIT_PORT", "5672"))
RABBIT_MANAGEMENT = os.environ.get("RABBIT_MANAGEMENT", "http://{}:15672/api".format(RABBIT_HOST))
GUEST = ("guest", "guest")
POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/")


def create_vhost(prefix="seibiant-test"):
    """A new virtual host the guest user may use; returns its AMQP URI and its name."""
    vhost = "{}-{}".format(prefix, uuid.uuid4().hex[:12])
    requests.put("{}/vhosts/{}".format(RABBIT_MANAGEMENT, vhost), auth=GUEST,
                 timeout=10).raise_for_status()
    requests.put("{}/permissions/{}/guest".format(RABBIT_MANAGEMENT, vhost), auth=GUEST,
                 json={"configure": ".*", "write": ".*", "read": ".*"},
                 timeout=10).raise_for_status()
    return "amqp://guest:guest@{}:{}/{}".format(RABBIT_HOST, RABBIT_PORT, vhost), vhost


def delete_vhost(vhost):
    requests.delete("{}/vhosts/{}".format(RABBIT_MANAGEMENT, vhost), auth=GUEST, timeout=30)


def _postgres(statement):
    connection = psycopg2.connect(POSTGRES_DSN)
    connection.autocommit = True
    try:
        connection.cursor().execute(statement)
    finally:
        connection.close()


def create_database(prefix="seibiant_test"):
    """A new empty PostgreSQL database; returns its SQLAlchemy URL and its name."""
    database = "{}_{}".format(prefix, uuid.uuid4().hex[:10])
    _postgres('CREATE DATABASE "{}"'.format(database))
    return POSTGRES_URL + database, database


def drop_database(database):
    _postgres('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(database))


def free_port():
    """A TCP port on 127.0.0.1 nothing listens on now, for a gateway of one's own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@contextlib.contextmanager
def vhost(prefix="seibiant-test"):
    """A virtual host for as long as the block lasts; yields its AMQP URI."""
    uri, name = create_vhost(prefix)
    try:
        yield uri
    finally:
        try:
            delete_vhost(name)
        except requests.RequestException:  # tidying only: a restarting broker keeps it
            pass


@contextlib.contextmanager
def postgres_databases(*names, prefix="seibiant_test"):
    """{name: SQLAlchemy URL} of new PostgreSQL databases, dropped after the block."""
    created = {}
    try:
        for name in names:
            url, created[name] = create_database("{}_{}".format(prefix, name))
        yield {name: POSTGRES_URL + database for name, database in created.items()}
    finally:
        for database in created.values():
            drop_database(database)


def broker_listens():
    """Whether anything accepts connections on RabbitMQ's AMQP port."""
    try:
        socket.create_connection((RABBIT_HOST, RABBIT_PORT), timeout=2).close()
        return True
    except OSError:
        return False


def management_overview():
    """True when the management API answers; raises why not otherwise."""
    requests.get(RABBIT_MANAGEMENT + "/overview", auth=GUEST, timeout=2).raise_for_status()
    return True


def management_answers():
    try:
        return management_overview()
    except requests.RequestException:
        return False


def prepare_broker(seconds):
    """For `make test` and `make bench`: fails at once when no RabbitMQ listens, enables the
    management plugin when its API does not answer, and waits for it (it takes a few seconds
    to listen). Returns an error message, or None when the API answers."""
    from seibiant_common.processes import wait_until

    if not broker_listens():
        return ("RabbitMQ is not answering on {}:{}. Start it with `rabbitmq-server -detached` "
                "(Debian's rabbitmq-server package) or `docker compose up -d rabbitmq`, or set "
                "RABBIT_HOST and RABBIT_PORT to where one runs.".format(RABBIT_HOST, RABBIT_PORT))
    if management_answers():
        return None
    if shutil.which("rabbitmq-plugins"):
        subprocess.run(["rabbitmq-plugins", "-q", "enable", "rabbitmq_management"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    try:
        wait_until(management_overview, seconds, interval=0.5,
                   message="RabbitMQ's management API on " + RABBIT_MANAGEMENT)
    except TimeoutError as error:
        return "{} (enable it: rabbitmq-plugins enable rabbitmq_management)".format(error)
    return None


if __name__ == "__main__":
    # `python -m seibiant_common.sandbox prepare-broker SECONDS`
    import sys

    if sys.argv[1:2] != ["prepare-broker"] or len(sys.argv) != 3:
        sys.exit("usage: python -m seibiant_common.sandbox prepare-broker SECONDS")
    sys.exit(prepare_broker(float(sys.argv[2])))
