"""how a slot's places are given: first come (as before), or a ballot whose applications
close at applications_close_at"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0004"
down_revision = "0003"


def upgrade():
    with op.batch_alter_table("slots") as batch:
        batch.add_column(sa.Column("allocation", sa.String(16), nullable=False,
                                   server_default="first_come"))
        batch.add_column(sa.Column("applications_close_at", UtcDateTime, nullable=True))
