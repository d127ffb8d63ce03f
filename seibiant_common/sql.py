"""SQL that differs between the two databases the services run on (PostgreSQL, SQLite)."""
import functools
from typing import Any, cast

from sqlalchemy import CursorResult, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT` into `table` with `ON CONFLICT` (`.on_conflict_do_nothing()`,
    `.on_conflict_do_update(...)`), for the database `session` is bound to."""
    return _insert(session.get_bind().dialect.name, table)


def _insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@functools.cache
def _insert_absent(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    return _insert(dialect, table).on_conflict_do_nothing(
        index_elements=[table.c[key] for key in keys])


def insert_absent(session: Session, table: Table, row: dict[str, Any],
                  keys: tuple[str, ...]) -> CursorResult[Any]:
    """Inserts `row` unless a row with the same `keys` is there (rowcount 0 then), with one
    statement per table built once: SQLAlchemy then reuses its cache key and compiled form,
    which a statement built with the row's values would make again each time."""
    return cast(CursorResult[Any], session.execute(
        _insert_absent(session.get_bind().dialect.name, table, keys), row))
