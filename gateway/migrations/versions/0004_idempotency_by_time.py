"""idempotency records indexed by time, so that expired ones are swept cheaply"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.create_index("ix_idempotency_records_created_at", "idempotency_records", ["created_at"])
