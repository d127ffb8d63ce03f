"""The one table from remote errors to HTTP, and problem details (RFC 9457).

Everything the gateway answers with a 4xx or 5xx is a problem document built here.
"""
import json
import logging

from nameko.exceptions import RpcTimeout, UnknownService
from werkzeug.wrappers import Response

from seibiant_common import errors
from seibiant_common.messaging import BROKER_ERRORS

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://seibiant.example/problems/"
PROBLEM_TYPE = "application/problem+json"

# Most specific first: the first class that matches wins. A service error's `detail` is
# written for the public (it says nothing another caller's data would reveal). Anything else
# (a RemoteError is a bug in a service) is not mapped: the gateway logs it and answers a 500.
STATUS_BY_ERROR = [
    (errors.NotFound, 404, "not-found", "Not found"),
    (errors.InvalidInput, 422, "invalid-input", "Invalid input"),
    (errors.Conflict, 409, "conflict", "Conflict"),
    (errors.Forbidden, 403, "forbidden", "Forbidden"),
    (errors.Unavailable, 503, "service-unavailable", "Service unavailable"),
    (UnknownService, 503, "service-unavailable", "Service unavailable"),
    (RpcTimeout, 503, "service-unavailable", "Service unavailable"),
    # the broker is down or restarting: nothing was asked of any service, or its answer is lost
    (BROKER_ERRORS, 503, "service-unavailable", "Service unavailable"),
]
UNAVAILABLE = (errors.Unavailable, UnknownService, RpcTimeout) + BROKER_ERRORS


def problem(status, slug, title, detail=None, headers=None, **extra):
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE, headers=headers)


def problem_for(error):
    """The response for an error raised by a service, or None if it is not a known one."""
    for error_cls, status, slug, title in STATUS_BY_ERROR:
        if isinstance(error, error_cls):
            extra = {}
            if isinstance(error, errors.InvalidInput):
                extra["errors"] = error.errors
            if hasattr(error, "code") and isinstance(error, errors.SeibiantError):
                extra["code"] = error.code
            if isinstance(error, UNAVAILABLE):
                log.warning("service call failed: %r", error)
                detail = "a service did not answer in time; try again shortly"
            else:
                detail = getattr(error, "detail", None) or str(error)
            return problem(status, slug, title, detail, **extra)
    return None


class Problem(Exception):
    """Raised inside the gateway to answer with a problem document."""

    def __init__(self, status, slug, title, detail=None, headers=None, **extra):
        super().__init__(status, detail)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers, self.extra = headers, extra

    def response(self):
        return problem(self.status, self.slug, self.title, self.detail, headers=self.headers,
                       **self.extra)


def bad_request(detail, errors_=None):
    extra = {"errors": errors_} if errors_ else {}
    return Problem(400, "bad-request", "Bad request", detail, **extra)


def invalid(errors_, detail="the request has invalid fields"):
    return Problem(422, "invalid-input", "Invalid input", detail, errors=errors_)


def unauthenticated(detail="a valid bearer token is required"):
    return Problem(401, "unauthenticated", "Unauthenticated", detail,
                   headers={"WWW-Authenticate": 'Bearer realm="seibiant"'})


def forbidden(detail="not allowed for this role"):
    return Problem(403, "forbidden", "Forbidden", detail)


def not_found(detail="not found"):
    return Problem(404, "not-found", "Not found", detail)


def conflict(code, detail):
    return Problem(409, "conflict", "Conflict", detail, code=code)


def too_many_requests(retry_after_seconds,
                      detail="too many failed sign-ins; try again later"):
    return Problem(429, "too-many-requests", "Too many requests", detail,
                   headers={"Retry-After": str(int(retry_after_seconds))})


def internal_error():
    """Only as a last resort: a bug. Logged with its traceback by the caller."""
    return problem(500, "internal-error", "Internal error",
                   "something went wrong on our side; it has been logged")
