"""The payloads of families' events (names: `families.py`), and the consent a booking
carries: `ShareProfile`, what `POST /api/v1/bookings` takes as `share_profile` and
`booking_requested` passes on to families."""
from marshmallow import fields, validate

from . import families as names
from .payload_schema import Payload, ident, moment

MAX_PEOPLE = 20
MAX_ID = 64


class ShareProfile(Payload):
    """The people and sections of the family profile a booking's provider may read; a list
    left out (or null) is all of them, as the profile stands when it is read."""
    people = fields.List(fields.String(validate=validate.Length(min=1, max=MAX_ID)),
                         load_default=None, allow_none=True,
                         validate=validate.Length(max=MAX_PEOPLE))
    sections = fields.List(fields.String(validate=validate.OneOf(names.SECTIONS)),
                           load_default=None, allow_none=True,
                           validate=validate.Length(max=len(names.SECTIONS)))


def one_to_five() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))


class FeedbackGiven(Payload):
    """A family's feedback on a completed break (no family named: for counting)."""
    booking_id = ident()
    provider_id = ident()
    council = fields.String(required=True, allow_none=True)
    rating = one_to_five()
    rested = one_to_five()
    would_book_again = fields.Boolean(required=True)
    given_at = moment()


PAYLOADS = {
    names.FEEDBACK_GIVEN: FeedbackGiven,
}
