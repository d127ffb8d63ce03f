"""Alembic, driven from code: every service's migrations run on start."""
import zlib

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine


def upgrade(engine: Engine, script_location: str) -> None:
    config = Config()
    config.set_main_option("script_location", script_location)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two instances starting together must not both migrate.
            key = zlib.crc32(script_location.encode())
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)" % key)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def run_env(target_metadata: MetaData) -> None:
    """The whole body of each service's `migrations/env.py`."""
    from alembic import context

    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
