"""The gateway's HTTP entrypoint: one declaration per operation of the public API.

`@api(...)` declares an operation (method, path, who may call it, the schemas of its query,
body and answer) and wraps the service method so that, before it runs, the caller is
authenticated and authorised and the query and body are validated; after it, the answer is
dumped through its schema. Every failure becomes problem details; nothing escapes as a bare
500. The OpenAPI description is generated from the same declarations (`openapi.py`).

The service class using it must have the dependencies `accounts` (gateway.dependencies.Accounts)
and `idempotency` (gateway.dependencies.Idempotency).
"""
import functools
import http
import io
import json
import logging
import re
import socket
import uuid

from eventlet.wsgi import (MAX_HEADER_LINE, MAX_TOTAL_HEADER_SIZE, HeaderLineTooLong,
                           HeadersTooLarge)
from marshmallow import ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import (ClientDisconnected, HTTPException, MethodNotAllowed,
                                 RequestEntityTooLarge)
from werkzeug.routing import Map
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import get_input_stream

from seibiant_common.fingerprints import fingerprint

from . import errors
from .errors import Problem

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
MAX_BODY_BYTES = 256 * 1024
PUBLIC = "public"  # no token needed
GATEWAY, SERVICE = "gateway", "service"  # who keeps an operation's Idempotency-Keys
SIGNED_IN = ("admin", "officer", "family", "provider", "referrer")
PATH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CORRELATION_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")
CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")
JSON_TYPES = ("application/json",)

OPERATIONS = []  # every declared operation, in declaration order, for the OpenAPI description


class Operation:
    def __init__(self, method, path, summary, roles, query, body, response, status,
                 location, description, responses, tag, content_types, idempotency,
                 passed_on=False):
        self.method = method
        self.path = path
        self.summary = summary
        self.roles = roles
        self.query = query() if query else None
        self.body = body() if body else None
        self.response = response() if response else None
        self.status = status
        self.location = location
        self.description = description
        self.responses = responses  # extra documented statuses: {status: description}
        self.tag = tag
        self.content_types = content_types  # extra answer media types (CSV)
        # who honours an Idempotency-Key: GATEWAY (its records), SERVICE (the key is passed
        # on, as to bookings), or None (not repeatable, as signing in)
        self.idempotency = idempotency if method == "POST" else None
        # the service's answer is in its wire form already (the shared record schema dumped
        # it), so it goes out as it came: `response` documents it
        self.passed_on = passed_on

    @property
    def rule(self):
        return PREFIX + self.path


class Call:
    """What an operation's method gets: who is calling and what they sent, validated."""

    def __init__(self, request, actor, user, query, body, idempotency_key):
        self.request = request
        self.actor = actor
        self.user = user
        self.query = query
        self.body = body
        self.idempotency_key = idempotency_key

    def once(self, name, read):
        return read_once(self.request, name, read)


def read_once(request, name, read):
    """`read()`, once per request: a request answered after a wait (gateway.changes) is run
    again, and what cannot have changed meanwhile is not read again."""
    remembered = request.__dict__.setdefault("seibiant_read_once", {})
    if name not in remembered:
        remembered[name] = read()
    return remembered[name]


def api(method, path, summary, roles=SIGNED_IN, query=None, body=None, response=None,
        status=200, location=None, description=None, responses=None, tag=None,
        content_types=(), idempotency=GATEWAY, entrypoint_class=None, passed_on=False):
    """Declares an operation; the decorated method is `fn(self, call, **path_values)` and
    returns a dict (dumped through `response`, unless `passed_on`: a service's answer
    already in wire form) or a werkzeug Response. `entrypoint_class`
    is an ApiEntrypoint subclass for an operation that handles its requests its own way."""
    operation = Operation(method, path, summary, roles, query, body, response, status,
                          location, description, responses or {}, tag, content_types,
                          idempotency, passed_on)
    OPERATIONS.append(operation)

    def decorate(fn):
        @functools.wraps(fn)
        def entrypoint(self, request, **path_values):
            try:
                return _run(self, operation, fn, request, path_values)
            except Problem as problem:
                return problem.response()
            except Exception as error:
                response = errors.problem_for(error)
                if response is None:
                    log.exception("unexpected error in %s %s", method, path)
                    response = errors.internal_error()
                return response

        entrypoint.operation = operation
        return (entrypoint_class or ApiEntrypoint).decorator(method, operation.rule)(entrypoint)

    return decorate


