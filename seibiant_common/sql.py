"""SQL that differs between the two databases the services run on (PostgreSQL, SQLite)."""
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT` into `table` with `ON CONFLICT` (`.on_conflict_do_nothing()`,
    `.on_conflict_do_update(...)`), for the database `session` is bound to."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
