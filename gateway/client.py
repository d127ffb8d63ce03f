"""A small Python client of the public API (requests), used by the seed command, the load
benchmark and the tests. It knows the paths of docs/api-v1.md and nothing of the services."""
import time

import requests

MAX_WAIT_SECONDS = 30  # the gateway's limit on one `?wait=`


class ApiError(Exception):
    def __init__(self, response):
        super().__init__("{} {} -> {}: {}".format(response.request.method, response.url,
                                                  response.status_code, response.text[:500]))
        self.response = response
        self.status = response.status_code


class Client:
    """`Client(base_url)`; `client.signed_in(username, password)` gives a client that sends
    that user's token."""

    def __init__(self, base_url="http://127.0.0.1:8000", token=None, session=None,
                 timeout=30):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session or requests.Session()
        self.timeout = timeout

    def request(self, method, path, json=None, headers=None, expect=None, **kwargs):
        """The response; raises ApiError unless its status is in `expect` (default 2xx)."""
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        response = self.session.request(method, self.base_url + "/api/v1" + path, json=json,
                                        headers=headers, timeout=self.timeout, **kwargs)
        ok = response.status_code in expect if expect else 200 <= response.status_code < 300
        if not ok:
            raise ApiError(response)
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json if json is not None else {}, **kwargs).json()

    def signed_in(self, username, password):
        answer = Client(self.base_url, session=self.session, timeout=self.timeout).post(
            "/auth/token", {"username": username, "password": password})
        client = Client(self.base_url, token=answer["access_token"], session=self.session,
                        timeout=self.timeout)
        client.user_id = answer["user_id"]
        client.role = answer["role"]
        return client

    def wait_for_booking(self, booking_id, statuses, timeout=20):
        """The booking once its status is one of `statuses` (the saga is asynchronous): each
        request waits at the gateway until the status changes, so nothing polls."""
        deadline = time.monotonic() + timeout
        booking = self.get("/bookings/" + booking_id)
        while booking["status"] not in statuses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("booking {} is {}, not {}".format(
                    booking_id, booking["status"], "/".join(statuses)))
            wait = max(1, min(MAX_WAIT_SECONDS, self.timeout - 1, round(remaining)))
            booking = self.get("/bookings/" + booking_id,
                               params={"wait": wait, "status": booking["status"]})
        return booking
