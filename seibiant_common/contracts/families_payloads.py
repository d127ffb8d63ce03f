"""The payloads of families' events (names: `families.py`), and the consent a booking
carries: `ShareProfile`, what `POST /api/v1/bookings` takes as `share_profile` and
`booking_requested` passes on to families; and the profile and feedback families' RPCs take,
which the gateway checks requests with."""
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from ..fields import LANGUAGES, PHONE, Choices, Id, Strict, Text, WholeNumber
from ..schemas import day_in_span
from ..vocabularies import CARE_NEEDS
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


class ShareProfileChoice(fields.Field):
    """`false` (nothing shared), `true` (all of the profile), or `{people?, sections?}`
    (`ShareProfile`): what `POST /api/v1/bookings` takes as `share_profile`, loaded as None
    or the `ShareProfile` bookings passes on to families."""

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> dict[str, Any] | None:
        if value is False or value is None:
            return None
        if value is True:
            value = {}
        if not isinstance(value, dict):
            raise ValidationError("false, true, or an object of people and sections.")
        try:
            return ShareProfile(unknown="raise").load(value)
        except ValidationError as error:
            raise ValidationError(error.normalized_messages()) from None


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


# ---- what families' RPCs take: the gateway checks a request with the same schemas ----------

def story() -> Text:
    """A free-text part of a family's profile, in the family's words."""
    return Text(max_length=2000, allow_none=True, load_default=None)


def short_text() -> Text:
    return Text(max_length=120, allow_none=True, load_default=None)


class PersonSchema(Strict):
    id = Id(allow_none=True, load_default=None)  # kept, it keeps what was shared of this person
    name = short_text()
    relationship = fields.String(allow_none=True, load_default=None,
                                 validate=validate.OneOf(names.RELATIONSHIPS))
    date_of_birth = fields.Date(allow_none=True, load_default=None, validate=day_in_span)
    needs = Choices(CARE_NEEDS, load_default=list)
    communication = story()
    routines = story()
    diet = story()
    medication_notes = story()
    mobility = story()
    likes_and_triggers = story()
    other = story()

    @post_load
    def stored_date(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("date_of_birth") is not None:
            data["date_of_birth"] = data["date_of_birth"].isoformat()
        return data


class EmergencyContactSchema(Strict):
    name = short_text()
    phone = Text(max_length=32, allow_none=True, load_default=None, validate=[validate.Regexp(
        PHONE, error="Not a phone number.")])
    relationship = short_text()


class ProfileBodySchema(Strict):
    """The whole profile, replacing what was there; every field may be left out."""
    people = fields.List(fields.Nested(PersonSchema), load_default=list,
                         validate=validate.Length(max=MAX_PEOPLE))
    emergency_contact = fields.Nested(EmergencyContactSchema, allow_none=True,
                                      load_default=None)
    language = fields.String(allow_none=True, load_default=None,
                             validate=validate.OneOf(LANGUAGES))


class FeedbackBodySchema(Strict):
    rating = WholeNumber(minimum=1, maximum=5, required=True)
    rested = WholeNumber(minimum=1, maximum=5, required=True)
    comment = Text(max_length=2000, allow_none=True, load_default=None)
    would_book_again = fields.Boolean(required=True)


class FeedbackResponseBodySchema(Strict):
    provider_id = Id(allow_none=True, load_default=None)  # none: the council's breaks as a whole
    text = Text(max_length=2000, min_length=1, required=True)
