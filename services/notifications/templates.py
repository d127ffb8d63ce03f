"""The words of each message (`templates/<name>.txt`) in the recipient's language, through the
gateway's Babel catalogues (gateway/web/translations: one place for every Welsh string of the
system, kept complete by tests/web/test_translations.py), as a plain-text part and an HTML
part in GOV.UK Notify's plain style.

A template has two blocks: `subject`, and `body` (paragraphs between blank lines; a
paragraph of `* ` lines is a list, a line that is an address is a link)."""
import dataclasses
import os
import re

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gateway.web import labels
from gateway.web.i18n import LANGUAGES, TRANSLATIONS, Formatter
from gateway.web.rendering import booking_reference

from . import domain

TEMPLATES_DIR = os.path.join(os.path.dirname(__file__), "templates")


def _environment(language):
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), undefined=StrictUndefined,
        autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"],
        # a tag's line is left empty, not joined to the next: paragraphs are blank lines
        lstrip_blocks=True)
    environment.install_gettext_translations(TRANSLATIONS[language], newstyle=True)
    return environment


ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str

    @property
    def text_message(self):
        """A text message says what happened and where to read more: the subject and the
        body's first link."""
        link = next((line for line in self.body.splitlines()
                     if line.startswith(("http://", "https://"))), None)
        return "{}\n{}".format(self.subject, link) if link else self.subject


def render(template, language, facts, base_url):
    """The message `template` says of `facts` (what application.facts gathers), in
    `language`."""
    environment = ENVIRONMENTS[language]
    source = environment.get_template(template + ".txt")
    context = source.new_context({"b": words(language, facts, base_url)})
    subject = " ".join("".join(source.blocks["subject"](context)).split())
    body = tidy("".join(source.blocks["body"](context)))
    html = environment.get_template("_email.html").render(
        language=language, subject=subject, parts=parts(body))
    return Rendered(subject, body, html)


def words(language, facts, base_url):
    """The facts as the person reads them in `language`."""
    fmt = Formatter(language)
    booking_id = facts.get("booking_id")
    title = (facts.get("title_cy") if language == "cy" else None) or facts.get("title")
    region = (facts.get("region") or "").replace("-", " ").title()
    # booking_requested names the break's times as budgets reads them
    start = facts.get("slot_start") or facts.get("break_start")
    end = facts.get("slot_end") or facts.get("break_end")
    contact = ", ".join(value for value in (facts.get("contact_email"),
                                             facts.get("contact_phone")) if value)
    return {
        "reference": booking_reference(booking_id) if booking_id else "",
        "offer": title or fmt.label(labels.CATEGORIES, facts.get("category")) or "",
        "category": fmt.label(labels.CATEGORIES, facts.get("category")) or "",
        "when": fmt.span(start, end) if start and end else "",
        "where": ", ".join(part for part in (facts.get("provider_name"), region) if part),
        "provider": facts.get("provider_name") or "",
        "contact": contact or fmt.gettext("on the booking page"),
        "places": facts.get("places") or 1,
        "amount": fmt.money(facts.get("amount_pence")),
        "deadline": fmt.when(facts.get("approval_deadline")),
        "answer_by": fmt.when(facts.get("offer_expires_at")),  # a waiting list's offer
        "places_taken": facts.get("reason") == "sold_out",
        "reasons": [fmt.label(labels.APPROVAL_REASONS, reason)
                    for reason in facts.get("reasons") or ()],
        "reason": fmt.label(labels.BOOKING_REASONS, facts.get("reason")) or "",
        "officer_reason": facts.get("officer_reason") or "",
        "family": facts.get("family_name") or "",
        "cancelled_by": facts.get("cancelled_by"),
        "link": "{}/bookings/{}".format(base_url, booking_id),
        "approvals_link": "{}/officer/approvals".format(base_url),
        "search_link": "{}/breaks".format(base_url),
        "outcome": facts.get("outcome"),
        "ballot_link": "{}/breaks/{}/slots/{}/ballot".format(
            base_url, facts.get("offer_id"), facts.get("slot_id")),
        **swap_words(fmt, facts, base_url),
    }


def swap_words(fmt, facts, base_url):
    """A home swap's stays as its recipient reads them (`recipient_id`: theirs first) and
    where to read the swap; nothing of the other family (no name before agreement, no
    address, no message text: those are on the swap's page)."""
    if not facts.get("swap_id"):
        return {}
    found = {"swap_link": "{}/swaps/{}".format(base_url, facts["swap_id"])}
    if facts.get("proposer_stay_start"):  # a step's (a message's event has no stays)
        stay, hosting = domain.stays_of(facts["recipient_id"], facts)
        found.update(stay=_days(fmt, stay), hosting=_days(fmt, hosting))
    return found


def _days(fmt, span):
    return {"start": format_date(span[0], "EEEE d MMMM y", locale=fmt.locale),
            "end": format_date(span[1], "EEEE d MMMM y", locale=fmt.locale)}


def tidy(text):
    lines = [line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def parts(body):
    """The body's paragraphs for the HTML part: `list`, `link` or `text`, each with its
    lines."""
    found = []
    for paragraph in body.split("\n\n"):
        lines = paragraph.splitlines()
        if all(line.startswith("* ") for line in lines):
            found.append({"kind": "list", "lines": [line[2:] for line in lines]})
        elif any(line.startswith(("http://", "https://")) for line in lines):
            found.append({"kind": "link", "lines": lines})
        else:
            found.append({"kind": "text", "lines": lines})
    return found