def _run(service, operation, fn, request, path_values):
    for value in path_values.values():
        if not PATH_ID.fullmatch(value):
            raise errors.not_found()  # an id that cannot exist
    user = actor = None
    if operation.roles != PUBLIC:
        # a request run again after a wait was authorised when it came, as a long one is
        user, actor = read_once(request, "caller",
                                lambda: service.accounts.authorise(request, operation.roles))
    query = load_query(operation.query, request.args) if operation.query else {}
    if not operation.query and request.args:
        raise errors.invalid({name: ["Unknown field."] for name in request.args})
    body = load_body(operation.body, request) if operation.body else None
    key = idempotency_key(request) if operation.idempotency else None
    call = Call(request, actor, user, query, body, key)
    if key is None or operation.idempotency != GATEWAY:
        return render(operation, fn(service, call, **path_values), path_values)

    # The same key from the same caller with the same request gets the first answer again.
    owner = actor["user_id"] if actor else "anonymous"
    replay = service.idempotency.claim(owner, key,
                                       fingerprint([operation.method, request.path, body]))
    if replay is not None:
        return replay
    try:
        response = render(operation, fn(service, call, **path_values), path_values)
    except BaseException:
        service.idempotency.release(owner, key)
        raise
    if 200 <= response.status_code < 300:
        service.idempotency.store(owner, key, response)
    else:
        service.idempotency.release(owner, key)
    return response


def render(operation, result, path_values):
    if isinstance(result, Response):
        return result
    dump = operation.response and not operation.passed_on
    body = operation.response.dump(result) if dump else result
    headers = {}
    if operation.location:
        headers["Location"] = PREFIX + operation.location.format_map(dict(body, **path_values))
    return Response(json.dumps(body), status=operation.status, headers=headers,
                    mimetype="application/json")


def _no_constants(name):
    raise ValueError("{} is not JSON".format(name))


NO_BODY = object()


def parse_json(request):
    """The request body as JSON; NO_BODY when there is none. Problems name the body."""
    content_type = request.mimetype
    data = request.get_data(cache=True)
    if not data.strip():
        return NO_BODY
    if content_type and content_type not in JSON_TYPES and not content_type.endswith("+json"):
        raise Problem(415, "unsupported-media-type", "Unsupported media type",
                      "send the body as application/json")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise errors.bad_request("the body is not valid JSON",
                                 {"body": ["Malformed JSON: {}".format(str(error)[:200])]})


def load_body(schema, request):
    data = parse_json(request)
    if data is NO_BODY:
        data = {}  # an empty body is an empty object: the schema says what is missing
    if not isinstance(data, dict):
        raise errors.invalid({"body": ["Must be a JSON object."]})
    try:
        return schema.load(data)
    except ValidationError as error:
        raise errors.invalid(error.normalized_messages())


def load_query(schema, args):
    """Query parameters: a list field takes repeated or comma-separated values; any other
    field must be given once."""
    data, messages = {}, {}
    for name in args:
        values = args.getlist(name)
        field = schema.fields.get(_attribute_for(schema, name))
        if field is not None and hasattr(field, "inner"):
            data[name] = [part for value in values for part in value.split(",") if part]
        elif len(values) > 1:
            messages[name] = ["Give this parameter once."]
        else:
            data[name] = values[0]
    if messages:
        raise errors.invalid(messages)
    try:
        return schema.load(data)
    except ValidationError as error:
        raise errors.invalid(error.normalized_messages())


def _attribute_for(schema, data_key):
    for attribute, field in schema.fields.items():
        if (field.data_key or attribute) == data_key:
            return attribute
    return None


def idempotency_key(request):
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise errors.invalid({"Idempotency-Key": ["1 to 200 visible ASCII characters."]})
    return key


def content_security_policy(nonce=None):
    """Only this site's files; inline scripts only with the nonce of the page's own."""
    scripts = "'self'" + (" 'nonce-{}'".format(nonce) if nonce else "")
    return ("default-src 'self'; script-src {}; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
            "base-uri 'none'".format(scripts))


SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def security_headers(headers):
    """The one set of security headers, on every answer of the gateway: API, pages, files and
    refusals (a page sets its own policy first, with the nonce of its scripts)."""
    headers.setdefault("Content-Security-Policy", content_security_policy())
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    return headers


def too_large():
    return Problem(413, "payload-too-large", "Payload too large",
                   "the body may be at most {} bytes".format(MAX_BODY_BYTES))


class GatewayRequest(Request):
    """werkzeug's Request, whose body (sent with Content-Length or chunked) is read at once,
    for the API and the pages' forms alike: past MAX_BODY_BYTES it is a 413, and a broken one
    (bad chunks, or the connection closed early) a 400, both as problem details."""

    @cached_property
    def stream(self):
        if self.shallow:
            raise RuntimeError("a shallow request does not read its body")
        try:
            # A byte over the limit tells a body past it from one at it (werkzeug's limit
            # alone would cut a chunked body short without a word).
            data = get_input_stream(self.environ,
                                    max_content_length=MAX_BODY_BYTES + 1).read()
        except RequestEntityTooLarge:  # as its Content-Length says
            raise too_large()
        except ClientDisconnected:
            raise errors.bad_request("the body could not be read: a broken chunked encoding, "
                                     "or the connection closed before its end")
        if len(data) > MAX_BODY_BYTES:
            raise too_large()
        return io.BytesIO(data)


