"""Errors that cross RPC as themselves (not as nameko's RemoteError).

They are part of the wire contract: the gateway maps each one to an HTTP status in one table
(`gateway/errors.py`). Their args must stay JSON-serialisable because nameko sends them as such.
"""
import contextlib
from typing import Iterator

from nameko.exceptions import deserialize_to_instance

from seibiant_common import refusals


class SeibiantError(Exception):
    """Base of every error a service raises on purpose."""


@deserialize_to_instance
class NotFound(SeibiantError):
    """The thing does not exist, or is not the caller's to see (existence must not leak)."""

    def __init__(self, detail: str = "not found") -> None:
        super().__init__(detail)
        self.detail = detail


@deserialize_to_instance
class InvalidInput(SeibiantError):
    """Input broke a rule; `errors` maps each field to its messages."""

    def __init__(self, errors: object, detail: str = "the request has invalid fields") -> None:
        super().__init__(errors, detail)
        self.errors = errors
        self.detail = detail


@deserialize_to_instance
class Conflict(SeibiantError):
    """The request clashes with the current state (for example an idempotency key reused
    with another body, or a booking that can no longer be cancelled)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@deserialize_to_instance
class Forbidden(SeibiantError):
    """The actor's role may not do this at all (a 403, not a 404: nothing leaks by it)."""

    def __init__(self, detail: str = "not allowed for this role") -> None:
        super().__init__(detail)
        self.detail = detail


# The refusals a caller gets back as its own 4xx: expected, so logged as one INFO line
# (seibiant_common.rpc, .logs), where anything else a worker raises is our fault.
REFUSALS = (NotFound, InvalidInput, Conflict, Forbidden)


@deserialize_to_instance
class Unavailable(SeibiantError):
    """A service this one depends on did not answer in time; nothing was changed. Try again."""

    def __init__(self, detail: str = "a service did not answer in time") -> None:
        super().__init__(detail)
        self.detail = detail


@contextlib.contextmanager
def wire_errors() -> Iterator[None]:
    """The one translation of the domain's refusals (`seibiant_common.refusals`) into the errors
    of the wire contract. A context manager, and (being one) a decorator: `@wire_errors()`."""
    try:
        yield
    except refusals.Invalid as refusal:
        raise InvalidInput(refusal.errors) from None
    except refusals.NotAllowed as refusal:
        raise Conflict(refusal.code, refusal.detail) from None
    except refusals.WrongRole as refusal:
        raise Forbidden(refusal.detail) from None
