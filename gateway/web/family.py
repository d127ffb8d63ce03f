"""Families' pages: their home, their profile (told once) and who read it, budget
statements, searching for breaks and booking one (sharing the profile, or not)."""
import datetime
import uuid

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from seibiant_common import errors as service_errors
from seibiant_common import times
from seibiant_common.contracts.budgets import approval_reasons
from seibiant_common.contracts.families import PERSON_SECTIONS, RELATIONSHIPS, SECTIONS
from seibiant_common.types import utcnow
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES

from .. import errors
from ..api import get_booking, get_gifted_allowance, get_my_profile, get_offer, get_provider, \
    get_statement, get_user, list_feedback_responses, list_profile_reads, \
    list_provider_ratings, put_my_profile, request_booking, search_offers
from . import statements
from .forms import FormErrors, Messages, Reader, flatten, moment
from .i18n import N_, ZONE, local_moment
from .pages import FAMILY, OFFICER, PROVIDER, Pages, Redirect, page

MIDNIGHT = datetime.time(0, 0)
STORIES = ("communication", "routines", "diet", "medication_notes", "mobility",
           "likes_and_triggers", "other")  # a person's free-text parts, in the form's order
TOO_LONG = N_("Enter no more than 2000 characters")
SHARE_CHOICES = ("none", "all", "chosen")


