"""Council officers' pages: approving spends and providers, and their families' budgets."""
from ..api import approve_provider, approve_spend, decline_spend, get_budget, \
    list_approvals, list_families, list_providers
from .forms import FormErrors, Messages
from .i18n import N_
from .pages import OFFICER, Pages, Redirect, page


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
