"""Waiting for a booking to change without holding a worker: `GET /bookings/{id}?wait=N&status=S`,
and `POST /bookings` with `Prefer: wait=N` (RFC 7240), which answers once the new booking has
left `requested`.

Each gateway instance hears bookings' status events on queues of its own (nameko's BROADCAST
handlers, not kept across restarts: a missed wake-up only means that a wait runs to its end)
and wakes the requests waiting on that booking. A waiting request sits in the HTTP server's
green thread between two short workers that each read the booking, so waiting families hold
no worker, no RPC and no database connection.
"""
import json
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from eventlet.event import Event
from marshmallow import ValidationError
from nameko.events import BROADCAST, EventHandler
from nameko.extensions import DependencyProvider, SharedExtension
from werkzeug.http import parse_dict_header
from werkzeug.wrappers import Request, Response

from seibiant_common.contracts import bookings as booking_events
from seibiant_common.messaging import ResilientQueueConsumer

from .http import ApiEntrypoint
from .schemas import MAX_WAIT_SECONDS, BookingWaitQuery

WAIT_QUERY = BookingWaitQuery()


REMEMBERED_CHANGES = 10_000


class Waiters(SharedExtension):
    """The requests of this gateway instance waiting on each booking, and when the latest
    bookings last changed (a new booking's change may come before its request listens)."""

    def setup(self) -> None:
        self._waiting: dict[str, set[Event]] = defaultdict(set)
        self._changed: OrderedDict[str, float] = OrderedDict()

    @contextmanager
    def waiting(self, booking_id: str, since: float | None = None) -> Iterator[Event]:
        """An event set when the booking changes (at once if it changed after `since`)."""
        event = Event()
        changed = self._changed.get(booking_id)
        if since is not None and changed is not None and changed >= since:
            event.send()
        self._waiting[booking_id].add(event)
        try:
            yield event
        finally:
            waiting = self._waiting[booking_id]
            waiting.discard(event)
            if not waiting:
                del self._waiting[booking_id]

    def wake(self, booking_id: str) -> None:
        self._changed[booking_id] = time.monotonic()
        self._changed.move_to_end(booking_id)
        if len(self._changed) > REMEMBERED_CHANGES:
            self._changed.popitem(last=False)
        for event in self._waiting.get(booking_id, ()):
            if not event.ready():
                event.send()


class BookingWaiters(DependencyProvider):
    waiters = Waiters()

    def get_dependency(self, worker_ctx) -> Waiters:
        return self.waiters


class WakeUpHandler(EventHandler):
    """nameko's handler on the services' own consumer: the same connection as the gateway's
    RPC, an ack on a lost connection only logged, and a stop as quick as theirs."""

    queue_consumer = ResilientQueueConsumer()


def wakes_waiting_requests(method: Callable) -> Callable:
    """Declares `method(self, event)` as the handler of every booking status event."""
    for event_type in booking_events.STATUS_CHANGED:
        method = WakeUpHandler.decorator("bookings", event_type, handler_type=BROADCAST,
                                         reliable_delivery=False)(method)
    return method


def wait_asked(request: Request) -> tuple[int, str] | None:
    """(seconds, status) when the query asks to wait, read by the operation's own query
    schema; anything malformed is left to the operation, which answers 422 naming the field."""
    try:
        asked = WAIT_QUERY.load(request.args.to_dict())
    except ValidationError:
        return None
    return (asked["wait"], asked["status"]) if "wait" in asked else None


def wait_preferred(request: Request) -> int | None:
    """The seconds of a `Prefer: wait=N` header (at most MAX_WAIT_SECONDS), or None. A
    preference is a hint (RFC 7240): one that cannot be read is ignored, not refused."""
    preferences = parse_dict_header(",".join(request.headers.getlist("Prefer")))
    try:
        seconds = int(preferences.get("wait") or "")
    except ValueError:
        return None
    return min(seconds, MAX_WAIT_SECONDS) if seconds > 0 else None


def _status(response: Response, ok: int = 200) -> str | None:
    if response.status_code != ok:
        return None
    return json.loads(response.get_data()).get("status")


class WaitsForChange:
    """Mixed into an HTTP entrypoint of one booking (path value `booking_id`) whose answer is
    JSON with the booking's `status`: with `?wait=N&status=S` it answers once the status
    differs from S, or after N seconds as the booking is then."""

    waiters = Waiters()

    def handle_request(self, request: Request) -> Response:
        asked = wait_asked(request)
        if asked is None:
            return super().handle_request(request)
        seconds, status = asked
        booking_id = request.path_values["booking_id"]
        deadline = time.monotonic() + seconds
        while True:
            # Listen before reading, so that a change between the read and the wait wakes it.
            with self.waiters.waiting(booking_id) as changed:
                response = super().handle_request(request)
                remaining = deadline - time.monotonic()
                if _status(response) != status or remaining <= 0:
                    return response
                changed.wait(timeout=remaining)
            if not changed.ready():  # the wait ran out: answer the state as it is now
                return super().handle_request(request)


class WaitsForNewBooking:
    """Mixed into the HTTP entrypoint that requests a booking (202 with the booking's JSON):
    with `Prefer: wait=N` it answers once the booking has left `requested`, or after N
    seconds, as it is then. The operation runs again for that answer, and reads the booking
    it made (`Call.once`)."""

    waiters = Waiters()

    def handle_request(self, request: Request) -> Response:
        seconds = wait_preferred(request)
        if seconds is None:
            return super().handle_request(request)
        started = time.monotonic()
        response = super().handle_request(request)
        status = _status(response, ok=202)
        if status == "requested":
            booking_id = json.loads(response.get_data())["id"]
            with self.waiters.waiting(booking_id, since=started) as changed:
                changed.wait(timeout=started + seconds - time.monotonic())
            response = super().handle_request(request)
        if status is not None:  # a refusal is answered at once, no preference applied
            response.headers["Preference-Applied"] = "wait={}".format(seconds)
        return response


class WaitingApiEntrypoint(WaitsForChange, ApiEntrypoint):
    pass


class BookingRequestEntrypoint(WaitsForNewBooking, ApiEntrypoint):
    pass
