"""SQLAlchemy tables of the gateway (users and their roles) (its own database; no other service reads it)."""
from sqlalchemy.orm import DeclarativeBase

from seibiant_common.plumbing_tables import add_plumbing_tables


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)
