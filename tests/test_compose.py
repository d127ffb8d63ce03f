"""No Docker engine runs here, so check docker-compose.yml as data: every part of the system
is in it, built from the Dockerfile, pointed at the right hosts, and started in order."""
import os

import yaml

from seibiant_common.processes import ROOT, SERVICE_MODULES

APPLICATIONS = set(SERVICE_MODULES)


def load():
    with open(os.path.join(ROOT, "docker-compose.yml")) as compose_file:
        return yaml.safe_load(compose_file)["services"]


def test_compose_names_every_service_and_its_infrastructure():
    assert set(load()) == APPLICATIONS | {"rabbitmq", "postgres"}


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


def test_dependencies_have_health_checks_and_a_database_per_service():
    services = load()
    assert "management" in services["rabbitmq"]["image"]
    assert "healthcheck" in services["rabbitmq"] and "healthcheck" in services["postgres"]
    with open(os.path.join(ROOT, "docker", "postgres-init.sql")) as init:
        script = init.read()
    for owner in APPLICATIONS:
        assert "CREATE DATABASE {};".format(owner) in script
    assert services["gateway"]["ports"] == ["8000:8000"]
    with open(os.path.join(ROOT, "Dockerfile")) as dockerfile:
        image = dockerfile.read()
    assert "FROM python:3.11" in image and "requirements.txt" in image
    assert "npm ci" in image  # the web pages' GOV.UK Frontend files
