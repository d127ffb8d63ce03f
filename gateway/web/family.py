"""Families' pages: their home, budget statements, searching for breaks and booking one."""
import datetime
import uuid

from werkzeug.wrappers import Response

from seibiant_common import errors as service_errors
from seibiant_common import times
from seibiant_common.contracts.budgets import approval_reasons
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES

from .. import errors
from ..api import get_booking, get_gifted_allowance, get_offer, get_provider, get_statement, \
    get_user, request_booking, search_offers
from . import statements
from .forms import FormErrors, Messages, Reader, moment
from .i18n import N_, ZONE, local_moment
from .pages import FAMILY, OFFICER, PROVIDER, Pages, Redirect, page

MIDNIGHT = datetime.time(0, 0)


class FamilyPages(Pages):
    """A family's pages (statements for their officers too; an offer for anyone signed in),
    mixed into GatewayService."""

    @page("GET", "/family", roles=FAMILY)
    def web_family_home(self, ctx):
        return ctx.render("family/home.html", budgets=self._budgets(ctx),
                          bookings=self._bookings(ctx),
                          gifts=self.operation(ctx, get_gifted_allowance, query={}))

    @page("GET", "/budgets/<budget_id>/statement", roles=FAMILY + OFFICER)
    def web_statement(self, ctx, budget_id):
        statement, family, lines = self._statement(ctx, budget_id)
        return ctx.render("statement.html", statement=statement, family=family, lines=lines,
                          signed=lambda pence: statements.signed(ctx.fmt, pence))

    @page("GET", "/budgets/<budget_id>/statement.csv", roles=FAMILY + OFFICER)
    def web_statement_csv(self, ctx, budget_id):
        """In the page's language (the API's CSV is the audit's, budgets' own)."""
        _statement, _family, lines = self._statement(ctx, budget_id)
        return Response(statements.statement_csv(ctx.fmt, lines), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename='
                                 '"statement-{}-{}.csv"'.format(budget_id, ctx.language)})

    def _statement(self, ctx, budget_id):
        """The statement, its family, and its entries with the bookings they are for."""
        statement = self.operation(ctx, get_statement, query={}, budget_id=budget_id)
        family = self.operation(ctx, get_user, user_id=statement["budget"]["family_id"])
        bookings, offers = {}, {}
        for entry in statement["entries"]:
            booking_id = entry.get("booking_id")
            if booking_id and booking_id not in bookings:
                try:
                    bookings[booking_id] = self.operation(ctx, get_booking,
                                                          booking_id=booking_id)
                except (errors.Problem, service_errors.NotFound):
                    bookings[booking_id] = None  # named by the kind of entry alone
                self._offer(ctx, (bookings[booking_id] or {}).get("offer_id"), offers)
        return statement, family, statements.lines(statement, bookings, offers,
                                                   family["display_name"])

    SEARCH = Messages({
        "region": (N_("Choose a council area"), N_("Choose a council area from the list")),
        "from": (N_("Enter a real date"), N_("Enter a real date")),
        "to": (N_("Enter a real date"), N_("Enter a real date, after the first date")),
        "q": (N_("Enter words to look for"), N_("Enter words to look for")),
    }, api_fields={"from": "from", "to": "to", "window": "to"})

    PAST_END = N_("This date is in the past: enter today or a later date")

    @page("GET", "/breaks", roles=FAMILY)
    def web_search(self, ctx):
        args = ctx.request.args
        budgets = [budget for budget in self._budgets(ctx) if budget.get("status") == "active"]
        context = dict(budgets=budgets, values=args.to_dict(flat=False) if args else {},
                       searched=bool(args), results=[],
                       vocab=dict(categories=CATEGORIES, accessibility=ACCESSIBILITY_FEATURES,
                                  needs=CARE_NEEDS))
        if not args:
            return ctx.render("breaks/search.html", **context)
        reader = Reader(args, self.SEARCH)
        query = {}
        if reader.text("region"):
            query["region"] = reader.text("region")
        if reader.text("category") in CATEGORIES:
            query["category"] = reader.text("category")
        if reader.text("q"):
            query["q"] = reader.text("q")
        for name in ("accessibility", "needs"):
            if reader.choices(name):
                query[name] = reader.choices(name)
        start, end = reader.date("from", required=False), reader.date("to", required=False)
        if end and end < datetime.datetime.now(ZONE).date():
            # (a start in the past is no error: the search is from now on anyway)
            reader.errors.setdefault("to", self.PAST_END)
        try:
            reader.check()
            if start:  # nothing is earlier than the span, so from its first day is from it
                query["from"] = max(local_moment(start, MIDNIGHT), times.EARLIEST).isoformat()
            if end and end < times.LAST_DAY:  # to the span's last day is to its end: no bound
                query["to"] = moment(end + datetime.timedelta(days=1), MIDNIGHT)
            if reader.text("affordable") and budgets:
                query["max_price_pence"] = str(max(b["available_pence"] for b in budgets))
            results = self.operation(ctx, search_offers, query=dict(query, limit="50"),
                                     messages=self.SEARCH)["items"]
        except FormErrors as invalid:
            return ctx.render("breaks/search.html", status=422, errors=invalid.errors,
                              **context)
        context["results"] = results
        return ctx.render("breaks/search.html", **context)

    @page("GET", "/breaks/<offer_id>", roles=FAMILY + PROVIDER + OFFICER)
    def web_offer(self, ctx, offer_id):
        offer = self.operation(ctx, get_offer, offer_id=offer_id)
        provider = self.operation(ctx, get_provider, provider_id=offer["provider_id"])
        return ctx.render("breaks/offer.html", offer=offer, provider=provider)

    BOOK = Messages({
        "places": (N_("Enter how many places you need"),
                   N_("Enter how many places you need, as a whole number from 1")),
        "budget_id": (N_("Choose the budget to pay from"),
                      N_("Choose the budget to pay from")),
    }, api_fields={"slot_id": "places"})
    TOO_MANY_PLACES = N_("Enter no more places than are left")

    def _slot_of(self, ctx, offer_id, slot_id):
        offer = self.operation(ctx, get_offer, offer_id=offer_id)
        slot = next((slot for slot in offer.get("slots", []) if slot["id"] == slot_id), None)
        if slot is None:
            raise errors.not_found()
        return offer, slot

    @page("GET", "/breaks/<offer_id>/slots/<slot_id>/book", roles=FAMILY)
    def web_book_form(self, ctx, offer_id, slot_id):
        """The form; `?places=&budget_id=&idempotency_key=` from "Change" on the check."""
        offer, slot = self._slot_of(ctx, offer_id, slot_id)
        budgets = [b for b in self._budgets(ctx) if b.get("status") == "active"]
        args = ctx.request.args
        return ctx.render("breaks/book.html", offer=offer, slot=slot, budgets=budgets,
                          idempotency_key=args.get("idempotency_key") or uuid.uuid4().hex,
                          values={"places": args.get("places") or "1",
                                  "budget_id": args.get("budget_id") or (
                                      budgets[0]["id"] if len(budgets) == 1 else None)})

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/book", roles=FAMILY)
    def web_book(self, ctx, offer_id, slot_id):
        """The form's answers are checked, then shown to check (what it costs, whether the
        council must approve it and why); booked only once they are confirmed."""
        offer, slot = self._slot_of(ctx, offer_id, slot_id)
        budgets = [b for b in self._budgets(ctx) if b.get("status") == "active"]
        reader = Reader(ctx.request.form, self.BOOK)
        key = reader.text("idempotency_key") or uuid.uuid4().hex
        try:
            places = reader.whole_number("places")
            if places is not None and places > slot["remaining"]:
                reader.errors["places"] = self.TOO_MANY_PLACES
            budget_id = reader.text("budget_id") or None
            budget = next((b for b in budgets if b["id"] == budget_id), None)
            if offer.get("price_pence") and budget is None:
                reader.errors["budget_id"] = self.BOOK.missing("budget_id")
            reader.check()
            if not reader.text("confirmed"):
                total = offer["price_pence"] * places
                return ctx.render(
                    "breaks/check.html", offer=offer, slot=slot, budget=budget,
                    places=places, total_pence=total, idempotency_key=key,
                    approval_reasons=approval_reasons(
                        budget["allowed_categories"], budget["auto_approve_limit_pence"],
                        offer["category"], total) if budget else ())
            booking = self.operation(
                ctx, request_booking, idempotency_key=key, messages=self.BOOK,
                body={"slot_id": slot_id, "places": places, "budget_id": budget_id})
        except FormErrors as invalid:
            return self._form_page(ctx, "breaks/book.html", invalid, offer=offer, slot=slot,
                                   budgets=budgets, idempotency_key=key)
        raise Redirect("/bookings/{}".format(booking["id"]))
