"""Users, sign-in attempts and idempotency records in the gateway's database: the functions a
unit of work's session is handed to. No password hashing happens here (it is slow, and must
not run while a unit of work holds the database)."""
import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from seibiant_common.cursors import ID, decode_cursor, encode_cursor
from seibiant_common.types import utcnow

from .models import IdempotencyRecord, LoginAttempt, User

ADMIN_USERNAME = "admin"
IDEMPOTENCY_TTL = datetime.timedelta(hours=24)
ABANDONED_AFTER = datetime.timedelta(seconds=60)  # a claim whose request never finished


class UsernameTaken(Exception):
    pass


class IdempotencyClash(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def user_dict(user):
    return {
        "id": user.id, "username": user.username, "role": user.role, "council": user.council,
        "display_name": user.display_name, "needs": list(user.needs or []),
        "provider_id": user.provider_id, "language": user.language,
        "created_at": user.created_at,
    }


def actor_of(user):
    """The `actor` every service RPC that acts for a person takes (docs/contracts.md)."""
    return {"user_id": user["id"], "role": user["role"], "council": user["council"],
            "provider_id": user["provider_id"]}


def may_see(viewer, user):
    """Whose user record a caller may read: their own; admin any; an officer the families of
    their council."""
    return (viewer["id"] == user["id"] or viewer["role"] == "admin"
            or (viewer["role"] == "officer" and user["role"] == "family"
                and user["council"] == viewer["council"]))


def get_user(session, user_id):
    user = session.get(User, user_id)
    return user_dict(user) if user else None


def credentials(session, username):
    """(user id, password hash) of a username, or None."""
    row = session.execute(sa.select(User.id, User.password_hash)
                          .where(User.username == username)).first()
    return tuple(row) if row else None


def create_user(session, password_hash, created_by, **fields):
    now = utcnow()
    if session.execute(sa.select(User.id).where(User.username == fields["username"])).first():
        raise UsernameTaken()
    user = User(id=uuid.uuid4().hex, password_hash=password_hash, created_at=now,
                updated_at=now, created_by=created_by, **fields)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent insert of the same username
        raise UsernameTaken()
    return user_dict(user)


def set_admin_password(session, password_hash_for):
    """Makes sure `admin` exists with the configured password. `password_hash_for(current)`
    answers the hash to store, or None when the current one already matches."""
    admin = session.execute(sa.select(User).where(User.username == ADMIN_USERNAME)
                            .with_for_update()).scalar_one_or_none()
    new_hash = password_hash_for(admin.password_hash if admin else None)
    if admin is None:
        create_user(session, new_hash, None, username=ADMIN_USERNAME, role="admin",
                    council=None, display_name="Administrator", needs=[], language="en")
    elif new_hash is not None:
        admin.password_hash = new_hash
        admin.updated_at = utcnow()


def family_in_council(session, family_id, council):
    user = session.get(User, family_id)
    if user is None or user.role != "family" or user.council != council:
        return None
    return user_dict(user)


def list_users(session, council, role, limit, cursor):
    query = (sa.select(User).where(User.council == council, User.role == role)
             .order_by(User.id).limit(limit + 1))
    if cursor:
        (after,) = decode_cursor(cursor, ID)
        query = query.where(User.id > after)
    users = [user_dict(user) for user in session.execute(query).scalars()]
    next_cursor = encode_cursor(users[limit - 1]["id"]) if len(users) > limit else None
    return {"items": users[:limit], "next_cursor": next_cursor}


def link_provider(session, user_id, provider_id):
    user = session.get(User, user_id)
    user.provider_id = provider_id
    user.updated_at = utcnow()


def delete_user(session, user_id):
    session.execute(sa.delete(User).where(User.id == user_id))


def set_language(session, user_id, language):
    user = session.get(User, user_id)
    user.language = language
    user.updated_at = utcnow()
    return user_dict(user)


# ---- sign-in attempts -----------------------------------------------------------------------

def record_attempt(session, username, max_failures, window):
    """Counts this attempt against the username (existing or not) before the password is
    checked, so concurrent guesses are counted too. Returns the seconds to wait when the
    username has had `max_failures` attempts within `window`, else None."""
    now = utcnow()
    since = now - window
    # every username's expired attempts, so that guesses at random usernames do not pile up
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.attempted_at < since))
    recent = session.execute(
        sa.select(LoginAttempt.attempted_at).where(LoginAttempt.username == username)
        .order_by(LoginAttempt.attempted_at)
    ).scalars().all()
    if len(recent) >= max_failures:
        return max(1, int((recent[0] + window - now).total_seconds()) + 1)
    session.add(LoginAttempt(username=username, attempted_at=now))
    return None


def clear_attempts(session, username):
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == username))


# ---- idempotency ----------------------------------------------------------------------------

def claim_key(session, owner, key, fingerprint):
    """None when the caller may go ahead (the key is now claimed), or the stored
    (status, body, location) of the request first made with this key."""
    now = utcnow()
    # every caller's expired records go, this one's included: a key may then be used afresh
    session.execute(sa.delete(IdempotencyRecord)
                    .where(IdempotencyRecord.created_at < now - IDEMPOTENCY_TTL))
    record = session.execute(
        sa.select(IdempotencyRecord)
        .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
        .with_for_update()
    ).scalar_one_or_none()
    if record is None:
        session.add(IdempotencyRecord(owner=owner, key=key, fingerprint=fingerprint,
                                      created_at=now))
        try:
            session.flush()
        except IntegrityError:
            raise IdempotencyClash("request_in_progress",
                                   "a request with this Idempotency-Key is in progress")
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyClash("idempotency_key_reused",
                               "this Idempotency-Key was used with a different request")
    if record.status is None:
        if record.created_at >= now - ABANDONED_AFTER:
            raise IdempotencyClash("request_in_progress",
                                   "a request with this Idempotency-Key is in progress")
        record.created_at = now  # its first request died: this one takes over
        return None
    return record.status, record.body, record.location


def store_answer(session, owner, key, status, body, location):
    session.execute(sa.update(IdempotencyRecord)
                    .where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
                    .values(status=status, body=body, location=location))


def release_key(session, owner, key):
    session.execute(sa.delete(IdempotencyRecord).where(
        IdempotencyRecord.owner == owner, IdempotencyRecord.key == key,
        IdempotencyRecord.status.is_(None)))
