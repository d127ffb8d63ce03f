"""The payloads of the gateway's events (names: `gateway.py`)."""
from marshmallow import fields, validate

from . import gateway as names
from .payload_schema import Payload, ident, moment, text


class AccountDetailsChanged(Payload):
    """An account was created or changed what the services may know of it: who it is and how
    (and in which language) the person wants to be told things. Sent whole each time, so a
    consumer keeps the latest by `changed_at`."""
    account_id = ident()
    role = text()
    council = text(allow_none=True)
    provider_id = text(allow_none=True)
    display_name = text()
    language = text(validate=validate.OneOf(("en", "cy")))
    email = text(allow_none=True)
    mobile = text(allow_none=True)
    notify_by = fields.List(fields.String(validate=validate.OneOf(names.CHANNELS)),
                            required=True)
    changed_at = moment()


PAYLOADS = {
    names.ACCOUNT_DETAILS_CHANGED: AccountDetailsChanged,
}
