"""A family's pages of waiting lists: joining a full slot's list, seeing one's place in line
and leaving it, and answering an offer (accepting it, with a budget for a priced break; it
is declined by cancelling it, on the booking's own page)."""
from seibiant_common import errors as service_errors

from .. import errors
from ..api import accept_offer, get_offer, get_waiting_place, join_waiting_list, \
    leave_waiting_list
from .forms import FormErrors, Messages, Reader
from .i18n import N_
from .pages import FAMILY, Pages, Redirect, page


class WaitingPages(Pages):
    """Waiting lists (mixed into GatewayService)."""

    WAITING_JOIN = Messages({
        "places": (N_("Enter how many places you need"),
                   N_("Enter how many places you need, as a whole number from 1 to 100")),
    })
    OFFER_ACCEPT = Messages({
        "budget_id": (N_("Choose the budget to pay from"), N_("Choose the budget to pay from")),
    })

    def _waiting_slot(self, ctx, offer_id, slot_id):
        offer = self.operation(ctx, get_offer, offer_id=offer_id)
        slot = next((slot for slot in offer.get("slots", []) if slot["id"] == slot_id), None)
        if slot is None:
            raise errors.not_found()
        return offer, slot

    def _place(self, ctx, slot_id):
        try:
            return self.operation(ctx, get_waiting_place, slot_id=slot_id)
        except (errors.Problem, service_errors.NotFound):
            return None

    def _waiting_page(self, ctx, offer_id, slot_id, status=200, **context):
        offer, slot = self._waiting_slot(ctx, offer_id, slot_id)
        context.setdefault("values", {"places": "1"})
        return ctx.render("breaks/waiting.html", status=status, offer=offer, slot=slot,
                          place=self._place(ctx, slot_id), **context)

    @page("GET", "/breaks/<offer_id>/slots/<slot_id>/waiting-list", roles=FAMILY)
    def web_waiting_list(self, ctx, offer_id, slot_id):
        return self._waiting_page(ctx, offer_id, slot_id)

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/waiting-list", roles=FAMILY)
    def web_join_waiting_list(self, ctx, offer_id, slot_id):
        reader = Reader(ctx.request.form, self.WAITING_JOIN)
        try:
            body = {"places": reader.whole_number("places")}
            reader.check()
            self.operation(ctx, join_waiting_list, body=body, messages=self.WAITING_JOIN,
                           keep_form=True, slot_id=slot_id)
        except FormErrors as invalid:
            offer, slot = self._waiting_slot(ctx, offer_id, slot_id)
            return self._form_page(ctx, "breaks/waiting.html", invalid, offer=offer,
                                   slot=slot, place=self._place(ctx, slot_id))
        ctx.flash(N_("You are on the waiting list. We will tell you if a place is offered "
                     "to you."))
        raise Redirect("/breaks/{}/slots/{}/waiting-list".format(offer_id, slot_id))

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/waiting-list/leave", roles=FAMILY)
    def web_leave_waiting_list(self, ctx, offer_id, slot_id):
        try:
            self.operation(ctx, leave_waiting_list, slot_id=slot_id)
        except (errors.Problem, service_errors.NotFound):
            pass  # not on it (any more): the page says so
        ctx.flash(N_("You have left the waiting list."))
        raise Redirect("/breaks/{}/slots/{}/waiting-list".format(offer_id, slot_id))

    @page("POST", "/bookings/<booking_id>/accept", roles=FAMILY)
    def web_accept_offer(self, ctx, booking_id):
        """The offer's answer: a request (the booking's page then follows its saga)."""
        reader = Reader(ctx.request.form, self.OFFER_ACCEPT)
        body = {"budget_id": reader.text("budget_id") or None}
        try:
            self.operation(ctx, accept_offer, body=body, messages=self.OFFER_ACCEPT,
                           keep_form=True, booking_id=booking_id)
        except FormErrors as invalid:
            return self._booking_page(ctx, booking_id, status=422 if "budget_id" in
                                      invalid.errors else 409, errors=invalid.errors)
        ctx.flash(N_("You accepted the place. We are now booking it for you."))
        raise Redirect("/bookings/{}".format(booking_id))
