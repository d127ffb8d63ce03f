"""a published slot's end, for the nights a donor gave (a rebuild fills it in for the slots
projected before)"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade():
    op.add_column("published_slots", sa.Column("ends_at", UtcDateTime, nullable=True))

