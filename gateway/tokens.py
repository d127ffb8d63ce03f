"""Signed, expiring access tokens: a compact JWT (HS256) with only the claims we need.

Only HS256 is accepted whatever the header says (no `alg: none`, no algorithm confusion). Each
token has an id (`jti`), by which it can be signed out before it expires. Even a validly
signed token is refused unless every claim has its type and a sane value.
"""
import base64
import hashlib
import hmac
import json
import secrets
import time

HEADER = {"alg": "HS256", "typ": "JWT"}
MIN_SECRET_BYTES = 32
LATEST_TIME = 7258118400  # 2200-01-01: no token of ours claims a later time
MAX_ID_LENGTH = 64  # user ids and token ids


class InvalidToken(Exception):
    pass


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text):
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def _sign(secret, signing_input):
    return hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest()


def issue(secret, subject, ttl_seconds, now=None):
    now = int(now if now is not None else time.time())
    claims = {"sub": subject, "iat": now, "exp": now + int(ttl_seconds),
              "jti": secrets.token_urlsafe(16)}
    signing_input = "{}.{}".format(
        _b64encode(json.dumps(HEADER, separators=(",", ":")).encode()),
        _b64encode(json.dumps(claims, separators=(",", ":")).encode()),
    ).encode("ascii")
    return "{}.{}".format(signing_input.decode("ascii"), _b64encode(_sign(secret, signing_input)))


def verify(secret, token, now=None):
    """The claims of a valid, unexpired token; raises InvalidToken otherwise."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        signing_input = "{}.{}".format(header_part, claims_part).encode("ascii")
        signature = _b64decode(signature_part)
    except (ValueError, UnicodeError):
        raise InvalidToken("malformed token")
    if not hmac.compare_digest(signature, _sign(secret, signing_input)):
        raise InvalidToken("bad signature")
    try:
        header = json.loads(_b64decode(header_part), parse_constant=_refuse)
        claims = json.loads(_b64decode(claims_part), parse_constant=_refuse)
    except (ValueError, UnicodeError, RecursionError):
        raise InvalidToken("malformed token")
    if header != HEADER or not isinstance(claims, dict):
        raise InvalidToken("unexpected token header or claims")
    issued, expires = _time(claims, "iat"), _time(claims, "exp")
    _identifier(claims, "sub")
    _identifier(claims, "jti")
    if issued > expires:
        raise InvalidToken("malformed token")
    if expires <= (now if now is not None else time.time()):
        raise InvalidToken("expired")
    return claims


def _refuse(name):
    raise ValueError("{} is not JSON".format(name))


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
