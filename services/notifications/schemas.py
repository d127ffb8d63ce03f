"""What the notifications RPCs take (input schemas) and give back (output schemas)."""
from marshmallow import Schema, fields, validate

from seibiant_common.schemas import ActorSchema, parse  # noqa: F401 (used as schemas.*)


class PageSchema(Schema):
    limit = fields.Integer(load_default=50, strict=True, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, allow_none=True)


class SentMessageSchema(Schema):
    id = fields.String()
    channel = fields.String()
    to = fields.String()
    subject = fields.String()
    body = fields.String()
    language = fields.String()
    event_type = fields.String()
    booking_id = fields.String(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    status = fields.String()
    created_at = fields.AwareDateTime()


class SentPageSchema(Schema):
    items = fields.List(fields.Nested(SentMessageSchema))
    next_cursor = fields.String(allow_none=True)


page_schema = SentPageSchema()
