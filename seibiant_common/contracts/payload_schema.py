"""What every event payload schema shares (schema_version 1 of every event).

A payload schema ignores the fields it does not know when it loads: a producer may add fields
within a schema version without breaking its consumers. A field it names must be there and of
its type: a payload that breaks the contract fails the handler, which retries and then
dead-letters the event where an operator can see it.
"""
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

SCHEMA_VERSION = 1
MAX_PENCE = 10 ** 12


class Payload(Schema):
    class Meta:
        unknown = EXCLUDE


def ident(**kwargs: Any) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=64), **kwargs)


def pence(**kwargs: Any) -> fields.Integer:
    return fields.Integer(required=True, strict=True,
                          validate=validate.Range(min=0, max=MAX_PENCE), **kwargs)


def text(**kwargs: Any) -> fields.String:
    return fields.String(required=True, **kwargs)


def moment(**kwargs: Any) -> fields.AwareDateTime:
    return fields.AwareDateTime(required=True, **kwargs)


def optional(field: fields.Field) -> fields.Field:
    """A field added within schema version 1 (not required): a consumer reading an older
    producer's event gets None."""
    field.required, field.load_default, field.allow_none = False, None, True
    return field
