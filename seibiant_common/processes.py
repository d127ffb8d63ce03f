"""Start, stop and kill the services as plain processes (`nameko run`), for the run command,
the end-to-end tests and the benchmarks."""
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SERVICE_MODULES = {
    "budgets": "services.budgets.service",
    "providers": "services.providers.service",
    "bookings": "services.bookings.service",
    "gateway": "gateway.service",
}


class ServiceProcess:
    def __init__(self, name, env=None, log_dir=None):
        self.name = name
        self.env = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
        log_dir = log_dir or self.env.get("SEIBIANT_LOG_DIR") or os.path.join(ROOT, "var", "log")
        self.log_path = os.path.join(log_dir, "{}.log".format(name))
        self.process = None

    def start(self):
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

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=15):
        """SIGTERM lets nameko finish its workers; then SIGKILL if it will not stop."""
        return stop_all([self], timeout)

    def kill(self):
        if self.alive():
            self.process.kill()
            self.process.wait()


def stop_all(processes, timeout=15):
    """Stops the processes side by side (each takes a few seconds), SIGKILLing any still
    running `timeout` seconds after the SIGTERM; returns the names of those it killed."""
    running = [process for process in processes if process.alive()]
    for process in running:
        process.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    killed = []
    for process in running:
        try:
            process.process.wait(max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            killed.append(process.name)
    return killed


def wait_until(predicate, timeout, interval=0.05, message="condition"):
    """Polls `predicate` until it returns something truthy; raises TimeoutError at the deadline."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # a service still starting refuses connections
            last_error = error
        time.sleep(interval)
    raise TimeoutError("timed out waiting for {} (last error: {!r})".format(message, last_error))
