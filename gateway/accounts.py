"""Users, sign-in counters, signed-out tokens and idempotency records in the gateway's
database: the functions a unit of work's session is handed to. No password hashing happens
here (it is slow, and must not run while a unit of work holds the database)."""
import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from seibiant_common.contracts import gateway as events
from seibiant_common.contracts import payloads
from seibiant_common.paging import keyset_page
from seibiant_common.types import UtcDateTime, utcnow

from .models import IdempotencyRecord, LoginCounter, Referral, RevokedToken, User

ADMIN_USERNAME = "admin"
IDEMPOTENCY_TTL = datetime.timedelta(hours=24)
ABANDONED_AFTER = datetime.timedelta(seconds=60)  # a claim whose request never finished


class UsernameTaken(Exception):
    pass


class AlreadyVerified(Exception):
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
        "organisation": user.organisation, "email": user.email, "mobile": user.mobile,
        "notify_by": list(user.notify_by or []), "created_at": user.created_at,
    }


def announce(uow, user):
    """account_details_changed, in the transaction of the change: what notifications keeps
    of the person (docs/contracts.md). `user` is a `user_dict`."""
    payloads.emit(uow, events.ACCOUNT_DETAILS_CHANGED, {
        "account_id": user["id"], "role": user["role"], "council": user["council"],
        "provider_id": user["provider_id"], "display_name": user["display_name"],
        "language": user["language"], "email": user["email"], "mobile": user["mobile"],
        "notify_by": user["notify_by"], "changed_at": utcnow()}, user["id"])


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


def default_channels(email, mobile):
    """What a new account is told by: each address it was given (PATCH /me changes it)."""
    return [channel for channel, address in (("email", email), ("sms", mobile)) if address]


def create_user(session, password_hash, created_by, referral=None, **fields):
    """The new user; with `referral` ({organisation, referred_by, consent_statement}) a
    carer, and their referral recorded in the same transaction."""
    now = utcnow()
    fields.setdefault("notify_by", default_channels(fields.get("email"), fields.get("mobile")))
    if session.execute(sa.select(User.id).where(User.username == fields["username"])).first():
        raise UsernameTaken()
    user = User(id=uuid.uuid4().hex, password_hash=password_hash, created_at=now,
                updated_at=now, created_by=created_by, **fields)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # a concurrent insert of the same username
        raise UsernameTaken()
    if referral is None:
        return user_dict(user)
    # a referral by a referrer is verified by its making; a self-referral waits for one
    referred_by = referral.get("referred_by")
    record = Referral(family_id=user.id, council=user.council, created_at=now,
                      verified_by=referred_by, verified_at=referred_by and now, **referral)
    session.add(record)
    return carer_dict(user, record)


# ---- carers and their referrals ---------------------------------------------------------------

def carer_dict(user, referral):
    return dict(user_dict(user), referred_by=referral.referred_by,
                referred_at=referral.created_at, consent_statement=referral.consent_statement,
                verified_by=referral.verified_by, verified_at=referral.verified_at)


def _carers(centre_or_waiting):
    return sa.select(User, Referral).join(Referral, Referral.family_id == User.id) \
        .where(*centre_or_waiting)


def _of_centre(referrer):
    """A referrer's carers are their centre's: referred or verified by a referrer of the same
    organisation in the same council (colleagues share their carers)."""
    return (Referral.council == referrer["council"],
            Referral.organisation == referrer["organisation"])


def centre_carers(session, referrer, limit, cursor):
    return keyset_page(session, _carers(_of_centre(referrer)), (User.id,), limit,
                       cursor or None, view=lambda row: carer_dict(*row))


def centre_carer_ids(session, referrer):
    return list(session.execute(sa.select(Referral.family_id).where(
        *_of_centre(referrer))).scalars())


def self_referrals(session, council, limit, cursor):
    """Self-referrals of the council not verified yet: any of its referrers may verify one."""
    waiting = (Referral.council == council, Referral.verified_at.is_(None))
    return keyset_page(session, _carers(waiting), (User.id,), limit, cursor or None,
                       view=lambda row: carer_dict(*row))


def verify_carer(session, referrer, family_id):
    """The self-referred carer, now of the referrer's centre; None when no such self-referral
    is in the referrer's council (or another centre verified it); AlreadyVerified when the
    referrer's own centre did."""
    row = session.execute(_carers((Referral.family_id == family_id,
                                   Referral.council == referrer["council"]))
                          .with_for_update()).first()
    if row is None:
        return None
    user, referral = row
    if referral.verified_at is not None:
        if referral.organisation == referrer["organisation"]:
            raise AlreadyVerified()
        return None
    referral.organisation = referrer["organisation"]
    referral.verified_by = referrer["id"]
    referral.verified_at = utcnow()
    return carer_dict(user, referral)


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
    return keyset_page(session, sa.select(User).where(User.council == council, User.role == role),
                       (User.id,), limit, cursor or None, view=user_dict)


def link_provider(session, user_id, provider_id):
    user = session.get(User, user_id)
    user.provider_id = provider_id
    user.updated_at = utcnow()
    return user_dict(user)


