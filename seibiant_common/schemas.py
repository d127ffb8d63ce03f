"""What every service's RPC input has in common: the actor the gateway vouches for, and
turning marshmallow's errors into `InvalidInput` naming the fields."""
import datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from . import times
from .errors import InvalidInput

ROLES = ("admin", "officer", "family", "provider", "referrer")


class ActorSchema(Schema):
    """Who is acting, as the gateway vouches for it; extra keys it may add are ignored."""

    class Meta:
        unknown = EXCLUDE

    user_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    council = fields.String(load_default=None, allow_none=True)
    provider_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=64))
    # a referrer's: the carers of their centre
    carer_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                            load_default=list)

    @validates_schema
    def officers_belong_to_a_council(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["role"] == "officer" and not data.get("council"):
            raise ValidationError("An officer belongs to a council.", "council")


def in_span(moment: datetime.datetime) -> None:
    """Validator of an (aware) time: in 1970-2199, as everywhere (seibiant_common.times)."""
    try:
        times.in_range(moment)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def day_in_span(day: datetime.date) -> None:
    """Validator of a date: in 1970-2199."""
    if not times.day_in_range(day):
        raise ValidationError(times.OUT_OF_RANGE)


def parse(schema: Schema, data: Any) -> Any:
    """The loaded data, or InvalidInput naming each bad field (before anything is stored)."""
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {
            "_schema": error.messages}
        raise InvalidInput(messages) from None
