"""The health checks against the real processes, started once: the gateway's
/api/v1/health naming the service that is down, and `python -m seibiant_common.health
SERVICE`, docker-compose.yml's health check: healthy while a service answers, unhealthy once
it is gone."""
import os
import subprocess
import sys

from devtools.processes import ROOT, SERVICE_MODULES, ServiceProcess, wait_until

from .test_run_command import health, quick_stop_env


def health_commands(names, env):
    """`python -m seibiant_common.health NAME` for each of `names`, side by side (each is a
    fresh interpreter, and a service that is gone takes its timeout to say so): {name:
    (exit code, stderr)}."""
    running = {name: subprocess.Popen(
        [sys.executable, "-m", "seibiant_common.health", name], cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=ROOT, **env), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True) for name in names}
    stderr = {name: command.communicate(timeout=60)[1] for name, command in running.items()}
    return {name: (command.returncode, stderr[name]) for name, command in running.items()}


def health_command(name, env):
    return health_commands([name], env)[name]


def test_each_service_is_healthy_while_it_answers_and_unhealthy_once_it_is_gone(
        amqp_uri, tmp_path):
    env = quick_stop_env(amqp_uri, tmp_path)
    code, stderr = health_command("budgets", env)
    assert code == 1 and "budgets is not healthy" in stderr
    processes = {name: ServiceProcess(name, env=env).start() for name in SERVICE_MODULES}
    try:
        wait_until(lambda: health(env).status_code == 200, 30, interval=0.05,
                   message="health 200")
        for name, (code, stderr) in health_commands(SERVICE_MODULES, env).items():
            assert code == 0, (name, stderr)
        processes["bookings"].kill()
        response = health(env)
        assert response.status_code == 503
        assert response.json()["down"] == ["bookings"]
        answers = health_commands(["bookings", "gateway", "budgets"], env)
        assert answers["bookings"][0] == 1
        assert answers["gateway"][0] == 1  # it asks every service
        assert answers["budgets"][0] == 0, answers["budgets"]
        processes["gateway"].kill()
        assert health_command("gateway", env)[0] == 1
    finally:
        for process in processes.values():  # tidying only: nothing here asserts the stop
            process.kill()
    # each log went to the SEIBIANT_LOG_DIR it was given, none into the checkout's var/log
    for name in SERVICE_MODULES:
        assert "starting services" in (tmp_path / "log" / (name + ".log")).read_text()
