"""What the database itself guarantees, whatever the code does: ledger entries and audit rows
are never changed or deleted, and a budget row's cached balance never shows available below
zero. On PostgreSQL and SQLite (no broker needed)."""
import pytest
import sqlalchemy as sa

from seibiant_common.database import Store, make_engine
from seibiant_common.migrations import upgrade
from services.budgets import application as app
from services.budgets.models import PLUMBING_TABLES, budget_audit, budgets, ledger_entries
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
