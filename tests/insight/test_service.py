"""The insight service on the real broker and PostgreSQL: a known sequence of events gives
the exact figures of every table, the same after a rebuild from the kept events, and each
reader sees only their own."""
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.errors import Forbidden, InvalidInput
from devtools.processes import ROOT, wait_until
from services.insight.service import InsightService

from .sequence import POWYS, PROVIDER_P1, UNMET_CSV, WINDOW, known_sequence

OFFICER = {"user_id": "officer-powys", "role": "officer", "council": "powys",
           "provider_id": None}
ADMIN = {"user_id": "admin", "role": "admin", "council": None, "provider_id": None}
PROVIDER = {"user_id": "u-p1", "role": "provider", "council": None, "provider_id": "p1"}
FAMILY = {"user_id": "fam1", "role": "family", "council": "powys", "provider_id": None}


def count(url, table):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM " + table)).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def insight(make_database_url, start_service, service_config):
    url = make_database_url("postgresql", "insight")
    start_service(InsightService, DATABASES={"insight": url})
    with ServiceRpcProxy("insight", service_config, timeout=30) as proxy:
        yield proxy, url


def test_a_known_sequence_gives_the_exact_figures_again_after_a_rebuild(insight,
                                                                       service_config):
    rpc, url = insight
    events = known_sequence()
    dispatch = event_dispatcher(service_config)
    for producer, event in events:
        dispatch(producer, event["event_type"], event)
    dispatch(*events[0][:1], events[0][1]["event_type"], events[0][1])  # a redelivery
    wait_until(lambda: count(url, "kept_events") == len(events), 60, interval=0.2,
               message="every event kept")

    assert rpc.get_insight(OFFICER, *WINDOW) == POWYS
    assert rpc.get_insight(PROVIDER, *WINDOW) == PROVIDER_P1
    assert rpc.get_insight_csv(OFFICER, "unmet_demand", *WINDOW) == UNMET_CSV
    everyone = rpc.get_insight(ADMIN, *WINDOW)
    assert everyone["council"] is None
    # The admin's groupings hold every council's: Flintshire's searchers too...
    assert everyone["unmet_demand"][0]["searches"] == 15
    # ...and Flintshire's places (one family booked: not shown).
    assert {"month": "2030-05", "area": "flintshire", "kind": "overnight_stay",
            "places_published": 5, "places_booked": "fewer than 5",
            "full_percent": None} in everyone["supply_and_demand"]

    assert rpc.rebuild() == {"events": len(events)}
    assert count(url, "searches") == 22
    assert rpc.get_insight(OFFICER, *WINDOW) == POWYS
    assert rpc.get_insight(PROVIDER, *WINDOW) == PROVIDER_P1
    assert rpc.get_insight(ADMIN, *WINDOW) == everyone


def test_a_family_sees_nothing_and_bad_input_names_its_field(insight):
    rpc, _url = insight
    with pytest.raises(Forbidden):
        rpc.get_insight(FAMILY)
    with pytest.raises(InvalidInput) as refused:
        rpc.get_insight(OFFICER, "2030-06-01", "2030-05-01")
    assert set(refused.value.errors) == {"to"}
    with pytest.raises(InvalidInput) as refused:
        rpc.get_insight(OFFICER, "yesterday")
    assert set(refused.value.errors) == {"from"}
    with pytest.raises(InvalidInput) as refused:
        rpc.get_insight_csv(PROVIDER, "unmet_demand")  # not a provider's table
    assert set(refused.value.errors) == {"table"}
    with pytest.raises(InvalidInput) as refused:
        rpc.get_insight_csv(OFFICER, "everything")
    assert set(refused.value.errors) == {"table"}
    # Nothing heard yet: empty tables, the default window (from a first of the month).
    empty = rpc.get_insight(OFFICER)
    assert empty["unmet_demand"] == [] and empty["approvals"]["median_hours"] is None
    assert empty["from"][8:] == "01" and empty["from"] < empty["to"]


def test_the_rebuild_command_asks_the_running_service(insight, service_config):
    rpc, _url = insight
    done = subprocess.run([sys.executable, "-m", "services.insight.rebuild"], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT,
                                   AMQP_URI=service_config["AMQP_URI"]),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "rebuilt the insight read model from 0 kept events"
