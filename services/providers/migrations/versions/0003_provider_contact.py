"""how families who booked reach a provider: an email address and a phone number"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.add_column("providers", sa.Column("contact_email", sa.String(254), nullable=True))
    op.add_column("providers", sa.Column("contact_phone", sa.String(32), nullable=True))

