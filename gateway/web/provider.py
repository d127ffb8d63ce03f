"""Providers' pages: registering, their home, and their offers with the times to book."""
import datetime

from seibiant_common.errors import Unavailable
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES

from .. import errors
from ..api import create_offer, get_insight, get_offer, get_provider, get_provider_feedback, \
    get_provider_impact, list_provider_offers, publish_slots, register_provider, sign_in
from . import charts, labels
from .forms import FormErrors, Messages, Reader, moment
from .i18n import N_, TIMEZONE
from .pages import OFFICER, PROVIDER, REFERRER, REFUSAL, Pages, Redirect, page
from .sessions import CSRF_FIELD


class ProviderPages(Pages):
    """A provider's pages, and registering as one (mixed into GatewayService)."""

    REGISTER = Messages({
        "name": (N_("Enter the name of your business"), N_("Enter the name of your business, "
                                                            "up to 120 characters")),
        "kind": (N_("Choose what kind of provider you are"),
                 N_("Choose what kind of provider you are")),
        "regions": (N_("Choose the council areas you cover"),
                    N_("Choose council areas from the list")),
        "accessibility": (N_("Choose accessibility features"),
                          N_("Choose accessibility features from the list")),
        "supports_needs": (N_("Choose needs you support"), N_("Choose needs from the list")),
        "description": (N_("Enter a description"), N_("Enter a description, up to 4,000 "
                                                       "characters")),
        "contact_email": (N_("Enter an email address"),
                          N_("Enter an email address in the right format, like "
                             "name@example.com")),
        "contact_phone": (N_("Enter a phone number"),
                          N_("Enter a phone number, like 01686 123456 or +44 1686 123456")),
        "username": (N_("Enter a username"), N_("Enter a username of 3 to 64 letters or "
                                                 "digits")),
        "password": (N_("Enter a password"), N_("Enter a password of at least 8 characters")),
    }, api_fields={"display_name": "name"})

    # Said of a username the new password cannot sign in with, which a free one always can:
    # true whether or not it is someone else's.
    UNUSABLE_USERNAME = N_("You cannot be signed in with this username and password. If you "
                           "have an account already, sign in; if not, choose another username")

    @page("GET", "/providers/register")
    def web_register_form(self, ctx):
        return ctx.render("provider/register.html", vocab=_vocab())

    @page("POST", "/providers/register")
    def web_register(self, ctx):
        reader = Reader(ctx.request.form, self.REGISTER)
        body = {"username": reader.text("username"), "password": ctx.request.form.get(
            "password", ""), "name": reader.text("name"), "kind": reader.text("kind"),
            "regions": reader.choices("regions"),
            "accessibility": reader.choices("accessibility"),
            "supports_needs": reader.choices("supports_needs"),
            "description": reader.text("description"),
            "contact_email": reader.text("contact_email") or None,
            "contact_phone": reader.text("contact_phone") or None}
        try:
            self.operation(ctx, register_provider, body=body, messages=self.REGISTER)
        except FormErrors as invalid:
            return self._form_page(ctx, "provider/register.html", invalid, vocab=_vocab(),
                                   list_fields=("regions", "accessibility", "supports_needs"))
        try:
            token = self.operation(ctx, sign_in, body={"username": body["username"],
                                                         "password": body["password"]})
        except errors.Problem:  # a taken username registers nothing (see the API)
            return self._form_page(ctx, "provider/register.html", FormErrors(
                {"username": self.UNUSABLE_USERNAME}), vocab=_vocab(),
                list_fields=("regions", "accessibility", "supports_needs"))
        self._signed_in(ctx, token)
        ctx.flash(N_("You are registered. A council officer will approve your account before "
                     "families can book your breaks."))
        raise Redirect("/provider")

    def _own_offers(self, ctx):
        """The provider's offers, with or without slots (the first 200: more than a page
        can show)."""
        if not ctx.user.get("provider_id"):
            return []
        return self.operation(ctx, list_provider_offers, query={"limit": "200"},
                              provider_id=ctx.user["provider_id"])["items"]

    def _own_provider(self, ctx):
        return self.operation(ctx, get_provider, provider_id=ctx.user["provider_id"]) \
            if ctx.user.get("provider_id") else None

    @page("GET", "/provider", roles=PROVIDER)
    def web_provider_home(self, ctx):
        try:  # the figures are a view on the side: without them the page still serves
            figures = self.operation(ctx, get_insight)
        except Unavailable:
            figures = None
        provider_id = ctx.user.get("provider_id")
        feedback = self.operation(ctx, get_provider_feedback, provider_id=provider_id) \
            if provider_id else None
        return ctx.render("provider/home.html", provider=self._own_provider(ctx),
                          offers=self._own_offers(ctx), bookings=self._bookings(ctx),
                          figures=figures, chart=figures and provider_chart(ctx.fmt, figures),
                          feedback=feedback)

    @page("GET", "/providers/<provider_id>/impact", roles=PROVIDER + OFFICER + REFERRER)
    def web_provider_impact(self, ctx, provider_id):
        """What a donor gave: the provider's own page, and its councils' officers' and
        referrers' (the API says who may see it)."""
        impact = self.operation(ctx, get_provider_impact, provider_id=provider_id)
        return ctx.render("provider/impact.html", impact=impact)

    OFFER = Messages({
        "title": (N_("Enter a title"), N_("Enter a title, up to 200 characters")),
        "category": (N_("Choose a category"), N_("Choose a category")),
        "price": (N_("Enter the price per place"),
                  N_("Enter the price in pounds, like 45 or 12.50 (0 for a gifted break)")),
        "region": (N_("Choose the council area"), N_("Choose one of the council areas you cover")),
        "accessibility": (N_("Choose accessibility features"),
                          N_("Choose accessibility features from the list")),
        "supports_needs": (N_("Choose needs you support"), N_("Choose needs from the list")),
        "description": (N_("Enter a description"), N_("Enter a description, up to 4,000 "
                                                       "characters")),
        "title_cy": (N_("Enter a title"), N_("Enter a title, up to 200 characters")),
        "description_cy": (N_("Enter a description"), N_("Enter a description, up to 4,000 "
                                                          "characters")),
    }, api_fields={"price_pence": "price"})

    @page("GET", "/provider/offers/new", roles=PROVIDER)
    def web_offer_form(self, ctx):
        provider = self._own_provider(ctx)
        return ctx.render("provider/offer_new.html", vocab=_vocab(), provider=provider,
                          regions=(provider or {}).get("regions") or [])

    @page("POST", "/provider/offers/new", roles=PROVIDER)
    def web_create_offer(self, ctx):
        reader = Reader(ctx.request.form, self.OFFER)
        price = reader.pence("price")
        body = {"title": reader.text("title"), "category": reader.text("category"),
                "price_pence": 0 if price is None else price,
                "region": reader.text("region"),
                "accessibility": reader.choices("accessibility"),
                "supports_needs": reader.choices("supports_needs"),
                "description": reader.text("description")}
        for welsh in ("title_cy", "description_cy"):  # optional: shown to Welsh readers
            if reader.text(welsh):
                body[welsh] = reader.text(welsh)
        try:
            self.check_form(create_offer, body, reader)
            offer = self.operation(ctx, create_offer, body=body, messages=self.OFFER,
                                   keep_form=True)
        except FormErrors as invalid:
            return self._form_page(ctx, "provider/offer_new.html", invalid, vocab=_vocab(),
                                   regions=(self._own_provider(ctx) or {}).get("regions")
                                   or [],
                                   list_fields=("accessibility", "supports_needs"),
                                   status=409 if REFUSAL in invalid.errors else 422)
        ctx.flash(N_("Your offer is saved. Now add the times families can book."))
        raise Redirect("/provider/offers/{}".format(offer["id"]))

    SLOT = Messages({
        "date": (N_("Enter the date"), N_("Enter a real date, like 27 3 2027")),
        "start_time": (N_("Enter the start time"), N_("Enter the start time, like 10:00")),
        "end_time": (N_("Enter the end time"),
                     N_("Enter an end time after the start time, like 16:00")),
        "capacity": (N_("Enter how many places there are"),
                     N_("Enter how many places there are, as a whole number")),
        "weekdays": (N_("Choose at least one day of the week"),
                     N_("Choose at least one day of the week")),
        "weeks": (N_("Enter for how many weeks"),
                  N_("Enter for how many weeks, a whole number from 1 to 104")),
        "nights": (N_("Enter the number of nights"),
                   N_("Enter the number of nights, a whole number from 0 to 30")),
    }, api_fields={"slots.0.start": "date", "slots.0.end": "end_time",
                   "slots.0.capacity": "capacity", "slots": "end_time",
                   "pattern.start_date": "date", "pattern.weekdays": "weekdays",
                   "pattern.start_time": "start_time", "pattern.end_time": "end_time",
                   "pattern.weeks": "weeks", "pattern.capacity": "capacity",
                   "pattern.nights": "nights", "pattern": "end_time", "start": "date",
                   "end": "end_time"})

    def _provider_offer_page(self, ctx, offer_id, status=200, **context):
        offer = self.operation(ctx, get_offer, offer_id=offer_id)
        if offer.get("provider_id") != ctx.user.get("provider_id"):
            raise errors.not_found()
        return ctx.render("provider/offer.html", status=status, offer=offer,
                          weekdays=labels.WEEKDAYS, **context)

    @page("GET", "/provider/offers/<offer_id>", roles=PROVIDER)
    def web_provider_offer(self, ctx, offer_id):
        return self._provider_offer_page(ctx, offer_id)

    @page("POST", "/provider/offers/<offer_id>/slots", roles=PROVIDER)
    def web_publish_slots(self, ctx, offer_id):
        form = ctx.request.form
        repeating = form.get("kind") == "pattern"
        reader = Reader(form, self.SLOT)
        try:
            day = reader.date("date")
            start, end = reader.time("start_time"), reader.time("end_time")
            capacity = reader.whole_number("capacity")
            if repeating:
                weeks, nights = reader.whole_number("weeks"), reader.whole_number(
                    "nights", required=False) or 0
                if not reader.choices("weekdays"):
                    reader.errors["weekdays"] = self.SLOT.missing("weekdays")
            else:
                nights = reader.whole_number("nights", required=False) or 0
            reader.check()
            if repeating:
                body = {"pattern": {
                    "start_date": day.isoformat(), "weekdays": reader.choices("weekdays"),
                    "start_time": start.strftime("%H:%M"), "end_time": end.strftime("%H:%M"),
                    "time_zone": TIMEZONE, "nights": nights, "weeks": weeks,
                    "capacity": capacity}}
            else:
                body = {"slots": [{"start": moment(day, start),
                                   "end": moment(day + datetime.timedelta(days=nights), end),
                                   "capacity": capacity}]}
            published = self.operation(ctx, publish_slots, body=body, messages=self.SLOT,
                                       offer_id=offer_id)
        except FormErrors as invalid:
            values = {key: form.getlist(key) if key == "weekdays" else form.get(key)
                      for key in form if key != CSRF_FIELD}
            return self._provider_offer_page(ctx, offer_id, status=422, errors=invalid.errors,
                                             values=values, open_form=form.get("kind"))
        count = len(published.get("items", []))
        ctx.session["flash"] = ctx.fmt.ngettext("%(num)d time published.",
                                                "%(num)d times published.", count)
        raise Redirect("/provider/offers/{}".format(offer_id))


def _vocab():
    return dict(categories=CATEGORIES, accessibility=ACCESSIBILITY_FEATURES, needs=CARE_NEEDS,
                kinds=tuple(labels.PROVIDER_KINDS))


def provider_chart(fmt, figures):
    """The provider's own places offered and booked, over its figures' rows."""
    _ = fmt.gettext
    return charts.bar_chart(
        "chart-places", _(N_("Your places offered and booked")),
        _(N_("Two bars for each month and kind of break: the places offered, then the places "
             "booked.")) + " " + _(N_("Every figure is in the table below the chart.")),
        [(" · ".join([row["month"], charts.kind(fmt, row["kind"])]),
          [row["places_offered"], row["places_booked"]]) for row in figures["provider"]],
        [_(N_("Places offered")), _(N_("Places booked"))], charts.shown(fmt))
