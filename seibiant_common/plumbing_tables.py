"""The two tables every service database has for reliable messaging.

`outbox_messages` holds events written in the same transaction as the state change they
announce; `processed_events` remembers which event ids each handler has already applied.
Each service adds them to its metadata with `add_plumbing_tables` and creates them in its
first migration with `create_plumbing_tables`, so the definition lives only here.
"""
from typing import Any

import sqlalchemy as sa

from .types import UtcDateTime


def _columns() -> tuple[list[sa.Column[Any]], list[sa.Column[Any]]]:
    outbox: list[sa.Column[Any]] = [
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=True),
    ]
    processed: list[sa.Column[Any]] = [
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("handler", sa.String(128), primary_key=True),
        sa.Column("processed_at", UtcDateTime, nullable=False),
    ]
    return outbox, processed


UNSENT_INDEX: dict[str, Any] = dict(
    postgresql_where=sa.text("sent_at IS NULL"), sqlite_where=sa.text("sent_at IS NULL"))


def add_plumbing_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    outbox_columns, processed_columns = _columns()
    outbox = sa.Table("outbox_messages", metadata, *outbox_columns)
    sa.Index("ix_outbox_unsent", outbox.c.seq, **UNSENT_INDEX)
    sa.Index("ix_outbox_aggregate_unsent", outbox.c.aggregate_id, outbox.c.seq, **UNSENT_INDEX)
    processed = sa.Table("processed_events", metadata, *processed_columns)
    return outbox, processed


def create_plumbing_tables(op: Any) -> None:
    """For a service's first alembic migration."""
    outbox_columns, processed_columns = _columns()
    op.create_table("outbox_messages", *outbox_columns)
    op.create_index("ix_outbox_unsent", "outbox_messages", ["seq"], **UNSENT_INDEX)
    op.create_index("ix_outbox_aggregate_unsent", "outbox_messages",
                    ["aggregate_id", "seq"], **UNSENT_INDEX)
    op.create_table("processed_events", *processed_columns)
