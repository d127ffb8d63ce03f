"""accounts' email, mobile and the channels they are told by (notify_by, [] for none)"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("mobile", sa.String(32), nullable=True))
        batch.add_column(sa.Column("notify_by", sa.JSON, nullable=False,
                                   server_default=sa.text("'[]'")))
