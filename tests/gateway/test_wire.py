"""The gateway on the wire, with requests written byte by byte over a socket: bodies sent
chunked (every operation that takes a body, and the pages' forms), requests eventlet refuses
before any of the gateway's code runs (too long a URL, too many or too long headers), and the
security headers of every answer."""
import datetime
import http.client
import json
import re
import socket
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from gateway.http import MAX_BODY_BYTES, OPERATIONS, PUBLIC
from gateway.web.sessions import COOKIE_NAME
from devtools.processes import wait_until

from .world import PASSWORD, World, unique

BODY_OPERATIONS = [operation for operation in OPERATIONS if operation.body]
PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


class Answer:
    def __init__(self, response, body):
        self.status = response.status
        self.headers = response.headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def exchange(base_url, request):
    """Sends `request` as it is and reads the answer."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response, response.read())


def send(base_url, method, path, body=None, headers=(), chunked=False, chunk_size=7):
    """One request; a body goes with Content-Length, or chunked in pieces of `chunk_size`."""
    head = ["{} {} HTTP/1.1".format(method, path), "Host: 127.0.0.1"]
    head += ["{}: {}".format(name, value) for name, value in headers]
    payload = b""
    if body is not None and chunked:
        head.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (
            body[start:start + chunk_size] for start in range(0, len(body), chunk_size)))
        payload += b"0\r\n\r\n"
    elif body is not None:
        head.append("Content-Length: {}".format(len(body)))
        payload = body
    return exchange(base_url, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)


def api_call(world, method, path, body, client=None, chunked=False, **kwargs):
    headers = [("Content-Type", "application/json")]
    if client is not None:
        headers.append(("Authorization", "Bearer " + client.token))
    return send(world.anonymous.base_url, method, "/api/v1" + path, body, headers, chunked,
                **kwargs)


def problem(answer, status):
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"] == PROBLEM_JSON
    body = answer.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def caller(world, operation):
    """A client of a role the operation allows (None when it is public)."""
    return None if operation.roles == PUBLIC else getattr(world, operation.roles[0])


def path_of(operation):
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x1", operation.path)


# ---- chunked bodies -------------------------------------------------------------------------

@pytest.mark.parametrize("operation", BODY_OPERATIONS,
                         ids=["{} {}".format(op.method, op.path) for op in BODY_OPERATIONS])
@pytest.mark.parametrize("body, status", [(b'{"no_such_field": 1}', 422), (b'{"a": ', 400)])
def test_every_body_is_read_chunked_as_with_a_content_length(world, operation, body, status):
    """An unknown field is named only if the body was read (an empty one is refused for
    other reasons, or accepted)."""
    answers = [api_call(world, operation.method, path_of(operation), body,
                        caller(world, operation), chunked=chunked) for chunked in (False, True)]
    with_length, chunked = (problem(answer, status) for answer in answers)
    assert chunked == with_length
    assert ("no_such_field" if status == 422 else "body") in chunked["errors"]


def test_a_lower_final_amount_sent_chunked_is_the_amount_spent(world):
    family = world.new_family(world.officer)
    budget = world.new_budget(world.officer, family.user_id)
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2)
    slot = world.provider.post("/offers/{}/slots".format(world.offer["id"]), {"slots": [{
        "start": start.isoformat(), "end": (start + datetime.timedelta(hours=3)).isoformat(),
        "capacity": 1}]})["items"][0]
    booking = world.book(family, slot["id"], budget["id"])
    assert family.wait_for_booking(booking["id"], {"confirmed"})["total_pence"] == 4000

    def complete():  # 409 until the break has started
        answer = api_call(world, "POST", "/bookings/{}/complete".format(booking["id"]),
                          b'{"final_amount_pence": 1000}', world.provider, chunked=True)
        assert answer.status in (200, 409), answer.body
        return answer.json() if answer.status == 200 else None
    assert wait_until(complete, 10, interval=0.2, message="the break to start")[
        "status"] == "completed"
    wait_until(lambda: family.get("/budgets/" + budget["id"])["spent_pence"] == 1000, 10,
               message="1000p spent")
    assert family.get("/budgets/" + budget["id"])["held_pence"] == 0


def offer_body(size):
    """An offer whose title is too long, `size` bytes of JSON in all."""
    start = b'{"title": "'
    return start + b"x" * (size - len(start) - 2) + b'"}'


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_the_size_limit_is_the_same_chunked(world, chunked):
    at_limit = api_call(world, "POST", "/offers", offer_body(MAX_BODY_BYTES), world.provider,
                        chunked=chunked, chunk_size=65536)
    assert "title" in problem(at_limit, 422)["errors"]  # read, and found wanting
    past_limit = api_call(world, "POST", "/offers", offer_body(MAX_BODY_BYTES + 1),
                          world.provider, chunked=chunked, chunk_size=65536)
    assert str(MAX_BODY_BYTES) in problem(past_limit, 413)["detail"]


def test_a_broken_chunked_body_is_a_400(world):
    answer = exchange(world.anonymous.base_url, b"POST /api/v1/auth/token HTTP/1.1\r\n"
                      b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n4\r\n{\"us\r\nzz\r\n\r\n")
    problem(answer, 400)


def test_a_form_sent_chunked_signs_in(world):
    username = unique("family")
    world.officer.post("/families", {"username": username, "password": PASSWORD,
                                     "display_name": "A family", "needs": []})
    base_url = world.anonymous.base_url
    form = requests.get(base_url + "/sign-in", timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    body = urlencode({"csrf_token": csrf, "username": username, "password": PASSWORD})
    answer = send(base_url, "POST", "/sign-in", body.encode(), chunked=True, headers=[
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Cookie", "{}={}".format(COOKIE_NAME, form.cookies[COOKIE_NAME]))])
    assert answer.status == 302, answer.body
    assert answer.headers["Location"].endswith("/family")


def test_a_form_past_the_size_limit_is_refused_with_a_page(world):
    body = b"csrf_token=" + b"x" * MAX_BODY_BYTES
    answer = send(world.anonymous.base_url, "POST", "/sign-in", body, chunked=True,
                  chunk_size=65536,
                  headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert answer.status == 413 and answer.headers["Content-Type"].startswith("text/html")


# ---- what eventlet refuses before the gateway's code runs -----------------------------------

@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /api/v1/" + b"x" * 9000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: a\r\nX-Long: " + b"x" * 9000 + b"\r\n\r\n", 431),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: a\r\n"
     + b"".join(b"X-Many-%d: %s\r\n" % (n, b"x" * 7000) for n in range(10)) + b"\r\n", 431),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: a\r\n"
     + b"".join(b"X-%d: x\r\n" % n for n in range(120)) + b"\r\n", 431),
    (b"GET /api/v1/health HTTP/9.x\r\nHost: a\r\n\r\n", 400),
    (b"NONSENSE\r\n\r\n", 400),
    (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
    (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
], ids=["long-url", "long-header", "large-headers", "many-headers", "bad-version",
        "bad-request-line", "negative-length", "length-and-chunked"])
def test_a_request_refused_by_the_server_is_a_problem(world, request_bytes, status):
    answer = exchange(world.anonymous.base_url, request_bytes)
    problem(answer, status)
    assert answer.headers["Connection"] == "close"
    assert_security_headers(answer.headers, page_headers(world))


def test_the_description_documents_the_servers_refusals(api):
    spec = api.get("/openapi.json").json()
    for path in spec["paths"].values():
        for operation in path.values():
            for status in ("400", "414", "431"):
                assert PROBLEM_JSON in operation["responses"][status]["content"]


# ---- security headers -----------------------------------------------------------------------

def page_headers(world):
    return requests.get(world.anonymous.base_url + "/sign-in", timeout=30).headers


def assert_security_headers(headers, page):
    for name in ("X-Content-Type-Options", "Referrer-Policy"):
        assert headers[name] == page[name]
    # the same policy, but for the nonce of a page's own scripts
    assert headers["Content-Security-Policy"] == re.sub(
        r" 'nonce-[^']+'", "", page["Content-Security-Policy"])


def test_every_api_answer_has_the_pages_security_headers(world, api):
    page = page_headers(world)
    assert "'nonce-" in page["Content-Security-Policy"]
    json_answer = api.get("/me", token=world.family.token)
    assert json_answer.headers["Content-Type"] == "application/json"
    problem_answer = api.get("/me")
    assert problem_answer.headers["Content-Type"] == PROBLEM_JSON
    unknown_path = api.get("/no-such-thing")
    assert unknown_path.status_code == 404
    docs = api.get("/docs")
    assert docs.headers["Content-Type"].startswith("text/html")
    for answer in (json_answer, problem_answer, unknown_path, docs):
        assert_security_headers(answer.headers, page)


def test_the_docs_page_needs_nothing_the_policy_refuses(world, api):
    """No inline style or script: its stylesheet is a file of this site."""
    docs = api.get("/docs").text
    assert "<style" not in docs and "<script" not in docs and " style=" not in docs
    stylesheet = re.search(r'<link rel="stylesheet" href="(/[^"]+)"', docs).group(1)
    css = requests.get(world.anonymous.base_url + stylesheet, timeout=30)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
