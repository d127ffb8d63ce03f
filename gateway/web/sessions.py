"""The web session: a signed cookie (HttpOnly, SameSite=Lax, Secure over HTTPS or with
SECURE_COOKIES) holding the person's access token, their language and a CSRF token, and
nothing else. Signing out revokes the token, so a copy of the cookie signs no one in.

The cookie is signed with a key derived from the gateway's token secret, so a restart with a
new secret signs everyone out, as it does for API tokens. Every form carries the CSRF token and
every POST must give it back (`check_csrf`); SameSite=Lax already keeps other sites' forms
from sending the cookie, the token covers older browsers and same-site attackers.
"""
import hashlib
import hmac
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_NAME = "seibiant_session"
# The language the person last read the pages in: kept after signing out and past the
# session's 12 hours (a preference, not a secret, so not signed; only a known code is read)
LANGUAGE_COOKIE = "seibiant_language"
LANGUAGE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600
COOKIE_MAX_AGE_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
MAX_COOKIE_BYTES = 3000


class SessionCodec:
    """Signs and reads the cookie (itsdangerous: HMAC-SHA256, with the time it was signed);
    `secure`: send it over HTTPS only, whatever the request looks like (behind a proxy that
    ends TLS, the gateway itself sees plain HTTP). A cookie signed more than `max_age`
    seconds ago is refused here, whatever the browser kept."""

    def __init__(self, token_secret, secure=False, max_age=COOKIE_MAX_AGE_SECONDS):
        self.secure = secure
        self.max_age = max_age
        self._serializer = URLSafeTimedSerializer(
            token_secret, salt="seibiant web session cookie",
            signer_kwargs={"digest_method": hashlib.sha256})

    def dumps(self, data):
        return self._serializer.dumps(data)

    def loads(self, cookie):
        """The session's data, or None for a missing, tampered, malformed or old cookie."""
        if not cookie or len(cookie) > MAX_COOKIE_BYTES:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadData:  # a bad signature, too old, or a payload that is not JSON
            return None
        return data if isinstance(data, dict) else None


class Session(dict):
    """The session's data; remembers whether it changed, so only then is a cookie sent."""

    def __init__(self, data=None):
        super().__init__(data or {})
        self.modified = False
        if not isinstance(self.get("csrf"), str):
            self.rotate_csrf()

    def __setitem__(self, key, value):
        if self.get(key) != value:
            self.modified = True
        super().__setitem__(key, value)

    def pop(self, key, *default):
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def rotate_csrf(self):
        self["csrf"] = secrets.token_urlsafe(24)

    def check_csrf(self, submitted):
        return isinstance(submitted, str) and hmac.compare_digest(
            submitted.encode(), self["csrf"].encode())


def set_cookie(response, codec, session, request):
    response.set_cookie(COOKIE_NAME, codec.dumps(dict(session)), max_age=codec.max_age,
                        path="/", httponly=True, samesite="Lax",
                        secure=codec.secure or request.is_secure)


def set_language_cookie(response, codec, language, request):
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_MAX_AGE_SECONDS,
                        path="/", httponly=True, samesite="Lax",
                        secure=codec.secure or request.is_secure)
