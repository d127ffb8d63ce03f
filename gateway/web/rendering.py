"""Jinja2 environments, one per language, with GOV.UK Frontend's macros.

GOV.UK Frontend's Jinja port needs `ChainableUndefined` (its templates read `params.a.b` of
options nobody set) and autoescaping must be on: every value a person or a service typed is
escaped unless a template says otherwise.
"""
import datetime
import os

from jinja2 import (ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader,
                    PackageLoader, PrefixLoader, select_autoescape)

from seibiant_common.vocabularies import COUNCIL_AREAS

from . import labels
from .i18n import LANGUAGE_NAMES, LANGUAGES, N_, TRANSLATIONS, Formatter

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")
# How people reach the council's team (help, accessibility, privacy pages)
CONTACT = {"contact_email": "seibiant@example.org", "contact_phone": "01632 960 001"}
# When the accessibility statement was prepared and last reviewed
ACCESSIBILITY_STATEMENT_DATE = datetime.datetime(2026, 12, 2, 12, tzinfo=datetime.timezone.utc)


def make_environment(language):
    environment = Environment(
        loader=ChoiceLoader([
            FileSystemLoader(TEMPLATES_DIR),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]),
        undefined=ChainableUndefined,
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(TRANSLATIONS[language], newstyle=True)
    formatter = Formatter(language)
    environment.globals.update(
        fmt=formatter, labels=labels, language=language, languages=LANGUAGES,
        language_names=LANGUAGE_NAMES, statement_date=formatter.day(
            ACCESSIBILITY_STATEMENT_DATE), **CONTACT, field_error=_field_error(formatter),
        error_list=_error_list(formatter), choice_items=_choice_items(formatter),
        label_list=lambda vocabulary, values, separator=", ": separator.join(
            formatter.label(vocabulary, value) for value in values or ()),
        council_areas=_council_areas(formatter),
    )
    environment.filters.update(
        money=formatter.money, when=formatter.when, day=formatter.day, time=formatter.time,
        calendar_day=formatter.calendar_day,
        span=formatter.span, reference=booking_reference,
        number=formatter.number,
    )
    return environment


def booking_reference(booking_id):
    """What a person quotes for a booking: the first ten characters of its id, in two
    groups (the full id is in the booking's address)."""
    head = (booking_id or "")[:10].upper()
    return "{}-{}".format(head[:5], head[5:])


def _field_error(formatter):
    def field_error(errors, name):
        """GOV.UK's `errorMessage` option for a field, or None."""
        if name not in errors:
            return None
        return {"text": formatter.gettext(errors[name]),
                "visuallyHiddenText": formatter.gettext(N_("Error"))}
    return field_error


def _error_list(formatter):
    def error_list(errors, anchors=None):
        """GOV.UK's error summary list: each message links to its field."""
        anchors = anchors or {}
        return [{"text": formatter.gettext(message), "href": "#" + anchors.get(name, name)}
                for name, message in errors.items()]
    return error_list


def _council_areas(formatter):
    def council_areas(*more):
        """The council areas (and `more`: a council the list lacks, shown by its slug), in
        the order of their names in the page's language."""
        areas = dict.fromkeys(COUNCIL_AREAS + tuple(area for area in more if area))
        return sorted(areas, key=lambda area: formatter.label(labels.COUNCIL_AREAS, area))
    return council_areas


def _choice_items(formatter):
    def choice_items(vocabulary, values, chosen=None, checked_key="checked"):
        """Items of GOV.UK radios, checkboxes or a select for values of a vocabulary."""
        chosen = chosen if isinstance(chosen, (list, tuple)) else [chosen]
        return [{"value": value, "text": formatter.label(vocabulary, value),
                 checked_key: value in chosen} for value in values]
    return choice_items


ENVIRONMENTS = {language: make_environment(language) for language in LANGUAGES}


def render(language, template, **context):
    return ENVIRONMENTS[language].get_template(template).render(**context)
