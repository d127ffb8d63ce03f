"""The run command as a newcomer uses it (the health checks: test_health_command.py)."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from gateway.client import Client
from devtools.processes import (ROOT, SERVICE_MODULES, listening_sockets, process_counts,
                                service_processes, wait_until)
from devtools.sandbox import CONSUMER_POLL_SECONDS, consumers


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def system_env(amqp_uri, tmp_path):
    env = {"AMQP_URI": amqp_uri, "GATEWAY_ADDRESS": "127.0.0.1:{}".format(free_port()),
           "SEIBIANT_LOG_DIR": str(tmp_path / "log"),
           "SEIBIANT_ADMIN_PASSWORD": "test-admin-password",
           "SEIBIANT_TOKEN_SECRET": "test-secret-" + "x" * 32,
           # no SMTP_HOST: the command starts its own mail sink, here on a free port
           "SMTP_PORT": str(free_port())}
    for name in SERVICE_MODULES:
        env[name.upper() + "_DATABASE_URL"] = "sqlite:///{}".format(tmp_path / (name + ".db"))
    return env


def quick_stop_env(amqp_uri, tmp_path):
    """system_env for a test whose stops are only its tidying (not the run command's, whose
    stop within 5 s is asserted with the services' own settings)."""
    return dict(system_env(amqp_uri, tmp_path), CONSUMER_POLL_SECONDS=str(CONSUMER_POLL_SECONDS))


def health(env):
    return requests.get("http://{}/api/v1/health".format(env["GATEWAY_ADDRESS"]), timeout=5)


def running(pid):
    """Whether the process is there and not a zombie."""
    try:
        with open("/proc/{}/stat".format(pid)) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@contextlib.contextmanager
def run_command(env, tmp_path):
    """`python -m tools.run_all` as a terminal runs it: asserts it is healthy within 30 s;
    once it says it is running, yields (its output file, the pids of it and its children);
    then Ctrl-C, and asserts that everything stopped cleanly within 5 s and the gateway's
    port is free again."""
    output_path = tmp_path / "run.out"
    started = time.monotonic()
    with open(output_path, "w") as output:
        # a session of its own, as a terminal gives a command: Ctrl-C signals the whole group
        run = subprocess.Popen([sys.executable, "-m", "tools.run_all"], cwd=ROOT,
                               env=dict(os.environ, PYTHONPATH=ROOT, **env), stdout=output,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    pids = [run.pid]
    try:
        wait_until(lambda: health(env).status_code == 200, 30, interval=0.05,
                   message="health 200")
        assert time.monotonic() - started < 30
        wait_until(lambda: "Ctrl-C stops it" in output_path.read_text(), 60, interval=0.05,
                   message="the demo data and the running line")
        with open("/proc/{0}/task/{0}/children".format(run.pid)) as children:
            pids += [int(pid) for pid in children.read().split()]
        yield output_path, pids
    finally:
        ctrl_c = time.monotonic()
        os.killpg(run.pid, signal.SIGINT)
        try:
            wait_until(lambda: not any(map(running, pids)), 30, interval=0.05,
                       message="every process to stop")
        finally:
            stopped_after = time.monotonic() - ctrl_c
            for pid in filter(running, pids):
                os.kill(pid, signal.SIGKILL)
            run.wait()
    output = output_path.read_text()
    assert stopped_after < 5, (stopped_after, output)
    assert run.returncode == 0, output
    assert "\nStopped.\n" in output, output  # and not "Stopped; killed ..."
    host, port = env["GATEWAY_ADDRESS"].split(":")
    with socket.socket() as sock:  # the gateway's port is free again: nothing left running
        # SO_REUSEADDR, as a server restarting would: the closed connections' TIME_WAIT on
        # the port does not count, a process still listening on it does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, int(port)))
        sock.listen()


@pytest.mark.alone
def test_run_command_is_healthy_within_30_seconds_shares_work_and_stops_everything_on_ctrl_c(
        amqp_uri, tmp_path):
    """One run (the system starts once for the module): healthy within 30 s, the mail sink,
    several processes of a service sharing the work (SEIBIANT_PROCESSES), everything stopped
    on Ctrl-C. Without the setting each service runs one process (the test below)."""
    env = dict(system_env(amqp_uri, tmp_path), SEIBIANT_PROCESSES="bookings:2, gateway:2")
    with run_command(env, tmp_path) as (output_path, pids):
        assert health(env).json()["status"] == "ok"
        assert len(pids) == 1 + len(SERVICE_MODULES) + 1 + 2  # the sink, and two more
        output = output_path.read_text()
        assert "Mail is caught by a local SMTP sink on 127.0.0.1:{}".format(
            env["SMTP_PORT"]) in output
        assert "Started bookings-2, gateway-2 (SEIBIANT_PROCESSES)." in output
        wait_until(lambda: consumers(amqp_uri, "rpc-bookings") == 2, 30,
                   message="two bookings processes consuming its RPC queue")
        host, port = env["GATEWAY_ADDRESS"].split(":")
        wait_until(lambda: listening_sockets(host, int(port)) == 2, 30,
                   message="two gateway processes listening on its port")
        family = Client("http://" + env["GATEWAY_ADDRESS"]).signed_in(
            "jones.family", "seibiant-demo")
        budget = family.get("/budgets")["items"][0]
        offer = next(offer for offer in family.get("/offers", params={
            "region": "powys", "category": "overnight_stay"})["items"]
            if offer["title"] == "Farm overnight stay")
        booking = family.post("/bookings", {"slot_id": offer["slots"][-1]["id"], "places": 1,
                                    "budget_id": budget["id"]})
        assert family.wait_for_booking(booking["id"], {"confirmed", "rejected"}, timeout=30)[
            "status"] == "confirmed"
    assert "starting services" in (tmp_path / "log" / "bookings-2.log").read_text()


@pytest.mark.parametrize("setting", [None, "", " , "])
def test_without_the_processes_setting_each_service_runs_one_process(setting):
    counts = process_counts(setting)
    assert counts == dict.fromkeys(SERVICE_MODULES, 1)
    assert len(service_processes(counts)) == len(SERVICE_MODULES)


@pytest.mark.parametrize("setting, bad_part", [
    ("bookings:0", "'bookings:0'"), ("bookings:two", "'bookings:two'"),
    ("bookngs:2", "'bookngs:2'"), ("budgets:2,bookings", "'bookings'"),
    ("gateway:1,gateway:2", "'gateway:2'")])
def test_a_bad_processes_setting_is_refused_naming_the_setting_and_its_bad_part(
        tmp_path, setting, bad_part):
    # refused before anything is started: no broker is asked for
    env = dict(system_env("amqp://guest:guest@127.0.0.1:1/", tmp_path),
               SEIBIANT_PROCESSES=setting)
    run = subprocess.run([sys.executable, "-m", "tools.run_all"], cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=ROOT, **env), capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert "SEIBIANT_PROCESSES: {} ".format(bad_part) in run.stderr, run.stderr
    assert not (tmp_path / "log").exists()  # nothing was started
