"""What the notifications RPCs take (input schemas) and give back (output schemas)."""
from marshmallow import fields

from seibiant_common import schemas as records
from seibiant_common.schemas import ActorSchema, PageSchema, parse  # noqa: F401 (schemas.*)


class SentMessageSchema(records.SentMessageSchema):
    created_at = fields.AwareDateTime()


page_schema = records.page_schema_of(SentMessageSchema)()