class ApiWsgiApp(WsgiApp):
    """nameko's WsgiApp, with GatewayRequest and the security headers on every answer; an
    unknown path or method under /api/ is answered with problem details, elsewhere by the
    server's `unrouted` entrypoint (the pages' own "not found" page) when it has one. The
    request carries the routes (`url_adapter`), for a page to tell where it may link."""

    def __call__(self, environ, start_response):
        request = GatewayRequest(environ, shallow=True)
        adapter = request.url_adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as error:
            response = error.get_response(environ)
            if environ.get("PATH_INFO", "").startswith("/api/"):
                response = routing_problem(error)
            elif error.code in (404, 405) and self.server.unrouted is not None:
                request.path_values, request.routing_error = {}, error
                response = self.server.unrouted.handle_request(request)
        security_headers(response.headers)
        return response(environ, start_response)


def routing_problem(error):
    headers = None
    if isinstance(error, MethodNotAllowed):
        headers = {"Allow": ", ".join(sorted(error.valid_methods or ()))}
    slug = {404: "not-found", 405: "method-not-allowed"}.get(error.code, "bad-request")
    title = {404: "Not found", 405: "Method not allowed"}.get(error.code, "Bad request")
    return errors.problem(error.code or 400, slug, title, headers=headers)


REFUSALS = {400: ("bad-request", "Bad request"), 414: ("uri-too-long", "URI too long"),
            431: ("header-fields-too-large", "Request header fields too large")}


class ApiProtocol(HttpOnlyProtocol):
    """nameko's eventlet protocol, telling werkzeug that a body may be read to its end, and
    answering what eventlet (or the standard library under it) refuses before the gateway's
    code runs with problem details rather than an empty answer."""

    def get_environ(self):
        environ = super().get_environ()
        # eventlet's input ends at the Content-Length or at the last chunk; without this,
        # werkzeug reads a chunked body (with no Content-Length) as empty.
        environ["wsgi.input_terminated"] = True
        return environ

    def _read_request_line(self):
        line = super()._read_request_line()
        if len(line) >= self.server.url_length_limit:
            # no request line, for eventlet: it closes without its own (empty) 414
            self.refuse(414, "the request line (method, URL, version) must be shorter than {} "
                        "bytes".format(self.server.url_length_limit))
            return ""
        return line

    def parse_request(self):
        try:
            if not super().parse_request():
                return False
        except (HeaderLineTooLong, HeadersTooLarge):
            return self.refuse(431, "each header line must be shorter than {} bytes, and all "
                               "of them at most {}".format(MAX_HEADER_LINE,
                                                           MAX_TOTAL_HEADER_SIZE))
        # What eventlet would refuse next, without a body
        length = self.headers.get("Content-Length")
        if length is not None and not CONTENT_LENGTH.fullmatch(length):
            return self.refuse(400, "Content-Length must be a whole number of bytes")
        if length is not None and self.headers.get("Transfer-Encoding") is not None:
            return self.refuse(400, "send Content-Length or Transfer-Encoding, not both")
        return True

    def send_error(self, code, message=None, explain=None):
        """The standard library's refusals (a malformed request line, too many headers)."""
        self.refuse(code, ": ".join(part for part in (message, explain) if part) or None)

    def refuse(self, status, detail):
        slug, title = REFUSALS.get(status) or (
            re.sub(r"[^a-z]+", "-", http.HTTPStatus(status).phrase.lower()),
            http.HTTPStatus(status).phrase)
        response = errors.problem(status, slug, title, detail, headers={"Connection": "close"})
        security_headers(response.headers)
        head = "HTTP/1.1 {}\r\n{}\r\n".format(response.status, "".join(
            "{}: {}\r\n".format(name, value) for name, value in response.headers.items()))
        self.wfile.write(head.encode("latin-1") + response.get_data())
        self.close_connection = 1
        return False


class ApiServer(WebServer):
    """nameko's WebServer with ApiWsgiApp and ApiProtocol, and a correlation id per request
    taken from `X-Correlation-Id` when the caller sends a sane one (given back in the
    answer). An entrypoint with `answers_unrouted` has no route: it answers the requests no
    route takes (outside /api/)."""

    unrouted = None

    def make_url_map(self):
        url_map = Map()
        for provider in self._providers:
            if getattr(provider, "answers_unrouted", False):
                self.unrouted = provider
                continue
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map

    def get_wsgi_app(self):
        return ApiWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        # eventlet sends the headers, then the body: with Nagle's algorithm on, a body of
        # less than a segment waits for the client's delayed ACK of the headers (40 ms on
        # Linux). Accepted connections inherit TCP_NODELAY from the listening socket.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return super().get_wsgi_server(sock, wsgi_app, protocol=ApiProtocol, **kwargs)

    def context_data_from_headers(self, request):
        supplied = request.headers.get("X-Correlation-Id", "")
        request.correlation_id = (supplied if CORRELATION_ID.fullmatch(supplied)
                                  else uuid.uuid4().hex)
        return {"correlation_id": request.correlation_id}


class ApiEntrypoint(HttpRequestHandler):
    """nameko's @http on ApiServer, with problem details for failures outside the worker."""

    server = ApiServer()

    def handle_request(self, request):
        response = super().handle_request(request)
        correlation_id = getattr(request, "correlation_id", None)
        if correlation_id:
            response.headers["X-Correlation-Id"] = correlation_id
        return response

    def response_from_exception(self, exc):
        log.error("request failed outside its worker: %r", exc)
        return errors.internal_error()
