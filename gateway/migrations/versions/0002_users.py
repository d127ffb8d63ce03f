"""users, login attempts and idempotency records"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("council", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("needs", sa.JSON, nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False, server_default="en"),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_users_council_role", "users", ["council", "role", "id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("attempted_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_login_attempts_username", "login_attempts",
                    ["username", "attempted_at"])
    op.create_table(
        "idempotency_records",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("body", sa.Text, nullable=True),
        sa.Column("location", sa.String(255), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
