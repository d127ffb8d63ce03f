"""English and Welsh: gettext catalogues, and dates, numbers and money through Babel's CLDR data.

The `.po` files under `translations/` are the source of truth; they are compiled in memory when
the module is imported, so there are no `.mo` files to build, commit or let go stale.
Refresh the catalogues after changing a string (from the repository root):

    .venv/bin/pybabel extract -F gateway/web/babel.cfg -k N_ --no-location --sort-output \
        --project Seibiant -o gateway/web/translations/messages.pot .
    .venv/bin/pybabel update -i gateway/web/translations/messages.pot \
        -d gateway/web/translations --no-fuzzy-matching --ignore-obsolete

then translate the new `msgstr`s of `cy` (tests/web/test_translations.py fails until every
string has its Welsh).
"""
import datetime
import io
import os
import zoneinfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

TRANSLATIONS_DIR = os.path.join(os.path.dirname(__file__), "translations")
LANGUAGES = ("en", "cy")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}  # each in its own language, never translated
LOCALES = {"en": Locale.parse("en_GB"), "cy": Locale.parse("cy_GB")}
TIMEZONE = "Europe/London"  # people read and enter UK times; the API speaks UTC
ZONE = zoneinfo.ZoneInfo(TIMEZONE)


def read_catalogue(language):
    with open(os.path.join(TRANSLATIONS_DIR, language, "LC_MESSAGES", "messages.po"),
              "rb") as po:
        # a malformed entry (say, a msgid left without its msgstr by a merge) stops the
        # gateway rather than dropping words from the pages
        return read_po(po, locale=language, abort_invalid=True)


def _compile(language):
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogue(language))
    buffer.seek(0)
    return Translations(buffer)


TRANSLATIONS = {language: _compile(language) for language in LANGUAGES}


def best_language(accept_languages):
    """From an Accept-Language header (werkzeug's LanguageAccept)."""
    return accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


class Formatter:
    """Money, numbers and times in one language."""

    def __init__(self, language):
        self.language = language
        self.locale = LOCALES[language]
        self.translations = TRANSLATIONS[language]

    def gettext(self, message, **values):
        text = self.translations.ugettext(message)
        return text % values if values else text

    def ngettext(self, singular, plural, n, **values):
        return self.translations.ungettext(singular, plural, n) % dict(values, num=n)

    def money(self, pence):
        if pence is None:
            return ""
        return format_currency(pence / 100, "GBP", locale=self.locale)

    def number(self, value):
        return format_decimal(value, locale=self.locale)

    def when(self, value):
        """A moment (ISO string or datetime) as a person reads it, in UK time."""
        moment = as_datetime(value)
        if moment is None:
            return ""
        return format_datetime(moment, "EEEE d MMMM y, HH:mm", tzinfo=TIMEZONE,
                               locale=self.locale)

    def day(self, value):
        moment = as_datetime(value)
        if moment is None:
            return ""
        return format_date(moment.astimezone(ZONE), "d MMMM y", locale=self.locale)

    def calendar_day(self, value):
        """A day of the calendar (an ISO date, as a home's dates are): no time, no zone."""
        if value in (None, ""):
            return ""
        day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
        return format_date(day, "EEEE d MMMM y", locale=self.locale)

    def time(self, value):
        moment = as_datetime(value)
        return format_datetime(moment, "HH:mm", tzinfo=TIMEZONE, locale=self.locale) \
            if moment else ""

    def span(self, start, end):
        """From `start` to `end`, naming the end's day only when it is another day (an
        overnight break)."""
        first, last = as_datetime(start), as_datetime(end)
        if first is None or last is None:
            return self.when(start)
        same_day = first.astimezone(ZONE).date() == last.astimezone(ZONE).date()
        return "{} – {}".format(self.when(first), self.time(last) if same_day
                                else self.when(last))

    def label(self, vocabulary, value):
        """The words for a value of one of the public vocabularies (labels.py)."""
        words = vocabulary.get(value)
        return self.gettext(words) if words else value


def as_datetime(value):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(value)


def local_moment(day, clock):
    """A UK date and time of day (what a person enters) as an aware UTC datetime."""
    return datetime.datetime.combine(day, clock, tzinfo=ZONE).astimezone(datetime.timezone.utc)


def N_(message):
    """Marks a string for extraction; it is translated where it is shown."""
    return message

