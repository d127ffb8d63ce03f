"""Tests by kind: a unit test that reaches the broker or PostgreSQL fails (tests/conftest.py
refuses both while one runs, so every unit test of the run is shown to need nothing running),
and a test that needs the broker stops the whole run at once, saying why, when there is none
(never a skip), in a pytest subprocess whose broker and PostgreSQL are ports nobody serves."""
import os
import socket
import subprocess
import sys

import psycopg2
import pytest

from devtools.processes import ROOT
from devtools.sandbox import POSTGRES_DSN, RABBIT_HOST, RABBIT_MANAGEMENT, free_port

from .. import conftest

SERVICE_TEST = "tests/budgets/test_service_rpc.py::test_lists_are_paginated_with_an_opaque_cursor"


def pytest_with_nothing_listening(*arguments):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=ROOT, RABBIT_PORT=str(port),
               RABBIT_MANAGEMENT="http://127.0.0.1:{}/api".format(port),
               TEST_POSTGRES_DSN="host=127.0.0.1 port={} user=postgres dbname=postgres"
               .format(port),
               TEST_POSTGRES_URL="postgresql+psycopg2://postgres@127.0.0.1:{}/".format(port))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", *arguments], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    return result, port


def test_a_unit_test_that_reaches_the_broker_fails_even_if_it_swallows_the_refusal(request):
    assert request.node.get_closest_marker("unit")
    with pytest.raises(conftest.UnitTestReachedAServer, match="reached 127.0.0.1:"):
        socket.create_connection((RABBIT_HOST, conftest.RABBIT_PORT), timeout=5)
    # its `except Exception` hides the refusal; the run's record of it does not
    assert "RabbitMQ is not answering" in conftest.broker_problem()
    assert len(conftest.unit_reaches) >= 2 and conftest.RABBIT_PORT in conftest.SERVER_PORTS
    assert "15672" in RABBIT_MANAGEMENT and 15672 in conftest.SERVER_PORTS
    conftest.unit_reaches.clear()  # else this test fails at its teardown, as it should


def test_a_unit_test_that_reaches_postgresql_fails():
    with pytest.raises(conftest.UnitTestReachedAServer, match="reached PostgreSQL"):
        psycopg2.connect(POSTGRES_DSN)
    assert conftest.unit_reaches == ["PostgreSQL"]
    conftest.unit_reaches.clear()


@pytest.mark.service
def test_a_service_test_may_reach_both(rabbitmq):
    socket.create_connection(rabbitmq, timeout=5).close()
    psycopg2.connect(POSTGRES_DSN).close()


@pytest.mark.e2e  # it runs pytest itself
def test_a_service_test_with_no_broker_stops_the_run_at_once_saying_why():
    result, port = pytest_with_nothing_listening(SERVICE_TEST)
    assert result.returncode == 3, result.stdout[-3000:]
    assert "1 of the selected tests need the broker" in result.stdout
    assert "RabbitMQ is not answering on 127.0.0.1:{}".format(port) in result.stdout
    assert "no tests ran" in result.stdout
