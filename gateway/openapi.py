"""The OpenAPI 3 description, generated with apispec from the operations declared with `@api`
and their marshmallow schemas, and a plain HTML page listing them (nothing loaded from
elsewhere)."""
import functools
import html
import json
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from eventlet.wsgi import MAX_HEADER_LINE, MAX_REQUEST_LINE, MAX_TOTAL_HEADER_SIZE

from . import schemas as s
from .http import (IDEMPOTENCY_KEY, MAX_BODY_BYTES, OPERATIONS, PATH_ID, PREFIX, PUBLIC,
                   SIGNED_IN)

PROBLEM_JSON = "application/problem+json"
ERROR_STATUSES = {
    400: "malformed JSON (`errors.body` says why), a broken chunked body, or a malformed "
         "request (request line, Content-Length)",
    401: "no token, or a bad or expired one",
    403: "the caller's role may not do this",
    404: "no such thing, or not the caller's to see",
    409: "the request clashes with the current state (`code` says how)",
    413: "the body is larger than {} bytes (however it is sent: with Content-Length or "
         "chunked)".format(MAX_BODY_BYTES),
    414: "the request line (method, URL, version) is {} bytes or longer".format(
        MAX_REQUEST_LINE),
    415: "the body is not JSON",
    422: "invalid fields (`errors` names each)",
    431: "a header line is {} bytes or longer, the headers are more than {} bytes in all, or "
         "there are more than 100 of them".format(MAX_HEADER_LINE, MAX_TOTAL_HEADER_SIZE),
    503: "a service did not answer in time",
}
DESCRIPTION = """The public HTTP API of Seibiant: Direct Payments spent on short breaks.

Money is integer pence; times are ISO 8601 with an offset, answered in UTC; ids are opaque.
Errors are RFC 9457 problem details. Lists take `limit` (1 to 200, default 50) and `cursor`
and answer `{"items": [...], "next_cursor": ...}`; unknown query parameters and body fields
are refused (422). Sign in with `POST /api/v1/auth/token` and send
`Authorization: Bearer <token>`. POSTs accept an `Idempotency-Key` header (per user): the
same key with the same request answers the first answer again (kept 24 hours, with
`Idempotent-Replayed: true`; a booking request answers the same booking); with another
request, 409 `idempotency_key_reused`.
Sign-in is rate-limited per username (429 with `Retry-After`), whether or not it exists."""


def _openapi_path(rule):
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", PREFIX + rule)


def _problem(description):
    return {"description": description,
            "content": {PROBLEM_JSON: {"schema": "Problem"}}}


def _operation(op):
    doc = {"summary": op.summary, "operationId": None, "tags": [op.tag] if op.tag else [],
           "parameters": [], "responses": {}}
    if op.description:
        doc["description"] = op.description
    if op.roles == PUBLIC:
        doc["security"] = []
    else:
        doc["security"] = [{"bearer": []}]
        who = "any signed-in user" if set(op.roles) == set(SIGNED_IN) else ", ".join(op.roles)
        doc["description"] = "Who: {}.{}".format(
            who, "\n\n" + op.description if op.description else "")
    for name in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", op.path):
        doc["parameters"].append({"name": name, "in": "path", "required": True, "schema": {
            "type": "string", "pattern": "^{}$".format(PATH_ID.pattern)}})
    if op.query:
        doc["parameters"].append({"in": "query", "schema": op.query})
    if op.idempotency:
        doc["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": False,
                                  "schema": {"type": "string",
                                             "pattern": "^{}$".format(IDEMPOTENCY_KEY.pattern)}})
    if op.body:
        required = any(field.required for field in op.body.fields.values())
        doc["requestBody"] = {"required": required,
                              "content": {"application/json": {"schema": op.body}}}
    success = {"description": {200: "OK", 201: "Created", 202: "Accepted: the outcome follows",
                               204: "Done; no body"}[op.status]}
    content = {}
    if op.response:
        content["application/json"] = {"schema": op.response}
    for media_type in op.content_types:
        content[media_type] = {"schema": {"type": "string"}}
    if not content and op.status != 204:
        content["application/json"] = {"schema": {"type": "object"}}
    if content:
        success["content"] = content
    if op.location:
        success["headers"] = {"Location": {"schema": {"type": "string"},
                                           "description": "where the new thing is"}}
    doc["responses"][str(op.status)] = success
    statuses = dict(ERROR_STATUSES)
    statuses.update(op.responses)
    for status, description in sorted(statuses.items()):
        if status == 401 and op.roles == PUBLIC and op.path != "/auth/token":
            continue
        if status < 400:  # another success (done again, say): the same answer
            doc["responses"][str(status)] = dict(
                {key: value for key, value in success.items() if key != "headers"},
                description=description)
            continue
        doc["responses"][str(status)] = _problem(description)
    return doc


def build_spec():
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Seibiant API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[plugin], info={"description": DESCRIPTION})
    plugin.map_to_openapi_type(s.Timestamp, "string", "date-time")
    plugin.map_to_openapi_type(s.Day, "string", "date")
    plugin.map_to_openapi_type(s.QueryNumber, "integer", None)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=s.ProblemSchema)
    paths = {}
    for op in OPERATIONS:
        doc = _operation(op)
        doc["operationId"] = "{}_{}".format(op.method.lower(), re.sub(
            r"[^a-z0-9]+", "_", op.path.lower()).strip("_"))
        paths.setdefault(_openapi_path(op.path), {})[op.method.lower()] = doc
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@functools.lru_cache(maxsize=None)
def spec_json():
    return json.dumps(build_spec(), indent=1)


def _inline(text):
    """Escaped text, with `code` in <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _who(op):
    if op.roles == PUBLIC:
        return "anyone, no token"
    return "any signed-in user" if set(op.roles) == set(SIGNED_IN) else ", ".join(op.roles)


@functools.lru_cache(maxsize=None)
def docs_html():
    spec = build_spec()
    rows = []
    for op in OPERATIONS:
        what = _inline(op.summary)
        if op.description:
            what += "<br><small>{}</small>".format(_inline(op.description))
        rows.append("<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td>"
                    "<td>{}</td><td>{}</td></tr>".format(
                        op.method, html.escape(_openapi_path(op.path)), what, _who(op),
                        op.status))
    return """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Seibiant API v1</title>
<link rel="stylesheet" href="/static/api-docs.css"></head>
<body><main><h1>Seibiant API v1</h1>
<p>{}</p>
<p>The full description: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>
(OpenAPI {}).</p>
<table><caption>Operations</caption>
<thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">What</th>
<th scope="col">Who</th><th scope="col">Answer</th></tr></thead>
<tbody>
{}
</tbody></table></main></body></html>
""".format(_inline(spec["info"]["description"]).replace("\n\n", "</p><p>"),
           spec["openapi"], "\n".join(rows))
