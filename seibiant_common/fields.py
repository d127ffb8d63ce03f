"""The marshmallow fields of every public input, shared by the gateway (which checks a request
at the door) and the services whose RPCs take the same shape on (so one schema, written once
in `seibiant_common.contracts`, serves both)."""
import datetime
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from . import times

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


def distinct(values: list[Any]) -> None:
    """A list validator: the same value twice is a mistake worth telling about."""
    if len(set(values)) != len(values):
        raise ValidationError("Name each value once.")


def Choices(choices: tuple[str, ...], max_items: int = MAX_LIST, each_once: bool = False,
            **kwargs: Any) -> fields.List:
    checks = [validate.Length(max=max_items)] + ([distinct] if each_once else [])
    return fields.List(fields.String(validate=validate.OneOf(choices)), validate=checks,
                       **kwargs)


SLUG = r"^[a-z][a-z0-9-]{1,62}$"  # councils and regions: `powys`, `flintshire`
REASON_LENGTH = 500


def Slug(**kwargs: Any) -> Text:
    return Text(max_length=64, min_length=1, validate=[validate.Regexp(
        SLUG, error="Use lower-case letters, digits and hyphens, starting with a letter.")],
        **kwargs)


def Pence(**kwargs: Any) -> WholeNumber:
    field = WholeNumber(**kwargs)
    field.error_messages["invalid"] = "Must be a whole number of pence, not a float or a string."
    return field


def Reason(**kwargs: Any) -> Text:
    """Why someone did something, in their words (kept with the ledger entry or audit)."""
    return Text(max_length=REASON_LENGTH, min_length=1, **kwargs)


class Wire:
    """A field loaded as the text RPC carries (a time, a date, a time of day); a service
    reads it back into its Python value with `read_back` (one body schema serves both)."""

    def read_back(self, text: str) -> Any:
        raise NotImplementedError


class Moment(Wire, fields.AwareDateTime):
    """An ISO 8601 time with an offset, in 1970-2199, loaded as the ISO text of the same
    time in UTC."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(  # type: ignore[override]  # its wire text, not a datetime
            self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE)
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return times.in_range(moment).isoformat()
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def read_back(self, text: str) -> datetime.datetime:
        return datetime.datetime.fromisoformat(text)


class Day(Wire, fields.Date):
    """A calendar date in 1970-2199, loaded as its ISO text; answered as `YYYY-MM-DD` from a
    date (a service's row) or from the text a service already answered (the gateway passing
    it on)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(  # type: ignore[override]  # its wire text, not a date
            self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not times.day_in_range(day):
            raise ValidationError(times.OUT_OF_RANGE)
        return day.isoformat()

    def read_back(self, text: str) -> datetime.date:
        return datetime.date.fromisoformat(text)


class ClockTime(Wire, Text):
    """A time of day without an offset, HH:MM or HH:MM:SS, loaded as that text."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=8, min_length=5, validate=[validate.Regexp(
            r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", error="HH:MM, in time_zone.")],
            **kwargs)

    def read_back(self, text: str) -> datetime.time:
        return datetime.time.fromisoformat(text)


def read_back(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """`data`, loaded by `schema`, with each `Wire` field's text read back (nested too)."""
    for name, field in schema.fields.items():
        key = field.attribute or name
        value = data.get(key)
        if value is None:
            continue
        if isinstance(field, Wire):
            data[key] = field.read_back(value)
        elif isinstance(field, fields.Nested):
            read_back(field.schema, value)
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
            for item in value:
                read_back(field.inner.schema, item)
    return data


class ReadsBack(Schema):
    """A service's side of a body the gateway checks with the same schema: the wire text
    of its times and dates read back into Python values."""

    @post_load
    def values(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return read_back(self, data)