def delete_user(session, user_id):
    session.execute(sa.delete(User).where(User.id == user_id))


UPDATABLE = ("language", "email", "mobile", "notify_by")


def update_user(session, user_id, **changes):
    """Sets what the person may change of their own account (UPDATABLE)."""
    user = session.get(User, user_id)
    for name, value in changes.items():
        assert name in UPDATABLE, name
        setattr(user, name, value)
    user.updated_at = utcnow()
    return user_dict(user)


# ---- sign-in limits -------------------------------------------------------------------------

USERNAME_KEY, ADDRESS_KEY = "user:", "addr:"
SWEEP_BATCH = 100  # expired rows deleted at a time: more than one attempt or sign-out makes


def _count(session, key, limit, now, window):
    """Counts one attempt under `key` unless it has had `limit` within the window: one
    statement (an upsert whose update is conditional), which PostgreSQL applies to the row's
    latest version after any concurrent one commits, and SQLite with its single writer.
    Returns how many attempts were counted before this one, or None when refused."""
    since = now - window
    expired = LoginCounter.window_started_at <= since
    now_value = sa.literal(now, UtcDateTime)
    upsert = _dialect_insert(session)(LoginCounter).values(
        key=key, attempts=1, window_started_at=now)
    counted = session.execute(upsert.on_conflict_do_update(
        index_elements=[LoginCounter.key],
        set_={"attempts": sa.case((expired, 1), else_=LoginCounter.attempts + 1),
              "window_started_at": sa.case((expired, now_value),
                                           else_=LoginCounter.window_started_at)},
        where=sa.or_(expired, LoginCounter.attempts < limit),
    ).returning(LoginCounter.attempts)).scalar()
    return None if counted is None else counted - 1


def _dialect_insert(session):
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[
        session.get_bind().dialect.name]


def _wait(session, key, now, window):
    started = session.execute(sa.select(LoginCounter.window_started_at)
                              .where(LoginCounter.key == key)).scalar()
    return max(1, int((started + window - now).total_seconds()) + 1) if started else 1


def record_attempt(session, username, address, max_failures, max_per_address, window):
    """Counts this attempt, before the password is checked (so that concurrent guesses are
    counted too), against the client's address and the username (existing or not). Returns
    None when the password may be checked, else the seconds to wait.

    A username that has had `max_failures` attempts is still checked from an address with no
    failures in the window, so that whoever guesses at it cannot lock its owner out. The
    address's row is counted first: attempts from one address take turns, and every attempt
    locks its rows in the same order (so no deadlock)."""
    now = utcnow()
    before = _count(session, ADDRESS_KEY + address, max_per_address, now, window)
    if before is None:
        return _wait(session, ADDRESS_KEY + address, now, window)
    if _count(session, USERNAME_KEY + username, max_failures, now, window) is None \
            and before > 0:
        return _wait(session, USERNAME_KEY + username, now, window)
    _sweep(session, now - window)
    return None


def _sweep(session, since):
    """Deletes some expired counters (of any username or address, so that guesses at random
    usernames do not pile up)."""
    _delete_some(session, LoginCounter.key, LoginCounter.window_started_at <= since)


def _delete_some(session, key, expired):
    """Deletes up to SWEEP_BATCH rows, skipping those another transaction holds: it never
    waits, so (last in a unit of work) it cannot take part in a deadlock."""
    rows = sa.select(key).where(expired).limit(SWEEP_BATCH).with_for_update(skip_locked=True)
    session.execute(sa.delete(key.table).where(key.in_(rows)))


def signed_in(session, username, address):
    """A good password: the username's attempts are forgotten, and this attempt is given back
    to the address (which so counts failures only)."""
    session.execute(sa.delete(LoginCounter).where(LoginCounter.key == USERNAME_KEY + username))
    session.execute(sa.update(LoginCounter)
                    .where(LoginCounter.key == ADDRESS_KEY + address, LoginCounter.attempts > 0)
                    .values(attempts=LoginCounter.attempts - 1))


# ---- signed-out tokens ----------------------------------------------------------------------

def revoke_token(session, jti, expires_at):
    session.execute(_dialect_insert(session)(RevokedToken).values(
        jti=jti, expires_at=expires_at).on_conflict_do_nothing(index_elements=["jti"]))
    _delete_some(session, RevokedToken.jti, RevokedToken.expires_at < utcnow())


def token_user(session, claims):
    """The user of a token's (verified) claims, or None when it was signed out or the user
    is gone."""
    # one statement: it runs before every authenticated request; whether the user is a
    # carer no referrer has verified yet rides on it, so a booking needs no second read
    found = session.execute(sa.select(User, sa.exists().where(
        Referral.family_id == User.id, Referral.verified_at.is_(None)).label("unverified"))
        .where(User.id == claims["sub"],
               ~sa.exists().where(RevokedToken.jti == claims["jti"]))).one_or_none()
    return dict(user_dict(found.User), unverified_referral=found.unverified) if found else None


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
