"""A refusal that goes back to the caller (its 4xx) is one INFO line in the service's log, with
no traceback; an ERROR with a traceback is kept for our own faults."""
import json
import logging

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from seibiant_common import errors
from seibiant_common.logs import RefusalsAtInfo
from devtools.processes import ServiceProcess, wait_until
from tests.e2e.world import officer


def test_a_service_logs_refusals_at_info_without_a_traceback(amqp_uri, tmp_path):
    service = ServiceProcess("budgets", log_dir=str(tmp_path), env={
        "AMQP_URI": amqp_uri, "BUDGETS_DATABASE_URL": "sqlite:///{}".format(tmp_path / "b.db")})
    service.start()
    try:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri, "serializer": "json"}, timeout=30) as rpc:
            wait_until(lambda: rpc.budgets.health(), 60, interval=0.2, message="budgets")
            with pytest.raises(errors.NotFound):
                rpc.budgets.get_budget(officer("powys"), "no-such-budget")
            with pytest.raises(errors.InvalidInput):
                rpc.budgets.create_budget(officer("powys"), {"allocated_pence": "lots"})
    finally:
        assert service.stop() == []
    with open(service.log_path) as log:
        records = [json.loads(line) for line in log if line.startswith("{")]
    refusals = [r for r in records if r["logger"] == "nameko.containers"
                and "error handling worker" in r["message"]]
    assert len(refusals) == 2, refusals
    assert "get_budget" in refusals[0]["message"] and "not found" in refusals[0]["message"]
    assert "create_budget" in refusals[1]["message"]
    assert all(r["level"] == "INFO" and "exception" not in r for r in refusals), refusals
    assert [r for r in records if r["level"] in ("WARNING", "ERROR")] == []


def test_anything_else_a_worker_raises_stays_an_error_with_its_traceback():
    try:
        raise RuntimeError("our fault")
    except RuntimeError as error:
        record = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1,
                                   "error handling worker %s: %s", ("ctx", error),
                                   exc_info=(type(error), error, error.__traceback__))
    assert RefusalsAtInfo().filter(record)
    assert record.levelname == "ERROR" and record.exc_info is not None
