"""Council officers' pages: approving spends and providers, their families' budgets (made,
topped up, adjusted, suspended and reinstated here, with the budget's history) and profiles,
its verification for home swaps (given or withdrawn, each confirmed first) and the
safeguarding read of a swap's messages (with its reason, recorded),
families' feedback with the council's "you said, we did", the monitoring return with the
surpluses to reclaim, and the commissioning insight (with its CSV downloads, which providers
use for their own figures)."""
import datetime
import uuid
from urllib.parse import urlencode

from marshmallow import ValidationError

from seibiant_common import errors as service_errors
from seibiant_common.vocabularies import CARE_NEEDS, CATEGORIES

from .. import errors
from ..api import adjust, approve_provider, approve_spend, budget_history, create_budget, \
    create_family, decline_spend, get_budget, get_family_profile, get_insight, \
    get_provider_feedback, get_user, list_approvals, list_families, list_feedback_responses, \
    list_providers, monitoring, post_feedback_response, reinstate_budget, \
    safeguarding_swap_messages, suspend_budget, suspend_provider, top_up
from ..http import PATH_ID
from . import charts, labels
from .forms import FormErrors, Messages, Reader, moment
from .i18n import N_
from .pages import OFFICER, PROVIDER, Pages, Redirect, page
from .sessions import CSRF_FIELD

REASON = (N_("Enter the reason"), N_("Enter a reason of up to 500 characters"))


def answers_query(form, leave_out=()):
    """The answers of a form as a query string, for "Change" on its check page to take
    back to the form (never the password)."""
    return urlencode([(name, value) for name, value in form.items(multi=True)
                      if name not in (CSRF_FIELD, "confirmed", *leave_out)])


AMOUNT = (N_("Enter an amount in pounds, like 25 or 25.50"),
          N_("Enter an amount in pounds, like 25 or 25.50"))


def insight_days(reader):
    """The insight API's `from` and `to` from a page's three-box dates (either may be blank)."""
    days = {name: reader.date(name, required=False) for name in ("from", "to")}
    reader.check()
    return {name: day.isoformat() for name, day in days.items() if day}


def insight_charts(fmt, figures):
    """The officer's insight charts, each over its table's rows."""
    _ = fmt.gettext
    below = _(N_("Every figure is in the table below the chart."))
    unmet = [(" · ".join([row["month"], row["area"] or _(N_("Any area")),
                          charts.kind(fmt, row["kind"])]
                         + [fmt.label(labels.NEEDS, need) for need in row["needs"]]
                         + [fmt.label(labels.ACCESSIBILITY, feature)
                            for feature in row["accessibility"]]), [row["searches"]])
             for row in figures["unmet_demand"]]
    supply = [(" · ".join([row["month"], row["area"] or _(N_("Any area")),
                           charts.kind(fmt, row["kind"])]),
               [row["places_published"], row["places_booked"]])
              for row in figures["supply_and_demand"]]
    return {
        "unmet_demand": charts.bar_chart(
            "chart-unmet", _(N_("Searches that found nothing")),
            _(N_("A bar for each of the groupings with the most searches that found "
                 "nothing, longest first.")) + " " + below,
            unmet, [_(N_("Searches"))], charts.shown(fmt)),
        "supply_and_demand": charts.bar_chart(
            "chart-supply", _(N_("Places offered and booked")),
            _(N_("Two bars for each month, area and kind of break: the places offered, then "
                 "the places booked.")) + " " + below,
            supply, [_(N_("Places offered")), _(N_("Places booked"))], charts.shown(fmt)),
        "spend_by_kind": charts.bar_chart(
            "chart-spend", _(N_("Spend by kind of break")),
            _(N_("A bar for each kind of break: what was spent on it.")) + " " + below,
            [(charts.kind(fmt, row["kind"]), [row["spent_pence"]])
             for row in figures["spend_by_kind"]], [_(N_("Spent"))], charts.shown(fmt, money=True)),
        "rejections": charts.bar_chart(
            "chart-not-made", _(N_("Why bookings were not made")),
            _(N_("A bar for each reason: how many bookings it stopped.")) + " " + below,
            [(fmt.label(labels.NOT_MADE_REASONS, row["reason"]), [row["bookings"]])
             for row in figures["rejections"]], [_(N_("Bookings"))], charts.shown(fmt)),
    }


