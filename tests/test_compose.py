"""No Docker engine (nor `docker compose`) runs here, so check docker-compose.yml as data:
every part of the system is in it, built from the Dockerfile, pointed at the right hosts,
health-checked, started in order and seeded, and it interpolates with no variable set."""
import os
import re

import pytest
import yaml

from seibiant_common import health
from devtools.processes import ROOT, SERVICE_MODULES

APPLICATIONS = set(SERVICE_MODULES)
# What the tests, benchmarks and browser tests use: never in the runtime image.
TEST_TOOLS = {"pytest", "hypothesis", "schemathesis", "pika", "py-spy", "playwright",
              "pytest-playwright", "axe-playwright-python"}

# Compose's interpolation (the compose specification): $$ is a literal $; ${VAR}, $VAR;
# ${VAR:-default} / ${VAR-default} when unset or empty / unset; ${VAR:?error} / ${VAR?error}
# fail likewise; ${VAR:+other} / ${VAR+other} when set and non-empty / set.
VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_]\w*)|"
                      r"\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|"
                      r"(?P<invalid>))")


class InterpolationError(Exception):
    pass


def interpolate_string(text, environ):
    def substitute(match):
        if match.group("escaped"):
            return "$"
        if match.group("invalid") is not None:
            raise InterpolationError("invalid interpolation in {!r}".format(text))
        name = match.group("plain") or match.group("name")
        op, arg = match.group("op"), match.group("arg")
        value = environ.get(name)
        present = value is not None and (value != "" or not (op or "").startswith(":"))
        if op in ("-", ":-"):
            return value if present else arg
        if op in ("?", ":?"):
            if not present:
                raise InterpolationError("{}: {}".format(name, arg))
            return value
        if op in ("+", ":+"):
            return arg if present else ""
        return value or ""

    return VARIABLE.sub(substitute, text)


def interpolate(node, environ):
    """Compose interpolates values, not keys, after the YAML is read."""
    if isinstance(node, dict):
        return {key: interpolate(value, environ) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(value, environ) for value in node]
    return interpolate_string(node, environ) if isinstance(node, str) else node


def raw():
    with open(os.path.join(ROOT, "docker-compose.yml")) as compose_file:
        return yaml.safe_load(compose_file)


def load(environ=None):
    return interpolate(raw(), {} if environ is None else environ)["services"]


def read(name):
    with open(os.path.join(ROOT, name)) as source:
        return source.read()


def test_the_interpolation_follows_compose_rules():
    env = {"SET": "value", "EMPTY": ""}
    assert interpolate_string("$SET ${SET} $$SET ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}", env) \
        == "value value $SET d  d"
    assert interpolate_string("${SET:?no} ${EMPTY?no} ${SET:+alt}${EMPTY:+alt}", env) \
        == "value  alt"
    for failing in ("${UNSET:?set it}", "${EMPTY:?set it}", "${UNSET?set it}", "$ {x}"):
        with pytest.raises(InterpolationError):
            interpolate_string(failing, env)


def test_the_file_interpolates_with_no_variable_set_so_the_broker_alone_can_be_started():
    # `docker compose up -d rabbitmq` (make run's advice) reads the whole file first.
    services = load({})
    # The gateway gets an empty secret and refuses to start (tests/gateway/test_accounts.py);
    # given one, it gets that one.
    assert services["gateway"]["environment"]["SEIBIANT_TOKEN_SECRET"] == ""
    given = load({"SEIBIANT_TOKEN_SECRET": "s" * 40})
    assert given["gateway"]["environment"]["SEIBIANT_TOKEN_SECRET"] == "s" * 40


def test_compose_names_every_service_its_infrastructure_and_the_seed():
    assert set(load()) == APPLICATIONS | {"rabbitmq", "postgres", "mail", "seed"}


def test_each_application_runs_its_module_against_the_compose_hosts():
    services = load()
    for name, module in SERVICE_MODULES.items():
        service = services[name]
        assert service["build"] == "."
        assert service["command"][-1] == module
        assert os.path.exists(os.path.join(ROOT, *module.split(".")) + ".py")
        env = service["environment"]
        assert env["AMQP_URI"].startswith("amqp://guest:guest@rabbitmq:5672/")
        for owner in APPLICATIONS:
            assert "@postgres:5432/{}".format(owner) in env[owner.upper() + "_DATABASE_URL"]
        assert service["depends_on"] == {"rabbitmq": {"condition": "service_healthy"},
                                         "postgres": {"condition": "service_healthy"}}


def test_every_service_has_a_health_check_and_postgres_is_checked_over_tcp():
    services = load()
    for name, service in services.items():
        if name != "seed":  # a one-shot job, not a server
            assert service["healthcheck"]["test"][0] == "CMD", name
    postgres = services["postgres"]["healthcheck"]["test"]
    assert postgres[1] == "pg_isready" and postgres[postgres.index("-h") + 1] == "127.0.0.1"
    assert "management" in services["rabbitmq"]["image"]
    for name in APPLICATIONS:
        check = services[name]["healthcheck"]
        assert check["test"][1:] == ["python", "-m", health.__name__, name]
        assert check["start_period"] and check["retries"]
    assert services["gateway"]["environment"]["GATEWAY_ADDRESS"].endswith(":8000")


def test_notifications_send_to_the_mail_catcher_whose_page_shows_them():
    services = load()
    catcher = services["mail"]
    assert "mailpit" in catcher["image"] and catcher["ports"] == ["8025:8025"]
    env = services["notifications"]["environment"]
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == ("mail", "1025")
    assert env["NOTIFY_API_KEY"] == ""  # text messages off unless a key is given
    given = load({"NOTIFY_API_KEY": "key"})["notifications"]["environment"]
    assert given["NOTIFY_API_KEY"] == "key"


def test_a_seed_step_fills_the_demo_data_once_the_gateway_is_healthy():
    services = load({"SEIBIANT_ADMIN_PASSWORD": "chosen"})
    seed = services["seed"]
    assert seed["build"] == "." and seed["command"] == ["python", "-m", "tools.seed"]
    assert seed["depends_on"] == {"gateway": {"condition": "service_healthy"}}
    assert seed["restart"] == "no"
    assert seed["environment"]["GATEWAY_ADDRESS"] == "gateway:{}".format(
        services["gateway"]["ports"][0].split(":")[-1])
    for environ, password in (({"SEIBIANT_ADMIN_PASSWORD": "chosen"}, "chosen"),
                              ({}, "seibiant-demo-admin")):
        services = load(environ)
        assert services["seed"]["environment"]["SEIBIANT_ADMIN_PASSWORD"] == password
        assert services["gateway"]["environment"]["SEIBIANT_ADMIN_PASSWORD"] == password


def test_a_database_per_service_and_the_gateway_port():
    services = load()
    script = read(os.path.join("docker", "postgres-init.sql"))
    for owner in APPLICATIONS:
        assert "CREATE DATABASE {};".format(owner) in script
    assert services["gateway"]["ports"] == ["8000:8000"]


def test_the_image_installs_the_runtime_lock_only():
    image = read("Dockerfile")
    assert "FROM python:3.11" in image
    assert "npm ci" in image  # the web pages' GOV.UK Frontend files
    installs = [line for line in image.splitlines() if "pip install" in line]
    assert installs == ["RUN pip install --no-cache-dir --require-hashes -r requirements.txt"]
    assert "requirements-dev" not in image
    pinned = {line.split("==")[0].lower() for line in read("requirements.txt").splitlines()
              if "==" in line and not line.startswith((" ", "#"))}
    assert pinned and not pinned & TEST_TOOLS
