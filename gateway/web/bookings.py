"""The pages of a booking, for its family, its provider, the family's officers and its
referrer: what the family shared of its profile (and stopping it), the family's feedback after
the break, and a waiting list's offer declined (by its family, or by a referrer for them)."""
import datetime
import json

from werkzeug.wrappers import Response

from seibiant_common import errors as service_errors
from seibiant_common.types import utcnow
from seibiant_common.vocabularies import CANCELLABLE, LIVE

from .. import errors
from ..api import cancel_booking, complete_booking, get_booking, get_booking_feedback, \
    get_booking_profile, get_provider, give_feedback, leave_waiting_list, \
    withdraw_profile_consent
from .forms import FormErrors, Messages, Reader
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
        if ctx.user["role"] in ("family", "provider"):
            # the provider's read of the shared profile is recorded, as every read is
            context["shared"] = self._maybe(ctx, get_booking_profile, booking_id)
        if ctx.user["role"] == "family" and booking["status"] == "completed":
            context["feedback"] = self._maybe(ctx, get_booking_feedback, booking_id)
        if ctx.user["role"] == "family" and booking["status"] == "offered":
            # a waiting list's offer of a priced break is accepted with a budget
            context["budgets"] = [budget for budget in self._budgets(ctx)
                                  if budget.get("status") == "active"]
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

    @page("GET", "/bookings/<booking_id>/cancel", roles=FAMILY + PROVIDER + REFERRER)
    def web_cancel_confirm(self, ctx, booking_id):
        """Asks before cancelling (a page of its own, so it works without JavaScript); a
        referrer only declines a waiting list's offer for their carer."""
        booking = self.operation(ctx, get_booking, booking_id=booking_id)
        if booking["status"] not in (("offered",) if ctx.user["role"] == "referrer"
                                     else CANCELLABLE):
            raise Redirect("/bookings/{}".format(booking_id))
        booking["offer"] = self._offer(ctx, booking.get("offer_id"), {})
        return ctx.render("bookings/cancel.html", booking=booking)

    @page("POST", "/bookings/<booking_id>/cancel", roles=FAMILY + PROVIDER + REFERRER)
    def web_cancel(self, ctx, booking_id):
        booking = self.operation(ctx, get_booking, booking_id=booking_id)
        offered = booking["status"] == "offered"
        if ctx.user["role"] == "referrer":
            self._decline_for_carer(ctx, booking)
        self.operation(ctx, cancel_booking, body={}, booking_id=booking_id)
        if offered:  # a waiting list's offer, declined
            ctx.flash(N_("You declined the place. It goes to the next family on the waiting "
                         "list."))
            raise Redirect("/bookings/{}".format(booking_id))
        ctx.flash(N_("The booking is cancelled. Any money held for it is back in the budget."))
        raise Redirect("/bookings/{}".format(booking_id))

    def _decline_for_carer(self, ctx, booking):
        """A referrer declines their carer's offer as the API lets them: the carer leaves
        the slot's waiting list, and the offer they hold is declined with it."""
        if booking["status"] == "offered":
            try:
                self.operation(ctx, leave_waiting_list, slot_id=booking["slot_id"],
                               query={"family_id": booking["family_id"]})
            except (errors.Problem, service_errors.NotFound):
                pass  # answered already (or run out): the booking's page says how it stands
            else:
                ctx.flash(N_("You declined the place for them. It goes to the next family on "
                             "the waiting list."))
        raise Redirect("/bookings/{}".format(booking["id"]))

    @page("POST", "/bookings/<booking_id>/complete", roles=PROVIDER)
    def web_complete(self, ctx, booking_id):
        try:
            self.operation(ctx, complete_booking, body={}, booking_id=booking_id,
                           keep_form=True)
        except FormErrors as refused:
            return self._booking_page(ctx, booking_id, status=409, errors=refused.errors)
        ctx.flash(N_("The break is marked as delivered."))
        raise Redirect("/bookings/{}".format(booking_id))

    @page("POST", "/bookings/<booking_id>/profile/withdraw", roles=FAMILY)
    def web_withdraw_profile(self, ctx, booking_id):
        self.operation(ctx, withdraw_profile_consent, booking_id=booking_id)
        ctx.flash(N_("You have stopped sharing your profile with the provider of this "
                     "booking."))
        raise Redirect("/bookings/{}".format(booking_id))

    FEEDBACK = Messages({
        "rating": (N_("Choose how good the break was"), N_("Choose how good the break was")),
        "rested": (N_("Choose how rested you feel"), N_("Choose how rested you feel")),
        "would_book_again": (N_("Choose whether you would book it again"),
                             N_("Choose whether you would book it again")),
        "comment": (N_("Enter no more than 2000 characters"),
                    N_("Enter no more than 2000 characters")),
    })

    @page("GET", "/bookings/<booking_id>/feedback", roles=FAMILY)
    def web_feedback_form(self, ctx, booking_id):
        booking = self._booking(ctx, booking_id)
        return ctx.render("bookings/feedback.html", booking=booking)

    @page("POST", "/bookings/<booking_id>/feedback", roles=FAMILY)
    def web_give_feedback(self, ctx, booking_id):
        """One minute of feedback after the break: once, and only once it is over."""
        reader = Reader(ctx.request.form, self.FEEDBACK)
        again = reader.text("would_book_again")
        body = {"rating": reader.whole_number("rating"),
                "rested": reader.whole_number("rested"),
                "comment": reader.text("comment") or None,
                "would_book_again": {"yes": True, "no": False}.get(again)}
        if again not in ("yes", "no"):
            reader.errors["would_book_again"] = self.FEEDBACK.missing("would_book_again")
        try:
            self.check_form(give_feedback, body, reader)
            self.operation(ctx, give_feedback, body=body, messages=self.FEEDBACK,
                           keep_form=True, booking_id=booking_id)
        except FormErrors as invalid:
            return self._form_page(ctx, "bookings/feedback.html", invalid,
                                   booking=self._booking(ctx, booking_id))
        ctx.flash(N_("Thank you for telling us how the break went."))
        raise Redirect("/bookings/{}".format(booking_id))
