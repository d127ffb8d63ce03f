"""The pages of a booking, for its family, its provider and the family's officers."""
import datetime
import json

from werkzeug.wrappers import Response

from seibiant_common import errors as service_errors
from seibiant_common.types import utcnow
from seibiant_common.vocabularies import CANCELLABLE, LIVE

from .. import errors
from ..api import cancel_booking, complete_booking, get_booking, get_provider
from .forms import FormErrors
from .i18n import N_
from .pages import FAMILY, OFFICER, PROVIDER, REFERRER, Pages, Redirect, WaitingPageEntrypoint, \
    page
from .rendering import render


class BookingPages(Pages):
    """Bookings, listed and one by one, with cancelling and completing (mixed into
    GatewayService)."""

    @page("GET", "/bookings", roles=FAMILY + PROVIDER + OFFICER + REFERRER)
    def web_bookings(self, ctx):
        bookings = self._bookings(ctx)
        if ctx.user["role"] in ("officer", "referrer"):  # several families': whose each is
            families = {}
            for booking in bookings:
                booking["family"] = self._family(ctx, booking["family_id"], families)
        return ctx.render("bookings/list.html", bookings=bookings)

    def _booking(self, ctx, booking_id):
        booking = self.operation(ctx, get_booking, booking_id=booking_id)
        booking["offer"] = self._offer(ctx, booking.get("offer_id"), {})
        try:  # its name and how to reach it
            booking["provider"] = self.operation(ctx, get_provider,
                                                 provider_id=booking["provider_id"])
        except (errors.Problem, service_errors.NotFound):
            booking["provider"] = None
        return booking

    def _booking_page(self, ctx, booking_id, status=200, **context):
        booking = self._booking(ctx, booking_id)
        # a break can be marked as delivered once it has started, so not offered before
        started = booking.get("slot_start") is not None and \
            datetime.datetime.fromisoformat(booking["slot_start"]) <= utcnow()
        return ctx.render("bookings/show.html", status=status, booking=booking, live=LIVE,
                          cancellable=CANCELLABLE, started=started, **context)

    @page("GET", "/bookings/<booking_id>", roles=FAMILY + PROVIDER + OFFICER + REFERRER)
    def web_booking(self, ctx, booking_id):
        return self._booking_page(ctx, booking_id)

    @page("GET", "/bookings/<booking_id>/status", roles=FAMILY + PROVIDER + OFFICER + REFERRER,
          entrypoint_class=WaitingPageEntrypoint)
    def web_booking_status(self, ctx, booking_id):
        """For the page's script: the status in the page's words, to update it live (with
        `?wait=N&status=S`, once it has changed)."""
        booking = self.operation(ctx, get_booking, booking_id=booking_id)
        status, reason = booking["status"], booking.get("reason")
        html = render(ctx.language, "bookings/_status.html", booking=booking, user=ctx.user)
        return Response(json.dumps({"status": status, "live": status in LIVE,
                                    "reason": reason, "html": html}),
                        mimetype="application/json")

    @page("GET", "/bookings/<booking_id>/cancel", roles=FAMILY + PROVIDER)
    def web_cancel_confirm(self, ctx, booking_id):
        """Asks before cancelling (a page of its own, so it works without JavaScript)."""
        booking = self.operation(ctx, get_booking, booking_id=booking_id)
        if booking["status"] not in CANCELLABLE:
            raise Redirect("/bookings/{}".format(booking_id))
        booking["offer"] = self._offer(ctx, booking.get("offer_id"), {})
        return ctx.render("bookings/cancel.html", booking=booking)

    @page("POST", "/bookings/<booking_id>/cancel", roles=FAMILY + PROVIDER)
    def web_cancel(self, ctx, booking_id):
        self.operation(ctx, cancel_booking, body={}, booking_id=booking_id)
        ctx.flash(N_("The booking is cancelled. Any money held for it is back in the budget."))
        raise Redirect("/bookings/{}".format(booking_id))

    @page("POST", "/bookings/<booking_id>/complete", roles=PROVIDER)
    def web_complete(self, ctx, booking_id):
        try:
            self.operation(ctx, complete_booking, body={}, booking_id=booking_id,
                           keep_form=True)
        except FormErrors as refused:
            return self._booking_page(ctx, booking_id, status=409, errors=refused.errors)
        ctx.flash(N_("The break is marked as delivered."))
        raise Redirect("/bookings/{}".format(booking_id))
