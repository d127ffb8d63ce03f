"""sign-in attempts as a counter per username and per address (counted atomically), and
signed-out tokens"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0005"
down_revision = "0004"


def upgrade():
    # attempts within the window are forgotten: at worst a guesser gets a fresh window once
    op.drop_table("login_attempts")
    op.create_table(
        "login_counters",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("window_started_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_login_counters_window", "login_counters", ["window_started_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
