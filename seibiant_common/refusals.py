"""The one way a domain module turns a request down.

Plain Python, so the domain modules stay free of nameko: `seibiant_common.errors.wire_errors`
translates each refusal into the wire error a caller gets back (Invalid -> InvalidInput,
NotAllowed -> Conflict, WrongRole -> Forbidden).
"""
from typing import Any, Mapping, Optional


class Refusal(Exception):
    """A request the rules turn down: the caller's to fix, not our fault."""


class Invalid(Refusal):
    """The input breaks a rule; `errors` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


class NotAllowed(Refusal):
    """Well formed, but the current state does not allow it; `code` is part of the contract."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


class WrongRole(Refusal):
    """The actor's role may never do this."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def require_role(role: Optional[str], *allowed: str) -> None:
    if role not in allowed:
        raise WrongRole("only {} may do this".format(" or ".join(allowed)))
