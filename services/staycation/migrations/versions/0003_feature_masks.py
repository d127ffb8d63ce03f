"""staycation: a home's features and what a family requires, as bit masks (matching compares
integers), filled in from the lists already stored; each home carries its family's mask"""
import sqlalchemy as sa
from alembic import op

from seibiant_common.vocabularies import HOME_FEATURES, NEEDS_REQUIRE

revision = "0003"
down_revision = "0002"


def _mask(features):
    return sum(1 << HOME_FEATURES.index(feature) for feature in set(features))


def upgrade():
    with op.batch_alter_table("homes") as batch:
        batch.add_column(sa.Column("features_mask", sa.Integer, nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("family_requires_mask", sa.Integer, nullable=False,
                                   server_default="0"))
    with op.batch_alter_table("families") as batch:
        batch.add_column(sa.Column("requires_mask", sa.Integer, nullable=False,
                                   server_default="0"))
    connection = op.get_bind()
    homes = sa.table("homes", sa.column("id", sa.String), sa.column("accessibility", sa.JSON),
                     sa.column("adaptations", sa.JSON), sa.column("features_mask", sa.Integer))
    for row in connection.execute(sa.select(homes.c.id, homes.c.accessibility,
                                            homes.c.adaptations)).all():
        connection.execute(homes.update().where(homes.c.id == row.id).values(
            features_mask=_mask(list(row.accessibility) + list(row.adaptations))))
    families = sa.table("families", sa.column("family_id", sa.String),
                        sa.column("needs", sa.JSON), sa.column("must_haves", sa.JSON),
                        sa.column("requires_mask", sa.Integer))
    for row in connection.execute(sa.select(families.c.family_id, families.c.needs,
                                            families.c.must_haves)).all():
        connection.execute(families.update().where(families.c.family_id == row.family_id)
                           .values(requires_mask=_mask(list(row.must_haves) + [
                               feature for need in row.needs
                               for feature in NEEDS_REQUIRE.get(need, ())])))
    connection.execute(sa.text(
        "UPDATE homes SET family_requires_mask = (SELECT requires_mask FROM families "
        "WHERE families.family_id = homes.family_id) "
        "WHERE EXISTS (SELECT 1 FROM families WHERE families.family_id = homes.family_id)"))


def downgrade():
    with op.batch_alter_table("families") as batch:
        batch.drop_column("requires_mask")
    with op.batch_alter_table("homes") as batch:
        batch.drop_column("family_requires_mask")
        batch.drop_column("features_mask")
