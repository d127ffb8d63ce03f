"""Each service's migrations build exactly the tables its models describe: alembic's
autogenerate, comparing the migrated database with the models' metadata, finds nothing to do
(on SQLite and on PostgreSQL). A model changed without its migration fails here."""
import importlib
import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from seibiant_common.migrations import upgrade
from devtools.processes import ROOT

SERVICES = {"budgets": "services/budgets", "providers": "services/providers",
            "bookings": "services/bookings", "insight": "services/insight",
            "families": "services/families", "notifications": "services/notifications",
            "staycation": "services/staycation",
            "gateway": "gateway"}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_database_is_what_the_models_describe(service, kind, make_database_url):
    folder = SERVICES[service]
    models = importlib.import_module(folder.replace("/", ".") + ".models")
    engine = sa.create_engine(make_database_url(kind, service))
    try:
        upgrade(engine, os.path.join(ROOT, folder, "migrations"))
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, models.Base.metadata)
    finally:
        engine.dispose()
    assert differences == []
