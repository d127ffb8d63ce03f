"""The one table from remote errors to HTTP, and problem details (RFC 9457)."""
import json

from nameko.exceptions import RpcTimeout, UnknownService
from werkzeug.wrappers import Response

from seibiant_common import errors

PROBLEM_BASE = "https://seibiant.example/problems/"

# Most specific first: the first class that matches wins.
STATUS_BY_ERROR = [
    (errors.NotFound, 404, "not-found", "Not found"),
    (errors.InvalidInput, 422, "invalid-input", "Invalid input"),
    (errors.Conflict, 409, "conflict", "Conflict"),
    (errors.Forbidden, 403, "forbidden", "Forbidden"),
    (UnknownService, 503, "service-unavailable", "Service unavailable"),
    (RpcTimeout, 503, "service-unavailable", "Service unavailable"),
]


def problem(status, slug, title, detail=None, **extra):
    body = {"type": PROBLEM_BASE + slug, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def problem_for(error):
    """The response for an error raised by a service, or None if it is not a known one."""
    for error_cls, status, slug, title in STATUS_BY_ERROR:
        if isinstance(error, error_cls):
            extra = {}
            if isinstance(error, errors.InvalidInput):
                extra["errors"] = error.errors
            if isinstance(error, errors.Conflict):
                extra["code"] = error.code
            return problem(status, slug, title, getattr(error, "detail", str(error)), **extra)
    return None
