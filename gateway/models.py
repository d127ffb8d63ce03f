"""SQLAlchemy tables of the gateway (its own database; no other service reads it): users and
their roles, sign-in counters (for rate limiting across gateway instances), signed-out tokens
and idempotency records of POST requests."""
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from seibiant_common.plumbing_tables import add_plumbing_tables
from seibiant_common.types import UtcDateTime


class Base(DeclarativeBase):
    pass


PLUMBING_TABLES = add_plumbing_tables(Base.metadata)


class User(Base):
    __tablename__ = "users"

    id = sa.Column(sa.String(32), primary_key=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)  # stored lower-case
    role = sa.Column(sa.String(16), nullable=False)  # admin, officer, family, provider, referrer
    council = sa.Column(sa.String(64), nullable=True)  # officers, families and referrers
    display_name = sa.Column(sa.String(120), nullable=False)
    needs = sa.Column(sa.JSON, nullable=False, default=list)  # families' recorded care needs
    provider_id = sa.Column(sa.String(64), nullable=True)  # providers' profile id
    organisation = sa.Column(sa.String(120), nullable=True)  # referrers' carers' centre
    language = sa.Column(sa.String(2), nullable=False, default="en")  # 'en' or 'cy'
    # How the person is told what happens (notifications keeps its own copy, from the
    # account_details_changed event): addresses, and the channels agreed ([]: none).
    email = sa.Column(sa.String(254), nullable=True)
    mobile = sa.Column(sa.String(32), nullable=True)
    notify_by = sa.Column(sa.JSON, nullable=False, default=list)
    password_hash = sa.Column(sa.String(255), nullable=False)
    created_at = sa.Column(UtcDateTime, nullable=False)
    created_by = sa.Column(sa.String(32), nullable=True)  # None for the bootstrap admin
    updated_at = sa.Column(UtcDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_users_council_role", "council", "role", "id"),)


class Referral(Base):
    """How a carer (a `family` account) came to Seibiant through a carers' centre: who
    referred them and when, with the consent they gave, or that they asked to join
    themselves (`referred_by` null) and which referrer verified them. The audit record of
    the referral; its centre (council and organisation) is whose carer they are."""
    __tablename__ = "referrals"

    family_id = sa.Column(sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"),
                          primary_key=True)
    council = sa.Column(sa.String(64), nullable=False)
    organisation = sa.Column(sa.String(120), nullable=True)  # null until verified
    referred_by = sa.Column(sa.String(32), nullable=True)  # null: a self-referral
    consent_statement = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(UtcDateTime, nullable=False)
    verified_by = sa.Column(sa.String(32), nullable=True)  # the referrer; null until verified
    verified_at = sa.Column(UtcDateTime, nullable=True)

    __table_args__ = (sa.Index("ix_referrals_centre", "council", "organisation",
                               "family_id"),)


class LoginCounter(Base):
    """Sign-in attempts within a window, one row per username (existing or not) and one per
    client address; a row is updated in place so that counting is one atomic statement."""
    __tablename__ = "login_counters"

    key = sa.Column(sa.String(255), primary_key=True)  # "user:<username>" or "addr:<address>"
    attempts = sa.Column(sa.Integer, nullable=False)
    window_started_at = sa.Column(UtcDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_login_counters_window", "window_started_at"),)


class RevokedToken(Base):
    """Tokens signed out before they expire (by their `jti`), kept until they would have."""
    __tablename__ = "revoked_tokens"

    jti = sa.Column(sa.String(64), primary_key=True)
    expires_at = sa.Column(UtcDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_revoked_tokens_expires_at", "expires_at"),)


class IdempotencyRecord(Base):
    """The answer given to a POST with an Idempotency-Key, replayed for the same request."""
    __tablename__ = "idempotency_records"

    owner = sa.Column(sa.String(64), primary_key=True)  # user id, or "anonymous"
    key = sa.Column(sa.String(255), primary_key=True)
    fingerprint = sa.Column(sa.String(64), nullable=False)  # sha256 of method, path and body
    status = sa.Column(sa.Integer, nullable=True)  # None while the first request runs
    body = sa.Column(sa.Text, nullable=True)
    location = sa.Column(sa.String(255), nullable=True)
    created_at = sa.Column(UtcDateTime, nullable=False)

    __table_args__ = (sa.Index("ix_idempotency_records_created_at", "created_at"),)
