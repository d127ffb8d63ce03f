"""sign-in attempts indexed by time, so that old ones are swept cheaply"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.create_index("ix_login_attempts_at", "login_attempts", ["attempted_at"])
