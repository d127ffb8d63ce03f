"""The marshmallow fields of every public input, shared by the gateway (which checks a request
at the door) and the services whose RPCs take the same shape on (so one schema, written once
in `seibiant_common.contracts`, serves both)."""
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

LANGUAGES = ("en", "cy")
MAX_PENCE = 10 ** 11  # a billion pounds: far above any budget, far below a 64-bit overflow
MAX_LIST = 50
ID = r"^[A-Za-z0-9_-]{1,64}$"
PHONE = r"^\+?[0-9][0-9 ()-]{4,30}$"  # a UK or international number as people write it
# C0 controls other than tab, newline and carriage return (NUL breaks PostgreSQL text).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Strict(Schema):
    """Unknown fields are refused (marshmallow's default, said out loud)."""

    class Meta:
        unknown = "raise"


class Text(fields.String):
    """A string of printable text with a maximum length (every string of the API is one)."""

    def __init__(self, max_length: int = 200, min_length: int = 0, **kwargs: Any) -> None:
        validators = list(kwargs.pop("validate", []) or [])
        validators.insert(0, validate.Length(min=min_length, max=max_length))
        super().__init__(validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")  # a lone surrogate from "\ud800" in JSON
        except UnicodeEncodeError:
            raise ValidationError("Not valid Unicode text.") from None
        if CONTROL.search(text):
            raise ValidationError("Control characters are not allowed.")
        return text


def Id(**kwargs: Any) -> Text:
    return Text(max_length=64, min_length=1, validate=[validate.Regexp(
        ID, error="Not a valid id.")], **kwargs)


class WholeNumber(fields.Integer):
    """An integer in JSON; never a float (1.0 or 1.5), a string or a boolean."""

    default_error_messages = {"invalid": "Must be a whole number.",
                              "too_large": "Number too large."}

    def __init__(self, minimum: int = 0, maximum: int = MAX_PENCE, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=minimum, max=maximum),
                         **kwargs)

    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def Choices(choices: tuple[str, ...], max_items: int = MAX_LIST, **kwargs: Any) -> fields.List:
    return fields.List(fields.String(validate=validate.OneOf(choices)),
                       validate=validate.Length(max=max_items), **kwargs)
