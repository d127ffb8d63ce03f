"""`make run`: start RabbitMQ if needed, a local SMTP sink (unless SMTP_HOST names a mail
server), the four services and the gateway as processes (SEIBIANT_PROCESSES of each, one
unless it says more), seed demo data on an empty system, and stop everything cleanly on
Ctrl-C."""
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

import requests
from kombu import Connection

from seibiant_common import health
from seibiant_common.config import DEFAULT_AMQP_URI
from devtools.processes import (PROCESSES_SETTING, ROOT, MailSink, process_counts,
                                service_processes, stop_all, wait_until)

DEMO_ADMIN_PASSWORD = "seibiant-demo-admin"


def broker_answers(amqp_uri):
    try:
        with Connection(amqp_uri, connect_timeout=2) as connection:
            connection.connect()
        return True
    except Exception:
        return False


def ensure_broker(amqp_uri):
    if broker_answers(amqp_uri):
        return
    local = "127.0.0.1" in amqp_uri or "localhost" in amqp_uri
    if local and shutil.which("rabbitmq-server"):
        print("No RabbitMQ answers at {}; starting the local rabbitmq-server...".format(amqp_uri))
        subprocess.run(["rabbitmq-server", "-detached"], check=False)
        try:
            wait_until(lambda: broker_answers(amqp_uri), 90, interval=0.5, message="RabbitMQ")
            return
        except TimeoutError:
            pass
    sys.exit(
        "No RabbitMQ answers at {}.\nStart one with `docker compose up -d rabbitmq`, or install "
        "Debian's package (`apt-get install rabbitmq-server`) and run `rabbitmq-server -detached`,"
        "\nor point AMQP_URI at a broker you have.".format(amqp_uri))


def start_mail_sink():
    """The mail notifications sends, kept under var/mail/ by a local SMTP server, unless
    SMTP_HOST points at a mail server of your own."""
    if os.environ.get("SMTP_HOST"):
        print("Mail goes to the SMTP server at {}:{}.".format(
            os.environ["SMTP_HOST"], os.environ.get("SMTP_PORT", "25")))
        return None
    port = int(os.environ.setdefault("SMTP_PORT", "8025"))
    os.environ["SMTP_HOST"] = "127.0.0.1"
    sink = MailSink(os.path.join(ROOT, "var", "mail"), port=port)
    try:
        sink.start()
    except TimeoutError:
        sys.exit("The local SMTP sink did not start on 127.0.0.1:{} (is the port taken? set "
                 "SMTP_PORT, or SMTP_HOST to a mail server).".format(port))
    print("Mail is caught by a local SMTP sink on 127.0.0.1:{}: each message is a file in "
          "{}/new/.".format(port, sink.folder))
    return sink


def gateway_url():
    return "http://{}".format(os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000"))


def healthy():
    """The gateway's health (which asks the booking path's services) and notifications'
    (which no request waits on, so the gateway does not ask it)."""
    if requests.get(gateway_url() + "/api/v1/health", timeout=3).status_code != 200:
        return False
    try:
        health.check("notifications")
    except Exception:
        return False
    return True


def main():
    started = time.monotonic()
    try:
        counts = process_counts(os.environ.get(PROCESSES_SETTING))
    except ValueError as error:
        sys.exit(str(error))
    amqp_uri = os.environ.setdefault("AMQP_URI", DEFAULT_AMQP_URI)
    ensure_broker(amqp_uri)
    if not os.environ.get("SEIBIANT_ADMIN_PASSWORD"):
        os.environ["SEIBIANT_ADMIN_PASSWORD"] = DEMO_ADMIN_PASSWORD
        print("SEIBIANT_ADMIN_PASSWORD is not set: using the demo value '{}'."
              .format(DEMO_ADMIN_PASSWORD))
    if not os.environ.get("SEIBIANT_TOKEN_SECRET"):
        # A fresh secret per run: tokens simply stop working after a restart.
        os.environ["SEIBIANT_TOKEN_SECRET"] = secrets.token_urlsafe(32)
        print("SEIBIANT_TOKEN_SECRET is not set: generated one for this run.")

    sink = start_mail_sink()
    processes = service_processes(counts)
    first, others = processes[:len(counts)], processes[len(counts):]
    stopping = []

    def stop(*_):
        if not stopping:
            stopping.append(True)
            print("\nStopping Seibiant...")
            if sink is not None:
                sink.terminate()  # alongside the services, not after them
            killed = stop_all(processes)
            if sink is not None:
                sink.stop()
            print("Stopped." if not killed else "Stopped; killed {} (still running 15 s "
                  "after SIGTERM).".format(", ".join(killed)))
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for process in first:
        process.start()
    log_dir = os.path.dirname(processes[0].log_path)
    print("Started {}; logs in {}/.".format(", ".join(p.label for p in first), log_dir))
    try:
        wait_until(healthy, 90, interval=0.2, message="the gateway's health check")
    except TimeoutError:
        print("The system did not become healthy within 90 s; see {}/*.log.".format(log_dir))
        stop()
    # Healthy means every service has migrated its database: the others may start now.
    for process in others:
        process.start()
    if others:
        print("Started {} ({}).".format(", ".join(p.label for p in others), PROCESSES_SETTING))
    subprocess.run([sys.executable, "-m", "tools.seed"], cwd=ROOT, check=False,
                   env=dict(os.environ, PYTHONPATH=ROOT))
    print("\nSeibiant is running at {}/ (healthy after {:.1f} s). Ctrl-C stops it."
          .format(gateway_url(), time.monotonic() - started))
    reported = set()
    while True:
        # A dead service is reported, not fatal: the others keep serving and /health says 503.
        for process in processes:
            if not process.alive() and process.label not in reported:
                reported.add(process.label)
                print("{} stopped unexpectedly (exit {}); see {}".format(
                    process.label, process.process.returncode, process.log_path))
        time.sleep(1)


if __name__ == "__main__":
    main()
