"""Signed, expiring access tokens: a JWT (HS256, by PyJWT) with only the claims we need.

Only HS256 is accepted whatever the header says (no `alg: none`, no algorithm confusion). Each
token has an id (`jti`), by which it can be signed out before it expires. Even a validly
signed token is refused unless every claim has its type and a sane value: PyJWT checks the
signature and that the claims are there, the checks below what it leaves (it would take
`"exp": true` or `9999999999.5`, and reads the clock itself).
"""
import secrets

import jwt

from seibiant_common.types import utcnow

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
LATEST_TIME = 7258118400  # 2200-01-01: no token of ours claims a later time
MAX_ID_LENGTH = 64  # user ids and token ids
CLAIMS = ("sub", "iat", "exp", "jti")
# a secret shorter than SHA-256's digest is refused, not merely warned about
_JWT = jwt.PyJWT(options={"enforce_minimum_key_length": True})
# expiry against `now` below, so that it is one clock, the caller's
_DECODE_OPTIONS = {"require": list(CLAIMS), "verify_exp": False, "verify_iat": False,
                   "verify_nbf": False}


class InvalidToken(Exception):
    pass


def issue(secret, subject, ttl_seconds, now=None):
    now = int(now if now is not None else utcnow().timestamp())
    claims = {"sub": subject, "iat": now, "exp": now + int(ttl_seconds),
              "jti": secrets.token_urlsafe(16)}
    return _JWT.encode(claims, secret, algorithm=ALGORITHM)


def verify(secret, token, now=None):
    """The claims of a valid, unexpired token; raises InvalidToken otherwise."""
    try:
        claims = _JWT.decode(token, secret, algorithms=[ALGORITHM], options=_DECODE_OPTIONS)
    except jwt.InvalidTokenError as invalid:  # PyJWT's, for deep or broken JSON too
        raise InvalidToken(str(invalid)[:200])
    issued, expires = _time(claims, "iat"), _time(claims, "exp")
    _identifier(claims, "sub")
    _identifier(claims, "jti")
    if issued > expires:
        raise InvalidToken("malformed token")
    if expires <= (now if now is not None else utcnow().timestamp()):
        raise InvalidToken("expired")
    return claims


def _time(claims, name):
    value = claims.get(name)
    # not bool (an int in Python), not a float (1e400 is infinity), not absurd
    if type(value) is not int or not 0 <= value < LATEST_TIME:
        raise InvalidToken("malformed {} claim".format(name))
    return value


def _identifier(claims, name):
    value = claims.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        raise InvalidToken("malformed {} claim".format(name))
