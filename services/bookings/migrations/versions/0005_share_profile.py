"""a booking keeps what of the family profile its family shares, to pass on to families"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("share_profile", sa.JSON, nullable=True))
