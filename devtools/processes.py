"""Start, stop and kill the services as plain processes (`nameko run`), for the run command,
the end-to-end tests and the benchmarks."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Callable, TypeVar

import amqp.exceptions
import kombu.exceptions
import nameko.exceptions
import sqlalchemy.exc

from seibiant_common.config import SERVICE_MODULES

T = TypeVar("T")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROCESSES_SETTING = "SEIBIANT_PROCESSES"


def process_counts(text: str | None, setting: str = PROCESSES_SETTING) -> dict[str, int]:
    """{service: processes} from a setting such as `budgets:2,bookings:2` (a service not named
    runs one); a ValueError naming the setting and its bad part otherwise."""
    counts = dict.fromkeys(SERVICE_MODULES, 1)
    named = set()
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, colon, count = (piece.strip() for piece in part.partition(":"))
        if not colon or name not in SERVICE_MODULES:
            problem = "is not <service>:<processes>, the service one of {}".format(
                ", ".join(SERVICE_MODULES))
        elif name in named:
            problem = "names {} a second time".format(name)
        elif not re.fullmatch("[1-9][0-9]?", count):
            problem = "needs a whole number of processes from 1 to 99"
        else:
            counts[name] = int(count)
            named.add(name)
            continue
        raise ValueError("{}: {!r} {} (e.g. budgets:2,providers:1,bookings:2,gateway:1)"
                         .format(setting, part.strip(), problem))
    return counts


def service_processes(counts: dict[str, int], env: dict[str, str] | None = None,
                      log_dir: str | None = None) -> list["ServiceProcess"]:
    """The processes of `counts`: every service's first one, then the others (`budgets-2`,
    ...), which compete for the same queues; several gateways share its port (SO_REUSEPORT,
    which eventlet's listening socket sets). Start the first ones before the others: they
    apply the migrations, and SQLite cannot have two processes doing that at once."""
    return ([ServiceProcess(name, env, log_dir) for name in counts]
            + [ServiceProcess(name, env, log_dir, instance)
               for name, count in counts.items() for instance in range(2, count + 1)])


class ServiceProcess:
    def __init__(self, name: str, env: dict[str, str] | None = None, log_dir: str | None = None,
                 instance: int = 1) -> None:
        self.name = name
        # what logs and messages call it: `bookings`, `bookings-2`, ...
        self.label = name if instance == 1 else "{}-{}".format(name, instance)
        self.instance = instance
        self.env = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
        log_dir = log_dir or self.env.get("SEIBIANT_LOG_DIR") or os.path.join(ROOT, "var", "log")
        self.log_path = os.path.join(log_dir, "{}.log".format(self.label))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "ServiceProcess":
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config",
             os.path.join(ROOT, "config.yaml"), SERVICE_MODULES[self.name]],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            # A group of its own, so a terminal's Ctrl-C reaches only its owner, which then
            # stops it with one SIGTERM: `nameko run` given SIGINT and then SIGTERM runs two
            # stops of its containers at once, and they wait on each other for ever.
            process_group=0,
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15) -> list[str]:
        """SIGTERM lets nameko finish its workers; then SIGKILL if it will not stop."""
        return stop_all([self], timeout)

    def kill(self) -> None:
        if self.process is not None and self.alive():
            self.process.kill()
            self.process.wait()


def stop_all(processes: list[ServiceProcess], timeout: float = 15) -> list[str]:
    """Stops the processes side by side (each takes a few seconds), SIGKILLing any still
    running `timeout` seconds after the SIGTERM; returns the names of those it killed."""
    running = [(process, process.process) for process in processes
               if process.process is not None and process.process.poll() is None]
    for _, popen in running:
        popen.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    killed = []
    for process, popen in running:
        try:
            popen.wait(max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            killed.append(process.label)
    return killed


def listening_sockets(host: str, port: int) -> int:
    """How many sockets listen on IPv4 `host`:`port` (one per gateway process; Linux only)."""
    address = "{}:{:04X}".format(socket.inet_aton(host)[::-1].hex().upper(), port)
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for row in rows if row[1] == address and row[3] == "0A")  # 0A: LISTEN


# What a thing still starting (or restarting) answers with, which `wait_until` tries again: a
# refused, reset or timed-out connection (OSError, and requests' errors, which are OSErrors),
# AMQP's and kombu's lost connections, an RPC to a service whose queue is not there yet, and a
# database not yet answering (or locked by a migration). Anything else is a fault, raised at
# once: an assertion or a KeyError in the predicate is not something to wait out.
STARTING_ERRORS = (OSError, amqp.exceptions.ConnectionError, kombu.exceptions.OperationalError,
                   nameko.exceptions.UnknownService, sqlalchemy.exc.OperationalError)


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = 0.05,
               message: str = "condition",
               retry: tuple[type[BaseException], ...] = STARTING_ERRORS) -> T:
    """Polls `predicate` until it returns something truthy, and returns that; raises
    TimeoutError at the deadline. Errors in `retry` (STARTING_ERRORS) are tried again, any
    other is raised at once."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except retry as error:
            last_error = error
        time.sleep(interval)
    raise TimeoutError("timed out waiting for {} (last error: {!r})".format(message, last_error))


class MailSink:
    """A local SMTP server (aiosmtpd, as a process) that keeps each message it receives as a
    file of a Maildir under `folder` (`new/`): `make run`'s mail, and the tests' mail server,
    which they stop and start again to see a mail server go away."""

    def __init__(self, folder: str, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.folder, self.host, self.port = folder, host, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "MailSink":
        # not the folder itself: aiosmtpd makes the Maildir (new/, cur/, tmp/) only if absent
        os.makedirs(os.path.dirname(os.path.abspath(self.folder)), exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", "{}:{}".format(self.host, self.port),
             "-c", "aiosmtpd.handlers.Mailbox", self.folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, process_group=0)
        wait_until(self.answers, 15, message="the mail sink on {}:{}".format(self.host,
                                                                            self.port))
        return self

    def answers(self) -> bool:
        with socket.create_connection((self.host, self.port), timeout=1):
            return True

    def terminate(self) -> None:
        """Asks it to stop, without waiting (`stop` waits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        self.terminate()
        if self.process is not None:
            self.process.wait(10)
        self.process = None
