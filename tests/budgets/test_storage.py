"""What the database itself guarantees, whatever the code does: ledger entries and audit rows
are never changed or deleted, and a budget row's cached balance never shows available below
zero; and what the use cases leave in it when two of them race. On PostgreSQL and SQLite (no
broker needed)."""
import concurrent.futures
import datetime

import pytest
import sqlalchemy as sa

from seibiant_common.database import Store, make_engine
from seibiant_common.migrations import upgrade
from devtools.processes import wait_until
from services.budgets import application as app
from services.budgets import domain
from services.budgets.models import (PLUMBING_TABLES, budget_audit, budgets, holds,
                                     ledger_entries)
from services.budgets.service import MIGRATIONS

from .rules import END, START, officer


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, make_database_url):
    engine = make_engine(make_database_url(request.param, "storage"))
    upgrade(engine, MIGRATIONS)
    yield Store(engine, *PLUMBING_TABLES)
    engine.dispose()


def make_budget(store):
    with store.unit_of_work() as uow:
        return app.create_budget(uow, officer(), {
            "family_id": "family-1", "family_council": None, "allocated_pence": 10_000,
            "period_start": START, "period_end": END, "allowed_categories": [],
            "auto_approve_limit_pence": 0}).id


@pytest.mark.parametrize("table", [ledger_entries, budget_audit])
def test_the_ledger_and_the_audit_are_append_only(store, table):
    budget_id = make_budget(store)
    for change in (table.update().values(reason="rewritten"), table.delete()):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with store.engine.begin() as connection:
                connection.execute(change.where(table.c.budget_id == budget_id))
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 1


def test_the_database_refuses_a_balance_below_zero(store):
    budget_id = make_budget(store)
    with pytest.raises(sa.exc.IntegrityError):
        with store.engine.begin() as connection:
            connection.execute(budgets.update().where(budgets.c.id == budget_id)
                               .values(held_pence=10_001))


def _hold(store, request):
    with store.unit_of_work() as uow:
        return app.hold_funds(uow, request)


def _waiting_for_a_lock(engine):
    with engine.connect() as connection:
        return connection.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'")).scalar()


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_a_hold_that_loses_the_race_for_its_booking_writes_nothing_of_its_budget(store):
    """Two requests for one booking at once: the second waits for the budget's lock, then
    inserts its hold after the first committed one (which its read, made before the lock was
    granted, did not see). It is answered with the first hold, and the money is held once:
    nothing of what the second request did to the budget is written."""
    budget_id = make_budget(store)
    request = domain.HoldRequest(
        booking_id="booking-1", budget_id=budget_id, family_id="family-1", amount_pence=3_000,
        category="overnight_stay", break_start=START + datetime.timedelta(days=30),
        break_end=START + datetime.timedelta(days=32))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        with store.unit_of_work() as uow:
            first = app.hold_funds(uow, request)
            second = pool.submit(_hold, store, request)
            wait_until(lambda: _waiting_for_a_lock(store.engine), 10,
                       message="the second request to wait for the budget's lock")
        second = second.result(timeout=10)
    assert (second.id, second.status, second.amount_pence) == (first.id, domain.HELD, 3_000)
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(budgets.c.held_pence)).scalar() == 3_000
        assert connection.execute(
            sa.select(ledger_entries.c.kind, ledger_entries.c.amount_pence)
            .order_by(ledger_entries.c.seq)).all() == [("allocation", 10_000), ("hold", 3_000)]
        assert connection.execute(sa.select(sa.func.count()).select_from(holds)).scalar() == 1
