"""`python -m seibiant_common.health SERVICE`, docker-compose.yml's health check, against the
real processes: healthy while a service answers, unhealthy once it is gone."""
import os
import subprocess
import sys

from devtools.processes import ROOT, SERVICE_MODULES, ServiceProcess, stop_all, wait_until

from .test_run_command import health, quick_stop_env


def health_command(name, env):
    return subprocess.run([sys.executable, "-m", "seibiant_common.health", name], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT, **env), capture_output=True,
                          text=True, timeout=60)


def test_each_service_is_healthy_while_it_answers_and_unhealthy_once_it_is_gone(
        amqp_uri, tmp_path):
    env = quick_stop_env(amqp_uri, tmp_path)
    before = health_command("budgets", env)
    assert before.returncode == 1 and "budgets is not healthy" in before.stderr
    processes = {name: ServiceProcess(name, env=env).start() for name in SERVICE_MODULES}
    try:
        wait_until(lambda: health(env).status_code == 200, 30, interval=0.2,
                   message="health 200")
        for name in SERVICE_MODULES:
            answer = health_command(name, env)
            assert answer.returncode == 0, (name, answer.stderr)
        processes["bookings"].kill()
        assert health_command("bookings", env).returncode == 1
        assert health_command("gateway", env).returncode == 1  # it asks every service
        assert health_command("budgets", env).returncode == 0
        processes["gateway"].kill()
        assert health_command("gateway", env).returncode == 1
    finally:
        stop_all(list(processes.values()))
