"""From what a person typed to what the API takes, and from the API's complaints back to words
beside the right field.

The pages do not validate on their own: they convert (pounds to pence, a date in three boxes
to an ISO time) and hand the body to the gateway's schemas and the services' rules. Whatever
those refuse comes back as `FormErrors`, keyed by the form's fields, each with one message a
person understands.
"""
import datetime
import re
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError

from seibiant_common import times

from .i18n import N_, local_moment
from .sessions import CSRF_FIELD

MISSING_MARKERS = ("Missing data for required field", "Field may not be null",
                   "Shorter than minimum length 1")
TIME = re.compile(r"^\s*([01]?[0-9]|2[0-3])[:.]([0-5][0-9])\s*$")
MONEY = re.compile(r"^\s*£?\s*([0-9]{1,9})(\.[0-9]{1,2})?\s*$")
# The years are those of seibiant_common.times (a test holds them together).
OUT_OF_SPAN = N_("Enter a date from 1970 to 2199")


class FormErrors(Exception):
    """`errors`: {form field: message (English, marked for translation)}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class Messages:
    """A form's words for a missing and for a wrong answer, per field, and which form field
    each API field (a dotted path, `slots.0.start`) belongs to."""

    def __init__(self, fields, api_fields=None, fallback=N_("Check this answer.")):
        self.fields = fields  # {form field: (when missing, when wrong)}
        self.api_fields = api_fields or {}
        self.fallback = fallback

    def missing(self, field):
        return self.fields.get(field, (self.fallback,) * 2)[0]

    def wrong(self, field):
        return self.fields.get(field, (self.fallback,) * 2)[1]

    def ordered(self, errors):
        """The errors in the order of the form's fields (the error summary follows it)."""
        order = list(self.fields)
        return FormErrors(dict(sorted(errors.items(), key=lambda item: order.index(item[0])
                                      if item[0] in order else len(order))))

    def explain(self, api_errors, sent=None):
        """FormErrors for the `errors` of a problem document or a marshmallow error; `sent`,
        the body that was refused, tells an empty answer from a wrong one."""
        explained = {}
        for path, problems in flatten(api_errors):
            field = self.api_fields.get(path) or self.api_fields.get(path.split(".")[0]) \
                or path.split(".")[0]
            if field not in self.fields:
                field = next(iter(self.fields)) if field == "_schema" and self.fields else field
            empty = isinstance(sent, dict) and path in sent and sent[path] in ("", None, [])
            missing = empty or any(marker in str(problem) for problem in problems
                                   for marker in MISSING_MARKERS)
            message = self.missing(field) if missing else self.wrong(field)
            explained.setdefault(field, message)
        return self.ordered(explained)


def flatten(errors, prefix=""):
    """[(dotted path, [messages])] of marshmallow's nested error dicts."""
    if isinstance(errors, dict):
        pairs = []
        for key, value in errors.items():
            pairs.extend(flatten(value, "{}{}".format(prefix + "." if prefix else "", key)))
        return pairs
    if isinstance(errors, (list, tuple)) and all(isinstance(item, str) for item in errors):
        return [(prefix, list(errors))]
    if isinstance(errors, (list, tuple)):
        return [pair for item in errors for pair in flatten(item, prefix)]
    return [(prefix, [str(errors)])]


class Reader:
    """Reads a submitted form field by field, collecting what cannot be converted."""

    def __init__(self, form, messages):
        self.form = form
        self.messages = messages
        self.errors = {}

    def text(self, name):
        return (self.form.get(name) or "").strip()

    def choices(self, name):
        return [value for value in self.form.getlist(name) if value]

    def _given(self, name, required):
        """What was typed into `name`, or None when nothing was (missing, if it is required)."""
        value = self.text(name)
        if not value and required:
            self._fail(name, missing=True)
        return value or None

    def _fail(self, name, missing=False):
        self.errors.setdefault(
            name, self.messages.missing(name) if missing else self.messages.wrong(name))

    def pence(self, name, required=True):
        """Pounds and pence as typed (`12`, `12.5`, `£12.50`) in pence."""
        value = self._given(name, required)
        if value is None:
            return None
        match = MONEY.match(value)
        if not match:
            self._fail(name)
            return None
        try:
            return int((Decimal(value.replace("£", "").strip()) * 100).to_integral_exact())
        except InvalidOperation:
            self._fail(name)
            return None

    def whole_number(self, name, required=True):
        value = self._given(name, required)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]{1,6}", value):
            self._fail(name)
            return None
        return int(value)

    def date(self, name, required=True):
        """A date typed in GOV.UK's three boxes: `<name>-day`, `<name>-month`, `<name>-year`."""
        parts = [self.text("{}-{}".format(name, part)) for part in ("day", "month", "year")]
        if not any(parts):
            if required:
                self._fail(name, missing=True)
            return None
        try:
            day, month, year = (int(part) for part in parts)
            if year < 1000:
                raise ValueError(year)
            value = datetime.date(year, month, day)
        except ValueError:
            self._fail(name)
            return None
        if not times.day_in_range(value):
            self.errors.setdefault(name, OUT_OF_SPAN)
            return None
        return value

    def time(self, name, required=True):
        value = self._given(name, required)
        if value is None:
            return None
        match = TIME.match(value)
        if not match:
            self._fail(name)
            return None
        return datetime.time(int(match.group(1)), int(match.group(2)))

    def check(self):
        if self.errors:
            raise FormErrors(self.errors)


def moment(day, clock):
    """ISO time in UTC of a UK date and time of day."""
    return local_moment(day, clock).isoformat()


class FormPages:
    """A mixin of `pages.Pages`: a form checked whole before it is sent, and shown again."""

    def check_form(self, entrypoint, body, reader):
        """Everything wrong with a form at once: what could not be converted (`reader`), and
        what the operation's schema refuses in the rest, before anything is sent."""
        found = {}
        try:
            entrypoint.operation.body.load(body)
        except ValidationError as invalid:
            found = reader.messages.explain(invalid.normalized_messages(), body).errors
        found = dict(found, **reader.errors)
        if found:
            raise reader.messages.ordered(found)

    def _form_page(self, ctx, template, form_errors, status=422, **context):
        """The same form again, with what was typed and why it was refused."""
        list_fields = context.pop("list_fields", ())  # checkboxes: every value ticked
        form = ctx.request.form
        values = {key: form.getlist(key) if key in list_fields or len(form.getlist(key)) > 1
                  else form.get(key) for key in form if key != CSRF_FIELD}
        return ctx.render(template, status=status, errors=form_errors.errors, values=values,
                          **context)
