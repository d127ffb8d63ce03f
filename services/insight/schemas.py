"""What the insight RPCs take."""
from marshmallow import Schema, fields, validate

from seibiant_common.schemas import ActorSchema, day_in_span, parse  # noqa: F401 (schemas.*)

from .domain import TABLES


class WindowSchema(Schema):
    """The days of the figures, both included (by default from the first of the month eleven
    months ago to 90 days ahead: `domain.window`)."""
    first_day = fields.Date(data_key="from", load_default=None, allow_none=True,
                            validate=day_in_span)
    last_day = fields.Date(data_key="to", load_default=None, allow_none=True,
                           validate=day_in_span)


class TableSchema(WindowSchema):
    table = fields.String(required=True, validate=validate.OneOf(TABLES))



class ImpactSchema(Schema):
    provider_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    provider_councils = fields.List(fields.String(validate=validate.Length(max=64)),
                                    required=True)
