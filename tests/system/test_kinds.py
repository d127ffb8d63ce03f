"""Tests by kind: the unit tests run with nothing listening, and a test that needs the broker
stops the whole run at once, saying why, when there is none (never a skip). Each runs pytest
in a subprocess whose broker and PostgreSQL are ports nobody serves."""
import os
import re
import subprocess
import sys

import pytest

from devtools.processes import ROOT
from devtools.sandbox import free_port

# It runs the unit tests itself, so it must not be one of them.
pytestmark = pytest.mark.e2e

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


def test_the_unit_tests_pass_with_no_broker_and_no_postgresql():
    result, _ = pytest_with_nothing_listening("-m", "unit")
    assert result.returncode == 0, result.stdout[-3000:]
    # every unit test passed (or failed as marked, strictly): none failed, errored or skipped
    assert re.search(r"^\d+ passed, \d+ deselected(, \d+ xfailed)? in ", result.stdout,
                     re.MULTILINE), \
        result.stdout[-3000:]


def test_a_service_test_with_no_broker_stops_the_run_at_once_saying_why():
    result, port = pytest_with_nothing_listening(SERVICE_TEST)
    assert result.returncode == 3, result.stdout[-3000:]
    assert "1 of the selected tests need the broker" in result.stdout
    assert "RabbitMQ is not answering on 127.0.0.1:{}".format(port) in result.stdout
    assert "no tests ran" in result.stdout
