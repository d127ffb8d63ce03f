"""Signed, expiring access tokens: a compact JWT (HS256) with only the claims we need.

Only HS256 is accepted whatever the header says (no `alg: none`, no algorithm confusion).
"""
import base64
import hashlib
import hmac
import json
import time

HEADER = {"alg": "HS256", "typ": "JWT"}
MIN_SECRET_BYTES = 32


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
    claims = {"sub": subject, "iat": now, "exp": now + int(ttl_seconds)}
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
        header = json.loads(_b64decode(header_part))
        claims = json.loads(_b64decode(claims_part))
        expires = int(claims["exp"])
        subject = claims["sub"]
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise InvalidToken("malformed token")
    if header != HEADER or not isinstance(subject, str):
        raise InvalidToken("unexpected token header or subject")
    if expires <= (now if now is not None else time.time()):
        raise InvalidToken("expired")
    return claims
