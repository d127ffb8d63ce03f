"""Every string of the web pages has its Welsh, and Welsh is written the Welsh way (Babel's
CLDR data: dates, money, six plural forms). No browser, no broker."""
import datetime
import os

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from gateway.web import i18n
from gateway.web.rendering import ENVIRONMENTS, render

WEB = os.path.dirname(i18n.__file__)
ROOT = os.path.dirname(os.path.dirname(WEB))


def source_strings():
    """What `pybabel extract -F gateway/web/babel.cfg -k N_` finds now, from the sources."""
    with open(os.path.join(WEB, "babel.cfg")) as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords):
        if filename.startswith(("gateway/web/", "gateway" + os.sep + "web",
                                "services/notifications/",
                                os.path.join("services", "notifications", ""))):
            found[message if isinstance(message, str) else tuple(message)] = \
                "{}:{}".format(filename, lineno)
    return found


def test_every_string_of_the_pages_has_a_welsh_translation():
    catalogue = i18n.read_catalogue("cy")
    strings = source_strings()
    # the extraction really looked at the templates and at the code
    assert {"Sign in", "Check this answer."} <= set(strings)
    untranslated = []
    for message, where in strings.items():
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalogue.get(msgid)
        forms = entry and (entry.string if isinstance(entry.string, tuple)
                           else (entry.string,))
        if entry is None or entry.fuzzy or not forms or not all(forms):
            untranslated.append("{} ({})".format(msgid, where))
    assert not untranslated, "no Welsh for:\n" + "\n".join(sorted(untranslated))


def test_welsh_catalogue_has_six_plural_forms_and_consistent_placeholders():
    catalogue = i18n.read_catalogue("cy")
    assert catalogue.num_plurals == 6
    problems = [(message.id, errors) for message, errors in catalogue.check()]
    assert not problems, problems
    for message in catalogue:
        if isinstance(message.id, tuple) and message.string and any(message.string):
            assert len(message.string) == 6, message.id


def test_welsh_plural_forms_are_chosen_by_number():
    welsh = i18n.Formatter("cy")
    forms = {n: welsh.ngettext("%(num)d entry", "%(num)d entries", n) for n in (1, 2, 3, 7)}
    assert forms[1] == "1 cofnod"
    assert forms[2] == "2 gofnod"  # soft mutation after "dau"
    assert forms[3] == "3 chofnod"  # aspirate mutation after "tri"
    assert forms[7] == "7 cofnod"


def test_welsh_dates_and_money():
    welsh, english = i18n.Formatter("cy"), i18n.Formatter("en")
    saturday = datetime.datetime(2027, 3, 6, 10, 0, tzinfo=datetime.timezone.utc)
    assert welsh.when(saturday) == "Dydd Sadwrn 6 Mawrth 2027, 10:00"
    assert english.when(saturday) == "Saturday 6 March 2027, 10:00"
    summer = datetime.datetime(2027, 7, 3, 9, 0, tzinfo=datetime.timezone.utc)
    assert welsh.time(summer) == "10:00"  # shown in UK time (BST)
    assert welsh.money(123450) == "£1,234.50"
    assert welsh.label({"x": "Confirmed"}, "x") == "Wedi'i chadarnhau"


def test_a_page_renders_in_welsh_with_its_language_marked():
    html = render("cy", "error.html", title="Page not found", message="Page not found",
                  user=None, csrf_token="t", csrf_field="csrf_token", current_path="/x",
                  flash=None, errors={}, values={})
    assert '<html lang="cy"' in html
    assert "Neidio i&#39;r prif gynnwys" in html or "Neidio i'r prif gynnwys" in html
    assert "Heb ddod o hyd i&#39;r dudalen" in html or "Heb ddod o hyd i'r dudalen" in html
    assert 'lang="en"' in html and ">English</button>" in html  # the switch, in its own tongue


def test_an_overnight_break_names_the_day_it_ends():
    welsh, english = i18n.Formatter("cy"), i18n.Formatter("en")
    start = datetime.datetime(2027, 3, 5, 15, 0, tzinfo=datetime.timezone.utc)
    assert english.span(start, start + datetime.timedelta(hours=2)) == \
        "Friday 5 March 2027, 15:00 – 17:00"
    next_morning = start + datetime.timedelta(hours=20)
    assert english.span(start, next_morning) == \
        "Friday 5 March 2027, 15:00 – Saturday 6 March 2027, 11:00"
    assert welsh.span(start.isoformat(), next_morning.isoformat()) == \
        "Dydd Gwener 5 Mawrth 2027, 15:00 – Dydd Sadwrn 6 Mawrth 2027, 11:00"
    # a break ending at 00:30 UK time in summer ends on the next day there, not in UTC
    summer = datetime.datetime(2027, 7, 2, 20, 0, tzinfo=datetime.timezone.utc)
    assert english.span(summer, summer + datetime.timedelta(hours=3, minutes=30)) == \
        "Friday 2 July 2027, 21:00 – Saturday 3 July 2027, 00:30"


def test_offer_cards_show_an_overnight_slots_end_date():
    offer = {"id": "o1", "title": "Farm stay", "category": "overnight_stay", "region": "powys",
             "price_pence": 5000, "slots": [{
                 "id": "s1", "start": "2027-03-05T15:00:00+00:00",
                 "end": "2027-03-06T11:00:00+00:00", "remaining": 2}]}
    html = ENVIRONMENTS["en"].from_string(
        '{% import "macros.html" as m %}{% include "breaks/_offer_card.html" %}').render(
        offer=offer, user={"role": "family"})
    assert "Friday 5 March 2027, 15:00 – Saturday 6 March 2027, 11:00:" in html


@pytest.mark.parametrize("language", ["en", "cy"])
def test_each_catalogue_reads_without_a_malformed_entry(language):
    """The gateway reads them strictly (a msgid without its msgstr stops it), so a merge
    that breaks one fails here, not on the pages."""
    assert len(i18n.read_catalogue(language)) > 400
