"""A budget's statement as a family or an officer reads it, on the page and in its CSV.

The ledger (budgets) names a break only by its booking's id, and its reasons are English
text for the council's audit. The page words each entry in the reader's language from what
the gateway can read through the services' API: the entry's kind, its booking (the offer's
title, the provider, when, and how the booking ended: the release of a hold is the end of its
booking) and the family's name. An officer's own words (a top-up's or an adjustment's reason,
a decline's) are shown as they were typed.
"""
from decimal import Decimal

from seibiant_common.spreadsheets import csv_text, text_cell

from . import labels
from .i18n import N_, as_datetime

# A booking's `cancelled_by` when the provider withdrew its time
WITHDRAWN_BY = "system"
ENDINGS = {  # how a booking ended, for the release of its hold
    "expired": N_("No one decided in time, so the booking expired."),
    "completed": N_("The break cost less than was held."),
}
OFFICERS_WORDS = frozenset({"top_up", "adjustment"})  # their reason is the officer's words
MINUS = "\u2212"  # a minus sign, not a hyphen, on the page


class Line:
    """One entry of the statement, with what it was for."""

    def __init__(self, entry, change, booking, offer, family_name):
        self.entry, self.change, self.booking, self.offer = entry, change, booking, offer
        self.family_name = family_name

    def title(self, language):
        if self.offer is None:
            return None
        return (self.offer.get("title_cy") if language == "cy" else None) or \
            self.offer["title"]

    def notes(self, fmt):
        """What happened, in the reader's language, then any officer's words (as typed)."""
        entry, booking = self.entry, self.booking
        if entry["kind"] in OFFICERS_WORDS:
            return [], entry.get("reason")
        if entry["kind"] != "hold_release" or booking is None:
            return [], None
        status = booking["status"]
        if status == "cancelled":
            return [self._cancelled(fmt)], None
        if status == "rejected":
            return [fmt.label(labels.BOOKING_REASONS, booking.get("reason"))], \
                booking.get("decline_reason")
        if status in ENDINGS:
            return [fmt.gettext(ENDINGS[status])], None
        return [], None

    def _cancelled(self, fmt):
        by = self.booking.get("cancelled_by")
        if by == WITHDRAWN_BY:
            return fmt.gettext(N_("Cancelled: the provider withdrew the time."))
        name = self.family_name if by == "family" else (self.offer or {}).get("provider_name")
        return fmt.gettext(N_("Cancelled by %(name)s."), name=name) if name else \
            fmt.gettext(N_("Cancelled."))


def lines(statement, bookings, offers, family_name):
    """The statement's entries, each with its change to the money available (signed pence:
    a capture changes none, it spends what was held)."""
    available, result = 0, []
    for entry in statement["entries"]:
        after = entry["balance"]["available_pence"]
        booking = bookings.get(entry.get("booking_id"))
        offer = offers.get(booking.get("offer_id")) if booking else None
        result.append(Line(entry, after - available, booking, offer, family_name))
        available = after
    return result


def signed(fmt, pence):
    """An amount with its sign as it is seen (+£10.00, −£10.00)."""
    if pence > 0:
        return "+" + fmt.money(pence)
    if pence < 0:
        return MINUS + fmt.money(-pence)
    return fmt.money(0)


def _pounds(pence):
    """Pounds as a spreadsheet reads a number: a point, two decimals, a hyphen for minus."""
    return str((Decimal(pence) / 100).quantize(Decimal("0.01")))


CSV_HEADER = (N_("Date"), N_("What"), N_("Break"), N_("Provider"), N_("Date of the break"),
              N_("Details"), N_("Officer's words"), N_("Change to available (£)"),
              N_("Available after (£)"), N_("Time (ISO 8601, UTC)"), N_("Kind (code)"),
              N_("Amount (pence)"), N_("Change to available (pence)"),
              N_("Allocated after (pence)"), N_("Held after (pence)"), N_("Spent after (pence)"),
              N_("Available after (pence)"), N_("Entry id"), N_("Booking id"))


def statement_csv(fmt, statement_lines):
    """The statement in the reader's language: readable columns first, then the ledger's
    own (ISO time, codes, pence, ids) for a program."""
    rows = []
    for line in statement_lines:
        entry, balance = line.entry, line.entry["balance"]
        notes, words = line.notes(fmt)
        booking = line.booking or {}
        rows.append([
            text_cell(fmt.when(entry["created_at"])),
            text_cell(fmt.label(labels.LEDGER_KINDS, entry["kind"])),
            text_cell(line.title(fmt.language)),
            text_cell((line.offer or {}).get("provider_name")),
            text_cell(fmt.span(booking.get("slot_start"), booking.get("slot_end"))
                      if booking.get("slot_start") else None),
            text_cell(" ".join(notes)), text_cell(words),
            _pounds(line.change), _pounds(balance["available_pence"]),
            as_datetime(entry["created_at"]).isoformat(), text_cell(entry["kind"]),
            entry["amount_pence"], line.change, balance["allocated_pence"], balance["held_pence"],
            balance["spent_pence"], balance["available_pence"], text_cell(entry["id"]),
            text_cell(entry.get("booking_id")),
        ])
    return csv_text([fmt.gettext(name) for name in CSV_HEADER], rows)
