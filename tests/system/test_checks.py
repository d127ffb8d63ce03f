"""Commands that must fail at once and say why: `make test`'s broker check, and the gateway
without its secret; and the test configuration's warning filter."""
import os
import subprocess
import sys
import time

from devtools.processes import ROOT, SERVICE_MODULES
from devtools.sandbox import free_port


def run(command, env, timeout=60):
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT, **env),
                            capture_output=True, text=True, timeout=timeout)
    return result, time.monotonic() - started


def prepare_broker(env):
    return run([sys.executable, "-m", "devtools.sandbox", "prepare-broker", "30"], env)


def test_the_broker_check_fails_at_once_naming_the_port_when_nothing_listens():
    port = free_port()
    result, took = prepare_broker({"RABBIT_PORT": str(port), "RABBIT_MANAGEMENT":
                                   "http://127.0.0.1:{}/api".format(free_port())})
    assert result.returncode == 1, result.stderr
    assert took < 5  # not the 30 s given for the management API
    assert "RabbitMQ is not answering on 127.0.0.1:{}".format(port) in result.stderr
    assert "rabbitmq-server -detached" in result.stderr


def test_the_broker_check_waits_for_the_management_api_and_says_what_it_last_saw(rabbitmq):
    # the real broker's AMQP port answers; its "management API" here is a port nobody serves
    result, took = run([sys.executable, "-m", "devtools.sandbox", "prepare-broker", "1"],
                       {"RABBIT_MANAGEMENT": "http://127.0.0.1:{}/api".format(free_port())})
    assert result.returncode == 1, result.stderr
    assert "management API" in result.stderr and "ConnectionError" in result.stderr
    assert "last error: None" not in result.stderr


def test_the_broker_check_passes_on_the_real_broker(rabbitmq):
    result, _ = prepare_broker({})
    assert result.returncode == 0, result.stderr


def test_the_gateway_without_its_token_secret_exits_non_zero_saying_which_setting(
        amqp_uri, tmp_path):
    env = {"AMQP_URI": amqp_uri, "GATEWAY_ADDRESS": "127.0.0.1:{}".format(free_port()),
           "SEIBIANT_TOKEN_SECRET": "", "SEIBIANT_ADMIN_PASSWORD": "test-admin-password",
           "GATEWAY_DATABASE_URL": "sqlite:///{}".format(tmp_path / "gateway.db")}
    result, _ = run([sys.executable, "-m", "nameko", "run", "--config", "config.yaml",
                     SERVICE_MODULES["gateway"]], env)
    assert result.returncode == 1, result.stderr
    last_line = (result.stdout + result.stderr).strip().splitlines()[-1]
    assert "will not start without a token secret" in last_line
    assert "SEIBIANT_TOKEN_SECRET" in last_line


def test_the_eventlet_deprecation_warning_is_filtered_by_the_project_configuration(tmp_path):
    # a fresh interpreter, so eventlet is first imported inside the test and warns there
    (tmp_path / "test_imports_eventlet.py").write_text("def test_import():\n    import eventlet\n")
    result, _ = run([sys.executable, "-m", "pytest", "-c", os.path.join(ROOT, "pyproject.toml"),
                     "--rootdir", str(tmp_path), str(tmp_path / "test_imports_eventlet.py")], {})
    assert result.returncode == 0, result.stdout
    assert "1 passed" in result.stdout
    assert "EventletDeprecationWarning" not in result.stdout, result.stdout