class OfficerPages(Pages):
    """An officer's pages (mixed into GatewayService)."""

    @page("GET", "/officer", roles=OFFICER)
    def web_officer_home(self, ctx):
        approvals = self.operation(ctx, list_approvals, query={"limit": "200"})["items"]
        pending = self.operation(ctx, list_providers, query={"status": "pending",
                                                               "limit": "200"})["items"]
        return ctx.render("officer/home.html", approvals=approvals, pending=pending)

    DECISION = Messages({"reason": (N_("Enter the reason for declining"),
                                    N_("Enter a reason of up to 500 characters"))})

    def _approvals_page(self, ctx, status=200, **context):
        requests = self.operation(ctx, list_approvals, query={"limit": "200"})["items"]
        offers, budgets, families = {}, {}, {}
        for booking in requests:
            booking["offer"] = self._offer(ctx, booking.get("offer_id"), offers)
            if booking.get("budget_id") and booking["budget_id"] not in budgets:
                budgets[booking["budget_id"]] = self.operation(
                    ctx, get_budget, budget_id=booking["budget_id"])
            booking["budget"] = budgets.get(booking.get("budget_id"))
            booking["family"] = self._family(ctx, booking["family_id"], families)
        decided = self.operation(ctx, list_approvals, query={"status": "decided",
                                                             "limit": "20"})["items"]
        return ctx.render("officer/approvals.html", status=status, requests=requests,
                          decided=decided, **context)

    @page("GET", "/officer/approvals", roles=OFFICER)
    def web_approvals(self, ctx):
        return self._approvals_page(ctx)

    @page("POST", "/officer/approvals/<booking_id>", roles=OFFICER)
    def web_decide(self, ctx, booking_id):
        form = ctx.request.form
        reason = (form.get("reason") or "").strip() or None
        approve = form.get("decision") == "approve"
        try:
            self.operation(ctx, approve_spend if approve else decline_spend,
                           body={"reason": reason}, messages=self.DECISION,
                           booking_id=booking_id)
        except FormErrors as invalid:
            return self._approvals_page(ctx, status=422, errors={
                "reason-" + booking_id: next(iter(invalid.errors.values()))},
                values={"reason-" + booking_id: form.get("reason")})
        ctx.flash(N_("Spend approved.") if approve else N_("Spend declined."))
        raise Redirect("/officer/approvals")

    @page("GET", "/officer/families", roles=OFFICER)
    def web_families(self, ctx):
        families = self.operation(ctx, list_families, query={"limit": "200"})["items"]
        budgets = self._budgets(ctx)
        for family in families:
            family["budgets"] = [b for b in budgets if b["family_id"] == family["id"]]
        return ctx.render("officer/families.html", families=families)

    @page("GET", "/officer/providers", roles=OFFICER)
    def web_pending_providers(self, ctx):
        pending = self.operation(ctx, list_providers, query={"status": "pending",
                                                               "limit": "200"})["items"]
        return ctx.render("officer/providers.html", providers=pending)

    @page("POST", "/officer/providers/<provider_id>/approve", roles=OFFICER)
    def web_approve_provider(self, ctx, provider_id):
        provider = self.operation(ctx, approve_provider, body={}, provider_id=provider_id)
        ctx.flash(N_("%(name)s is approved."), name=provider.get("name", ""))
        raise Redirect("/officer/providers")

    INSIGHT = Messages({"from": (N_("Enter a real date"), N_("Enter a real date")),
                        "to": (N_("Enter a real date"),
                               N_("Enter a real date, not before the first date"))})

    @page("GET", "/officer/insight", roles=OFFICER)
    def web_insight(self, ctx):
        values = ctx.request.args.to_dict(flat=False)
        try:
            figures = self.operation(ctx, get_insight, messages=self.INSIGHT,
                                     query=insight_days(Reader(ctx.request.args, self.INSIGHT)))
        except FormErrors as invalid:
            return ctx.render("insight/officer.html", status=422, errors=invalid.errors,
                              values=values, figures=None)
        return ctx.render("insight/officer.html", figures=figures, values=values,
                          charts=insight_charts(ctx.fmt, figures))

    @page("GET", "/insight.csv", roles=OFFICER + PROVIDER)
    def web_insight_csv(self, ctx):
        """One insight table as CSV: an officer's (the insight page's links) or a provider's
        own (its home page's)."""
        args = ctx.request.args
        query = {name: args[name] for name in ("from", "to", "table") if args.get(name)}
        return self.operation(ctx, get_insight, query=dict(query, format="csv"))

    @page("GET", "/officer/families/<family_id>/profile", roles=OFFICER)
    def web_family_profile(self, ctx, family_id):
        """A family's whole profile (the read is recorded, and the family sees it)."""
        family = self.operation(ctx, get_user, user_id=family_id)
        try:
            profile = self.operation(ctx, get_family_profile, family_id=family_id)
        except (errors.Problem, service_errors.NotFound) as missing:
            if isinstance(missing, errors.Problem) and missing.status != 404:
                raise
            profile = None  # the family has told nothing yet
        return ctx.render("officer/profile.html", family=family, profile=profile)

    RESPONSE = Messages({"provider_id": (N_("Choose what it is about"),
                                         N_("Choose what it is about")),
                         "text": (N_("Enter what you did"),
                                  N_("Enter what you did, in no more than 2000 characters"))})

    def _feedback_page(self, ctx, status=200, **context):
        providers = self.operation(ctx, list_providers, query={"status": "approved",
                                                                 "limit": "200"})["items"]
        for provider in providers:
            provider["feedback"] = self.operation(ctx, get_provider_feedback,
                                                  provider_id=provider["id"])
        responses = self.operation(ctx, list_feedback_responses,
                                   query={"limit": "20"})["items"]
        return ctx.render("officer/feedback.html", status=status, providers=providers,
                          responses=responses, **context)

    @page("GET", "/officer/feedback", roles=OFFICER)
    def web_feedback(self, ctx):
        """What the council's families said of each provider, and what was done."""
        return self._feedback_page(ctx)

    @page("POST", "/officer/feedback", roles=OFFICER)
    def web_respond(self, ctx):
        reader = Reader(ctx.request.form, self.RESPONSE)
        body = {"provider_id": reader.text("provider_id") or None, "text": reader.text("text")}
        try:
            self.check_form(post_feedback_response, body, reader)
            self.operation(ctx, post_feedback_response, body=body, messages=self.RESPONSE)
        except FormErrors as invalid:
            return self._feedback_page(ctx, status=422, errors=invalid.errors,
                                       values=dict(body))
        ctx.flash(N_("Your answer is published to the council's families."))
        raise Redirect("/officer/feedback")

    # ---- a new family and its budget: question pages, then check your answers -------------

    NEW_FAMILY = Messages({
        "display_name": (N_("Enter the family's name"), N_("Enter a name of up to 120 "
                                                          "characters")),
        "username": (N_("Enter a username"), N_("Enter 3 to 64 letters, digits or . _ @ -, "
                                                "starting with a letter or digit")),
        "password": (N_("Enter a password"), N_("Enter a password of at least 8 characters")),
        "needs": (N_("Select the family's needs"), N_("Select the family's needs")),
        "language": (N_("Select a language"), N_("Select a language")),
    })
    FAMILY_FIELDS = ("display_name", "username", "password", "language")

    @page("GET", "/officer/families/new", roles=OFFICER)
    def web_new_family_form(self, ctx):
        """The form; "Change" on the check comes back here with the answers."""
        args = ctx.request.args
        return ctx.render("officer/family_new.html", vocab={"needs": CARE_NEEDS},
                          values=dict({name: args.get(name) for name in self.FAMILY_FIELDS
                                       if name != "password"},
                                      needs=args.getlist("needs"),
                                      language=args.get("language") or "en"))

    @page("POST", "/officer/families/new", roles=OFFICER)
    def web_new_family(self, ctx):
        """Checked, then shown to check; created once confirmed. The check page carries the
        answers in its form (the password too, as the form did: never in a link), so nothing
        half-made is kept between the two."""
        reader = Reader(ctx.request.form, self.NEW_FAMILY)
        body = dict({name: reader.text(name) for name in self.FAMILY_FIELDS},
                    needs=reader.choices("needs"))
        try:
            self.check_form(create_family, body, reader)
            if not reader.text("confirmed"):
                return ctx.render("officer/family_check.html", answers=body,
                                  change=answers_query(ctx.request.form, ("password",)))
            family = self.operation(ctx, create_family, body=body, messages=self.NEW_FAMILY,
                                    keep_form=True)
        except FormErrors as invalid:
            return self._form_page(ctx, "officer/family_new.html", invalid,
                                   vocab={"needs": CARE_NEEDS}, list_fields=("needs",))
        ctx.flash(N_("%(name)s can now sign in. Now give them a budget."),
                  name=family["display_name"])
        raise Redirect("/officer/families/{}/budgets/new".format(family["id"]))

    NEW_BUDGET = Messages({
        "allocated": AMOUNT,
        "period_start": (N_("Enter the date the budget starts"), N_("Enter a real date")),
        "period_end": (N_("Enter the date the budget ends"),
                       N_("Enter a real date, after the start date")),
        "allowed_categories": (N_("Select the kinds of break agreed"),
                               N_("Select the kinds of break agreed")),
        "auto_approve_limit": AMOUNT,
    }, api_fields={"allocated_pence": "allocated", "auto_approve_limit_pence":
                   "auto_approve_limit"})

    @page("GET", "/officer/families/<family_id>/budgets/new", roles=OFFICER)
    def web_new_budget_form(self, ctx, family_id):
        family = self.operation(ctx, get_user, user_id=family_id)
        args = ctx.request.args
        values = {key: args.get(key) for key in args if key != "allowed_categories"}
        values["allowed_categories"] = args.getlist("allowed_categories")
        return ctx.render("officer/budget_new.html", family=family, values=values,
                          vocab={"categories": CATEGORIES})

    @page("POST", "/officer/families/<family_id>/budgets/new", roles=OFFICER)
    def web_new_budget(self, ctx, family_id):
        family = self.operation(ctx, get_user, user_id=family_id)
        reader = Reader(ctx.request.form, self.NEW_BUDGET)
        key = reader.text("idempotency_key") or uuid.uuid4().hex
        try:
            allocated = reader.pence("allocated")
            limit = reader.pence("auto_approve_limit")
            start, end = reader.date("period_start"), reader.date("period_end")
            categories = reader.choices("allowed_categories")
            if not categories:
                reader.errors["allowed_categories"] = self.NEW_BUDGET.missing(
                    "allowed_categories")
            if start and end and end <= start:
                reader.errors["period_end"] = self.NEW_BUDGET.wrong("period_end")
            reader.check()
            # the budget runs from the start of its first day to the end of its last
            body = {"family_id": family_id, "allocated_pence": allocated,
                    "period_start": moment(start, datetime.time(0, 0)),
                    "period_end": moment(end + datetime.timedelta(days=1), datetime.time(0, 0)),
                    "allowed_categories": categories, "auto_approve_limit_pence": limit}
            if not reader.text("confirmed"):
                form = ctx.request.form
                return ctx.render("officer/budget_check.html", family=family, answers=body,
                                  start=start.isoformat(), end=end.isoformat(),
                                  idempotency_key=key,
                                  hidden=[(name, value) for name, value in form.items(multi=True)
                                          if name not in (CSRF_FIELD, "idempotency_key")],
                                  change=answers_query(form, ("idempotency_key",))
                                  + "&" + urlencode({"idempotency_key": key}))
            self.operation(ctx, create_budget, body=body, messages=self.NEW_BUDGET,
                           idempotency_key=key, keep_form=True)
        except FormErrors as invalid:
            return self._form_page(ctx, "officer/budget_new.html", invalid, family=family,
                                   vocab={"categories": CATEGORIES},
                                   list_fields=("allowed_categories",))
        ctx.flash(N_("The budget is ready. The family can book breaks with it."))
        raise Redirect("/officer/families/{}".format(family_id))

    # ---- a family and the changes to its budgets ------------------------------------------

    @page("GET", "/officer/families/<family_id>", roles=OFFICER)
    def web_family(self, ctx, family_id):
        family = self.operation(ctx, get_user, user_id=family_id)
        if family.get("role") != "family":
            raise Redirect("/officer/families")
        budgets = self._budgets(ctx, family_id=family_id)
        for budget in budgets:
            budget["history"] = self.operation(ctx, budget_history,
                                               budget_id=budget["id"])["items"]
        bookings = [dict(booking, family=family) for booking in self._bookings(ctx)
                    if booking["family_id"] == family_id]
        swaps, more_swaps = self.swaps_of(ctx, family_id)
        return ctx.render("officer/family.html", family=family, budgets=budgets,
                          bookings=bookings, verification=self.verification_of(ctx, family_id),
                          swaps=swaps, more_swaps=more_swaps)

    # ---- the family's verification for home swaps (docs/staycation.md) -------------------

    def _family_swap_verification(self, ctx, family_id, step):
        family = self.operation(ctx, get_user, user_id=family_id)
        if family.get("role") != "family" or step not in ("verify", "withdraw"):
            raise errors.not_found()
        return self.verification_step(ctx, family, step,
                                      "/officer/families/{}".format(family_id))

    @page("GET", "/officer/families/<family_id>/swaps/<step>", roles=OFFICER)
    def web_family_swaps_ask(self, ctx, family_id, step):
        return self._family_swap_verification(ctx, family_id, step)

    @page("POST", "/officer/families/<family_id>/swaps/<step>", roles=OFFICER)
    def web_family_swaps(self, ctx, family_id, step):
        return self._family_swap_verification(ctx, family_id, step)

    # ---- a swap's messages read for safeguarding (docs/staycation.md) --------------------

    SAFEGUARDING = Messages({
        "swap_id": (N_("Enter the swap reference"),
                    N_("Enter the swap reference as the family gave it: letters and digits, "
                       "without spaces")),
        "reason": (N_("Enter why you need to read the messages"),
                   N_("Enter why you need to read the messages in up to 2000 characters")),
    })
    NO_SUCH_SWAP = N_("No swap of a family of your council has this reference. Check it with "
                      "the family")

    def _safeguarding_family(self, ctx, family_id):
        family = self.operation(ctx, get_user, user_id=family_id)
        if family.get("role") != "family":
            raise errors.not_found()
        return family

    @page("GET", "/officer/families/<family_id>/swap-messages", roles=OFFICER)
    def web_safeguarding_ask(self, ctx, family_id):
        """Asks which swap and why, before the messages are read (and the read recorded);
        a swap chosen from the family's list comes with its reference (`?swap_id=`)."""
        swap_id = ctx.request.args.get("swap_id", "")
        return ctx.render("staycation/safeguarding.html",
                          family=self._safeguarding_family(ctx, family_id),
                          values={"swap_id": swap_id} if PATH_ID.fullmatch(swap_id) else {})

    @page("POST", "/officer/families/<family_id>/swap-messages", roles=OFFICER)
    def web_safeguarding_read(self, ctx, family_id):
        """The read, as the API makes it (`GET /swaps/{id}/safeguarding-messages`): staycation
        records who, when and why with the answer. A page of messages after the first is
        another read, with the same reason."""
        family = self._safeguarding_family(ctx, family_id)
        reader = Reader(ctx.request.form, self.SAFEGUARDING)
        swap_id, cursor = reader.text("swap_id"), reader.text("cursor")
        query = {"reason": reader.text("reason"), "limit": "200"}
        if cursor:
            query["cursor"] = cursor
        try:
            if not swap_id:
                reader.errors["swap_id"] = self.SAFEGUARDING.missing("swap_id")
            elif not PATH_ID.fullmatch(swap_id):
                reader.errors["swap_id"] = self.SAFEGUARDING.wrong("swap_id")
            try:  # the reason checked with the reference, so both are told at once
                safeguarding_swap_messages.operation.query.load(query)
            except ValidationError as invalid:
                reader.errors.update(self.SAFEGUARDING.explain(
                    invalid.normalized_messages(), query).errors)
            reader.errors = self.SAFEGUARDING.ordered(reader.errors).errors
            reader.check()
            try:
                read = self.operation(ctx, safeguarding_swap_messages, query=query,
                                      messages=self.SAFEGUARDING, swap_id=swap_id)
            except (errors.Problem, service_errors.NotFound) as missing:
                if isinstance(missing, errors.Problem) and missing.status != 404:
                    raise
                raise FormErrors({"swap_id": self.NO_SUCH_SWAP})
        except FormErrors as invalid:
            return self._form_page(ctx, "staycation/safeguarding.html", invalid, family=family)
        names = {}  # the families the officer may see, by name; others unnamed
        for message in read["items"]:
            if message["family_id"] not in names:
                try:
                    names[message["family_id"]] = self.operation(
                        ctx, get_user, user_id=message["family_id"])["display_name"]
                except (errors.Problem, service_errors.NotFound):
                    names[message["family_id"]] = None
        return ctx.render("staycation/safeguarding_messages.html", family=family,
                          swap_id=swap_id, reason=query["reason"], messages=read["items"],
                          next_cursor=read["next_cursor"], names=names)

    # The officers' changes to a budget, each a question page of its own: (template
    # values, the operation, the form's words).
    CHANGES = {
        "top-up": (N_("Top up the budget"), top_up, Messages({
            "amount": AMOUNT, "reason": REASON}, api_fields={"amount_pence": "amount"})),
        "adjust": (N_("Adjust the budget"), adjust, Messages({
            "direction": (N_("Select whether to add or take back money"),
                          N_("Select whether to add or take back money")),
            "amount": AMOUNT, "reason": REASON}, api_fields={"amount_pence": "amount"})),
        "suspend": (N_("Suspend the budget"), suspend_budget, Messages({"reason": REASON})),
        "reinstate": (N_("Reinstate the budget"), reinstate_budget,
                      Messages({"reason": REASON})),
    }
    DONE = {"top-up": N_("The budget is topped up."),
            "adjust": N_("The budget is adjusted."),
            "suspend": N_("The budget is suspended. It will not pay for new bookings."),
            "reinstate": N_("The budget is active again.")}

    def _change_page(self, ctx, budget, change, status=200, **context):
        title, _operation, _messages = self.CHANGES[change]
        family = self.operation(ctx, get_user, user_id=budget["family_id"])
        context.setdefault("values", {})
        context["values"].setdefault("idempotency_key", uuid.uuid4().hex)
        return ctx.render("officer/budget_change.html", status=status, budget=budget,
                          family=family, change=change, title=title, **context)

    @page("GET", "/officer/budgets/<budget_id>/<change>", roles=OFFICER)
    def web_budget_change_form(self, ctx, budget_id, change):
        """`?amount=&direction=&reason=` fill the form (the monitoring page's "reclaim")."""
        if change not in self.CHANGES:
            raise Redirect("/officer/families")
        budget = self.operation(ctx, get_budget, budget_id=budget_id)
        args = ctx.request.args
        return self._change_page(ctx, budget, change, values={
            name: args.get(name) for name in ("amount", "direction", "reason")
            if args.get(name)})

    @page("POST", "/officer/budgets/<budget_id>/<change>", roles=OFFICER)
    def web_budget_change(self, ctx, budget_id, change):
        if change not in self.CHANGES:
            raise Redirect("/officer/families")
        _title, operation, messages = self.CHANGES[change]
        budget = self.operation(ctx, get_budget, budget_id=budget_id)
        reader = Reader(ctx.request.form, messages)
        key = reader.text("idempotency_key") or None
        body = {"reason": reader.text("reason") or None}
        try:
            if change in ("top-up", "adjust"):
                amount = reader.pence("amount")
                direction = reader.text("direction") if change == "adjust" else "add"
                if direction not in ("add", "take_back"):
                    reader.errors["direction"] = messages.missing("direction")
                reader.check()
                body["amount_pence"] = -amount if direction == "take_back" else amount
            self.operation(ctx, operation, body=body, messages=messages, keep_form=True,
                           idempotency_key=key, budget_id=budget_id)
        except FormErrors as invalid:
            return self._form_page(ctx, "officer/budget_change.html", invalid, budget=budget,
                                   family=self.operation(ctx, get_user,
                                                         user_id=budget["family_id"]),
                                   change=change, title=self.CHANGES[change][0])
        ctx.flash(self.DONE[change])
        raise Redirect("/officer/families/{}".format(budget["family_id"]))

    # ---- the monitoring return ------------------------------------------------------------

    @page("GET", "/officer/monitoring", roles=OFFICER)
    def web_monitoring(self, ctx):
        """Every budget of the council, those whose surplus is over the threshold first
        (most to reclaim first), each with what it would reclaim: the surplus beyond the
        threshold."""
        summaries, cursor = [], None
        while True:
            query = {"limit": "200", **({"cursor": cursor} if cursor else {})}
            page_ = self.operation(ctx, monitoring, query=query)
            summaries.extend(page_["items"])
            cursor = page_["next_cursor"]
            if not cursor:
                break
        families = {}
        for summary in summaries:
            summary["family"] = self._family(ctx, summary["family_id"], families)
            summary["reclaim_pence"] = max(0, summary["surplus_pence"]
                                           - summary["reclaim_threshold_pence"])
        summaries.sort(key=lambda summary: (not summary["surplus_over_threshold"],
                                            -summary["reclaim_pence"]))
        return ctx.render("officer/monitoring.html", summaries=summaries)

    @page("GET", "/officer/monitoring.csv", roles=OFFICER)
    def web_monitoring_csv(self, ctx):
        return self.operation(ctx, monitoring, query={"format": "csv"})

    # ---- providers' suspension ------------------------------------------------------------

    SUSPENSION = Messages({"reason": REASON})

    @page("GET", "/officer/providers/approved", roles=OFFICER)
    def web_providers(self, ctx):
        return self._providers_page(ctx)

    def _providers_page(self, ctx, status=200, **context):
        listed = {state: self.operation(ctx, list_providers, query={
            "status": state, "limit": "200"})["items"] for state in ("approved", "suspended")}
        return ctx.render("officer/providers_approved.html", status=status,
                          approved=listed["approved"], suspended=listed["suspended"],
                          **context)

    @page("POST", "/officer/providers/<provider_id>/suspend", roles=OFFICER)
    def web_suspend_provider(self, ctx, provider_id):
        reason = (ctx.request.form.get("reason") or "").strip() or None
        try:
            provider = self.operation(ctx, suspend_provider, body={"reason": reason},
                                      messages=self.SUSPENSION, provider_id=provider_id)
        except FormErrors as invalid:
            return self._providers_page(ctx, status=422, errors={
                "reason-" + provider_id: next(iter(invalid.errors.values()))})
        ctx.flash(N_("%(name)s is suspended."), name=provider.get("name", ""))
        raise Redirect("/officer/providers/approved")

    @page("POST", "/officer/providers/<provider_id>/reinstate", roles=OFFICER)
    def web_reinstate_provider(self, ctx, provider_id):
        provider = self.operation(ctx, approve_provider, body={}, provider_id=provider_id)
        ctx.flash(N_("%(name)s is approved again."), name=provider.get("name", ""))
        raise Redirect("/officer/providers/approved")
