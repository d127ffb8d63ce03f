"""referrers (a carers' centre worker: users.organisation) and the referrals of carers"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.types import UtcDateTime

revision = "0006"
down_revision = "0005"


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("organisation", sa.String(120), nullable=True))
    op.create_table(
        "referrals",
        sa.Column("family_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("council", sa.String(64), nullable=False),
        sa.Column("organisation", sa.String(120), nullable=True),
        sa.Column("referred_by", sa.String(32), nullable=True),
        sa.Column("consent_statement", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("verified_by", sa.String(32), nullable=True),
        sa.Column("verified_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_referrals_centre", "referrals", ["council", "organisation",
                                                         "family_id"])