class FamilyPages(Pages):
    """A family's pages (statements for their officers too; an offer for anyone signed in),
    mixed into GatewayService."""

    @page("GET", "/family", roles=FAMILY)
    def web_family_home(self, ctx):
        responses = self.operation(ctx, list_feedback_responses, query={"limit": "5"})
        return ctx.render("family/home.html", budgets=self._budgets(ctx),
                          bookings=self._bookings(ctx), responses=responses["items"],
                          gifts=self.operation(ctx, get_gifted_allowance, query={}))

    # ---- the profile ---------------------------------------------------------------------

    @staticmethod
    def _profile_messages(rows):
        fields, api_fields = {}, {}
        for i in range(rows):
            person = "person-{}-".format(i)
            fields[person + "name"] = (N_("Enter a name"),
                                       N_("Enter a name of no more than 120 characters"))
            fields[person + "relationship"] = (N_("Choose who they are"),
                                               N_("Choose who they are"))
            fields[person + "dob"] = (N_("Enter a real date of birth"),
                                      N_("Enter a real date of birth"))
            fields[person + "needs"] = (N_("Choose needs from the list"),
                                        N_("Choose needs from the list"))
            for story in STORIES:
                fields[person + story] = (TOO_LONG, TOO_LONG)
            for name in ("name", "relationship", "needs") + STORIES:
                api_fields["people.{}.{}".format(i, name)] = person + name
            api_fields["people.{}.date_of_birth".format(i)] = person + "dob"
        fields.update({
            "contact-name": (N_("Enter a name"),
                             N_("Enter a name of no more than 120 characters")),
            "contact-phone": (N_("Enter a phone number"),
                              N_("Enter a phone number, like 01597 123456")),
            "contact-relationship": (N_("Enter who they are to you"),
                                     N_("Enter no more than 120 characters")),
        })
        for name in ("name", "phone", "relationship"):
            api_fields["emergency_contact." + name] = "contact-" + name
        return Messages(fields, api_fields=api_fields)

    def _profile_page(self, ctx, profile, status=200, **context):
        people = list(profile["people"]) + [{}]  # and a blank one, to add a person
        return ctx.render("family/profile.html", status=status, profile=profile,
                          people=people, relationships=RELATIONSHIPS, needs=CARE_NEEDS,
                          stories=STORIES, **context)

    @page("GET", "/profile", roles=FAMILY)
    def web_profile(self, ctx):
        """The family's profile as a form (GOV.UK's question pattern): told once, changed
        here whenever it changes."""
        return self._profile_page(ctx, self.operation(ctx, get_my_profile))

    @page("POST", "/profile", roles=FAMILY)
    def web_save_profile(self, ctx):
        form = ctx.request.form
        rows = min(int(form.get("rows") or 0), 21) if (form.get("rows") or "").isdigit() else 0
        messages = self._profile_messages(rows)
        reader = Reader(form, messages)
        people = []
        for i in range(rows):
            prefix = "person-{}-".format(i)
            person = {"id": reader.text(prefix + "id") or None,
                      "name": reader.text(prefix + "name") or None,
                      "relationship": reader.text(prefix + "relationship") or None,
                      "needs": reader.choices(prefix + "needs")}
            born = reader.date(prefix + "dob", required=False)
            person["date_of_birth"] = born.isoformat() if born else None
            for story in STORIES:
                person[story] = reader.text(prefix + story) or None
            told = any(value for key, value in person.items() if key != "id")
            if told and not reader.text(prefix + "remove"):
                people.append((i, person))
        contact = {name: reader.text("contact-" + name) or None
                   for name in ("name", "phone", "relationship")}
        body = {"people": [person for _, person in people],
                "emergency_contact": contact if any(contact.values()) else None,
                "language": reader.text("language") or None}
        # the API numbers the people it was sent; the form numbers its rows
        rows_of = {"people.{}.".format(n): "people.{}.".format(i)
                   for n, (i, _) in enumerate(people)}
        try:
            found = {}
            try:  # checked here first, to say which of the form's rows is wrong
                put_my_profile.operation.body.load(body)
            except ValidationError as invalid:
                found = messages.explain(_renumbered(invalid.normalized_messages(),
                                                     rows_of)).errors
            found.update(reader.errors)  # everything wrong with the form at once
            if found:
                raise messages.ordered(found)
            self.operation(ctx, put_my_profile, body=body, messages=messages)
        except FormErrors as invalid:
            return self._form_page(ctx, "family/profile.html", invalid,
                                   profile={"people": [], "language": body["language"]},
                                   people=[{}] * rows, relationships=RELATIONSHIPS,
                                   needs=CARE_NEEDS, stories=STORIES,
                                   list_fields=tuple("person-{}-needs".format(i)
                                                     for i in range(rows)))
        ctx.flash(N_("Your profile is saved."))
        raise Redirect("/profile")

    @page("GET", "/profile/reads", roles=FAMILY)
    def web_profile_reads(self, ctx):
        """Who read the family's profile, and when: nobody should wonder who knows what."""
        reads = self.operation(ctx, list_profile_reads, query={"limit": "200"})["items"]
        return ctx.render("family/reads.html", reads=reads)

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
            # the family's needs, as its profile tells them, ticked to start with: the
            # family may untick them
            context["values"] = {"needs": self.operation(ctx, get_my_profile)["needs"]}
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
        if end and end < utcnow().astimezone(ZONE).date():
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
        providers = sorted({offer["provider_id"] for offer in results})
        if providers:
            context["ratings"] = {rating["provider_id"]: rating for rating in self.operation(
                ctx, list_provider_ratings, query={"provider_id": providers})["items"]}
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

    SHARE = Messages({"share": (N_("Choose what to share with the provider"),
                                N_("Choose what to share with the provider")),
                      "share_people": (N_("Choose whom to tell the provider about"),
                                       N_("Choose whom to tell the provider about")),
                      "share_sections": (N_("Choose what to tell the provider"),
                                         N_("Choose what to tell the provider"))},
                     api_fields={"share_profile": "share"})

    def _share_context(self, ctx):
        return {"profile": self.operation(ctx, get_my_profile), "sections": SECTIONS,
                "person_sections": PERSON_SECTIONS}

    @page("GET", "/breaks/<offer_id>/slots/<slot_id>/book", roles=FAMILY)
    def web_book_form(self, ctx, offer_id, slot_id):
        """The form; `?places=&budget_id=&share=&idempotency_key=` from "Change" on the
        check."""
        offer, slot = self._slot_of(ctx, offer_id, slot_id)
        budgets = [b for b in self._budgets(ctx) if b.get("status") == "active"]
        args = ctx.request.args
        return ctx.render("breaks/book.html", offer=offer, slot=slot, budgets=budgets,
                          idempotency_key=args.get("idempotency_key") or uuid.uuid4().hex,
                          values={"places": args.get("places") or "1",
                                  "budget_id": args.get("budget_id") or (
                                      budgets[0]["id"] if len(budgets) == 1 else None),
                                  "share": args.get("share") or "none",
                                  "share_people": args.getlist("share_people"),
                                  "share_sections": args.getlist("share_sections")},
                          **self._share_context(ctx))

    def _read_share(self, reader):
        """`share_profile` of the booking form's choice: nothing (False), all of it (True),
        or the people and sections ticked."""
        choice = reader.text("share") or "none"
        if choice not in SHARE_CHOICES:
            reader.errors["share"] = self.SHARE.wrong("share")
            return False
        if choice != "chosen":
            return choice == "all"
        chosen = {"people": reader.choices("share_people"),
                  "sections": reader.choices("share_sections")}
        for name in ("people", "sections"):
            if not chosen[name]:
                reader.errors["share_" + name] = self.SHARE.missing("share_" + name)
        return chosen

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/book", roles=FAMILY)
    def web_book(self, ctx, offer_id, slot_id):
        """The form's answers are checked, then shown to check (what it costs, whether the
        council must approve it and why); booked only once they are confirmed."""
        offer, slot = self._slot_of(ctx, offer_id, slot_id)
        budgets = [b for b in self._budgets(ctx) if b.get("status") == "active"]
        reader = Reader(ctx.request.form, self.BOOK)
        share_reader = Reader(ctx.request.form, self.SHARE)
        key = reader.text("idempotency_key") or uuid.uuid4().hex
        try:
            places = reader.whole_number("places")
            if places is not None and places > slot["remaining"]:
                reader.errors["places"] = self.TOO_MANY_PLACES
            budget_id = reader.text("budget_id") or None
            budget = next((b for b in budgets if b["id"] == budget_id), None)
            if offer.get("price_pence") and budget is None:
                reader.errors["budget_id"] = self.BOOK.missing("budget_id")
            share = self._read_share(share_reader)
            reader.errors.update(share_reader.errors)
            reader.check()
            if not reader.text("confirmed"):
                total = offer["price_pence"] * places
                return ctx.render(
                    "breaks/check.html", offer=offer, slot=slot, budget=budget,
                    places=places, total_pence=total, idempotency_key=key, share=share,
                    share_choice=share_reader.text("share") or "none",
                    approval_reasons=approval_reasons(
                        budget["allowed_categories"], budget["auto_approve_limit_pence"],
                        offer["category"], total) if budget else (),
                    **self._share_context(ctx))
            booking = self.operation(
                ctx, request_booking, idempotency_key=key, messages=self.BOOK,
                body={"slot_id": slot_id, "places": places, "budget_id": budget_id,
                      "share_profile": share})
        except FormErrors as invalid:
            return self._form_page(ctx, "breaks/book.html", invalid, offer=offer, slot=slot,
                                   budgets=budgets, idempotency_key=key,
                                   list_fields=("share_people", "share_sections"),
                                   **self._share_context(ctx))
        raise Redirect("/bookings/{}".format(booking["id"]))


def _renumbered(api_errors, rows_of):
    """The API's errors of `people.N.field`, as the form's rows number them."""
    renumbered = {}
    for path, problems in flatten(api_errors):
        for sent, row in rows_of.items():
            if path.startswith(sent):
                path = row + path[len(sent):]
                break
        renumbered[path] = problems
    return renumbered
