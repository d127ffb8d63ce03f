"""Throw-away RabbitMQ virtual hosts and PostgreSQL databases, for tests and benchmarks that
must not see each other's queues or rows."""
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import urllib.parse
import uuid
from typing import Iterable, Iterator

import psycopg2
import requests
from kombu import Connection

RABBIT_HOST = os.environ.get("RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("RABBIT_PORT", "5672"))
# Where RabbitMQ's own scripts are (Debian's /usr/sbin ones would run them as the `rabbitmq`
# user, whose node is the machine's shared broker).
RABBITMQ_BIN = os.environ.get("RABBITMQ_BIN", "/usr/lib/rabbitmq/bin")
RABBIT_MANAGEMENT = os.environ.get("RABBIT_MANAGEMENT", "http://{}:15672/api".format(RABBIT_HOST))
GUEST = ("guest", "guest")
POSTGRES_DSN = os.environ.get("TEST_POSTGRES_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/")
# The tests' CONSUMER_POLL_SECONDS (config.yaml): a service stops in a fraction of a second
# instead of two or three (messaging.ResilientQueueConsumer), and the tests stop hundreds.
CONSUMER_POLL_SECONDS = 0.05


def create_vhost(prefix: str = "seibiant-test") -> tuple[str, str]:
    """A new virtual host the guest user may use; returns its AMQP URI and its name."""
    vhost = "{}-{}".format(prefix, uuid.uuid4().hex[:12])
    requests.put("{}/vhosts/{}".format(RABBIT_MANAGEMENT, vhost), auth=GUEST,
                 timeout=10).raise_for_status()
    requests.put("{}/permissions/{}/guest".format(RABBIT_MANAGEMENT, vhost), auth=GUEST,
                 json={"configure": ".*", "write": ".*", "read": ".*"},
                 timeout=10).raise_for_status()
    return "amqp://guest:guest@{}:{}/{}".format(RABBIT_HOST, RABBIT_PORT, vhost), vhost


def delete_vhost(vhost: str) -> None:
    requests.delete("{}/vhosts/{}".format(RABBIT_MANAGEMENT, vhost), auth=GUEST, timeout=30)


def postgres_statement(statement: str) -> None:
    """Runs one statement on the server's maintenance database, outside any transaction."""
    connection = psycopg2.connect(POSTGRES_DSN)
    connection.autocommit = True
    try:
        connection.cursor().execute(statement)
    finally:
        connection.close()


def create_database(prefix: str = "seibiant_test") -> tuple[str, str]:
    """A new empty PostgreSQL database; returns its SQLAlchemy URL and its name."""
    database = "{}_{}".format(prefix, uuid.uuid4().hex[:10])
    postgres_statement('CREATE DATABASE "{}"'.format(database))
    return POSTGRES_URL + database, database


def drop_database(database: str) -> None:
    postgres_statement('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(database))


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now, for a gateway of one's own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RabbitNode:
    """A RabbitMQ node of one's own, for tests that stop and start a broker: never the
    machine's shared one. Its name, AMQP and distribution ports, data, logs and Erlang cookie
    (its HOME) are its own, in a temporary folder removed at `stop`; no plugins (so no
    management API: its default virtual host is the test's alone anyway)."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="seibiant-rabbitmq-")
        self.name = "seibiant-test-{}@localhost".format(uuid.uuid4().hex[:10])
        self.port = free_port()
        self.amqp_uri = "amqp://guest:guest@127.0.0.1:{}/".format(self.port)
        self.log_path = os.path.join(self.folder, "server.log")
        files = {"rabbitmq.conf": "listeners.tcp.local = 127.0.0.1:{}\n".format(self.port),
                 "enabled_plugins": "[].\n", "rabbitmq-env.conf": ""}
        for name, text in files.items():
            with open(os.path.join(self.folder, name), "w") as file:
                file.write(text)
        self.env = dict(
            os.environ, HOME=self.folder, RABBITMQ_NODENAME=self.name,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1", RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(free_port()),
            RABBITMQ_MNESIA_BASE=os.path.join(self.folder, "mnesia"),
            RABBITMQ_LOG_BASE=os.path.join(self.folder, "log"),
            RABBITMQ_PID_FILE=os.path.join(self.folder, "rabbitmq.pid"),
            RABBITMQ_CONFIG_FILE=os.path.join(self.folder, "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=os.path.join(self.folder, "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=os.path.join(self.folder, "enabled_plugins"),
            RABBITMQ_CONF_ENV_FILE=os.path.join(self.folder, "rabbitmq-env.conf"),
            ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120) -> "RabbitNode":
        from devtools.processes import wait_until

        server = os.path.join(RABBITMQ_BIN, "rabbitmq-server")
        if not os.access(server, os.X_OK):
            raise RuntimeError("{} is not there: install RabbitMQ's server (Debian's "
                               "rabbitmq-server) or set RABBITMQ_BIN".format(server))
        with open(self.log_path, "ab") as log:
            # a process group of its own: Erlang starts helpers that must stop with it
            self.process = subprocess.Popen([server], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, process_group=0)
        wait_until(self.answers, timeout, interval=0.1,
                   message="RabbitMQ node {} (log: {})".format(self.name, self.log_path))
        return self

    def answers(self) -> bool:
        assert self.process is not None, "not started"
        if self.process.poll() is not None:
            raise RuntimeError("exited {}".format(self.process.returncode))
        with Connection(self.amqp_uri, connect_timeout=2) as connection:
            connection.connect()
        return True

    def ctl(self, *args: str) -> None:
        """`rabbitmqctl` on this node (the same HOME, so the same cookie)."""
        subprocess.run([os.path.join(RABBITMQ_BIN, "rabbitmqctl"), "-n", self.name] +
                       list(args), env=self.env, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # Erlang stops the node cleanly
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                pass
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # helpers left behind
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def rabbitmq_node() -> Iterator[RabbitNode]:
    """A started `RabbitNode` for as long as the block lasts."""
    node = RabbitNode()
    try:
        yield node.start()
    finally:
        node.stop()


def consumers(amqp_uri: str, queue: str) -> int:
    """How many consumers the queue of `amqp_uri`'s virtual host has (0 if there is none)."""
    vhost = urllib.parse.quote(urllib.parse.urlparse(amqp_uri).path[1:], safe="")
    response = requests.get("{}/queues/{}/{}".format(RABBIT_MANAGEMENT, vhost, queue),
                            auth=GUEST, timeout=5)
    return response.json().get("consumers", 0) if response.ok else 0


def percentile(samples: Iterable[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


@contextlib.contextmanager
def vhost(prefix: str = "seibiant-test") -> Iterator[str]:
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
def postgres_databases(*names: str, prefix: str = "seibiant_test") -> Iterator[dict[str, str]]:
    """{name: SQLAlchemy URL} of new PostgreSQL databases, dropped after the block."""
    created: dict[str, str] = {}
    try:
        for name in names:
            url, created[name] = create_database("{}_{}".format(prefix, name))
        yield {name: POSTGRES_URL + database for name, database in created.items()}
    finally:
        for database in created.values():
            drop_database(database)


def broker_listens() -> bool:
    """Whether anything accepts connections on RabbitMQ's AMQP port."""
    try:
        socket.create_connection((RABBIT_HOST, RABBIT_PORT), timeout=2).close()
        return True
    except OSError:
        return False


def management_overview() -> bool:
    """True when the management API answers; raises why not otherwise."""
    requests.get(RABBIT_MANAGEMENT + "/overview", auth=GUEST, timeout=2).raise_for_status()
    return True


def management_answers() -> bool:
    try:
        return management_overview()
    except requests.RequestException:
        return False


def prepare_broker(seconds: float) -> str | None:
    """For `make test` and `make bench`: fails at once when no RabbitMQ listens, enables the
    management plugin when its API does not answer, and waits for it (it takes a few seconds
    to listen). Returns an error message, or None when the API answers."""
    from devtools.processes import wait_until

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
        wait_until(management_overview, seconds, interval=0.2,
                   message="RabbitMQ's management API on " + RABBIT_MANAGEMENT)
    except TimeoutError as error:
        return "{} (enable it: rabbitmq-plugins enable rabbitmq_management)".format(error)
    return None


if __name__ == "__main__":
    # `python -m devtools.sandbox prepare-broker SECONDS`
    import sys

    if sys.argv[1:2] != ["prepare-broker"] or len(sys.argv) != 3:
        sys.exit("usage: python -m devtools.sandbox prepare-broker SECONDS")
    sys.exit(prepare_broker(float(sys.argv[2])))
