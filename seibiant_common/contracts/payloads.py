"""Every event's payload schema by name, and the two ways through it: a producer dumps a
payload to its wire form, a consumer loads it back from the envelope, both with the same
(the producer's) schema."""
import datetime
import functools
from typing import Any, Iterable, Mapping, cast

from marshmallow import Schema, ValidationError, fields

from seibiant_common.errors import InvalidInput
from seibiant_common.outbox import UnitOfWork

from . import (bookings_payloads, budgets_payloads, families_payloads, gateway_payloads,
               providers_payloads, staycation_payloads)
from .payload_schema import SCHEMA_VERSION

SERVICES = (bookings_payloads, budgets_payloads, providers_payloads, families_payloads,
            gateway_payloads, staycation_payloads)
# Event names are unique across the services (tests/plumbing/test_contracts.py checks it).
PAYLOADS = {name: schema() for service in SERVICES for name, schema in service.PAYLOADS.items()}


class UnsupportedVersion(Exception):
    pass


class ContractBroken(ValueError):
    """A payload that does not say what its event's contract says."""


def dump(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The wire form of an event's payload (times as ISO 8601 strings), checked against its
    contract so a payload that drifts fails where it is written, not in a consumer."""
    schema = PAYLOADS[event_type]
    wire = schema.dump(payload)
    errors = schema.validate(wire)
    if errors:
        raise ContractBroken("{} payload: {}".format(event_type, errors))
    return wire


def load(event: dict[str, Any], *only: str) -> dict[str, Any]:
    """The payload of an event envelope, loaded by its producer's schema: the fields `only`
    names (all of them when none), fields it does not know ignored. A payload that breaks
    the contract is `InvalidInput` naming its fields (the handler fails, and the event goes
    to the dead letters after its retries)."""
    if event.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise UnsupportedVersion("{} schema_version {}".format(
            event.get("event_type"), event.get("schema_version")))
    schema = _reading(event["event_type"], only)
    try:
        return schema.load(event["payload"])
    except ValidationError as error:
        raise InvalidInput(error.normalized_messages()) from None


def occurred_at(event: dict[str, Any]) -> datetime.datetime:
    """When the producer says the event happened (the envelope's time, aware)."""
    try:
        moment = fields.AwareDateTime(required=True).deserialize(event.get("occurred_at"))
    except ValidationError as error:
        raise InvalidInput({"occurred_at": error.messages}) from None
    return cast(datetime.datetime, moment)  # required: never None


@functools.lru_cache(maxsize=None)
def _reading(event_type: str, only: tuple[str, ...]) -> Schema:
    """The schema of the event, limited to the fields a consumer reads (made once)."""
    schema = PAYLOADS[event_type]
    return type(schema)(only=only) if only else schema


def emit(uow: UnitOfWork, event_type: str, payload: Mapping[str, Any], aggregate_id: str,
         new_aggregate: bool = False) -> None:
    """The one way an event is written: into the unit of work's outbox (so it commits with the
    change it announces), its payload in its wire form. Events of one aggregate keep order."""
    uow.emit(event_type, dump(event_type, dict(payload)), aggregate_id=aggregate_id,
             schema_version=SCHEMA_VERSION, new_aggregate=new_aggregate)


def emit_all(uow: UnitOfWork, events: Iterable[Any], aggregate_id: str,
             new_aggregate: bool = False) -> None:
    """`emit` for each of a domain's events (each with its `type` and `payload`), in order;
    `new_aggregate` as for `UnitOfWork.emit`."""
    for event in events:
        emit(uow, event.type, event.payload, aggregate_id, new_aggregate)
