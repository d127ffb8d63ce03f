"""Council officers' pages: approving spends and providers, their families' budgets and
profiles, families' feedback with the council's "you said, we did", and the commissioning
insight (with its CSV downloads, which providers use for their own figures)."""
from seibiant_common import errors as service_errors

from .. import errors
from ..api import approve_provider, approve_spend, decline_spend, get_budget, \
    get_family_profile, get_insight, get_provider_feedback, get_user, list_approvals, \
    list_families, list_feedback_responses, list_providers, post_feedback_response
from . import charts, labels
from .forms import FormErrors, Messages, Reader
from .i18n import N_
from .pages import OFFICER, PROVIDER, Pages, Redirect, page

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
        return ctx.render("officer/approvals.html", status=status, requests=requests,
                          **context)

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
