"""The pages of waiting lists: a family joining a full slot's list, seeing its place in line
and leaving it, and answering an offer (accepting it, with a budget for a priced break; it
is declined by cancelling it, on the booking's own page). A referrer does the same for a
carer of their centre on a gifted break, from the carer's page (`referrer.py` routes it):
the same operations, with the carer's `family_id`."""
from seibiant_common import errors as service_errors

from .. import errors
from ..api import accept_offer, get_offer, get_waiting_place, join_waiting_list, \
    leave_waiting_list
from .forms import FormErrors, Messages, Reader
from .i18n import N_
from .pages import FAMILY, REFERRER, Pages, Redirect, page


def waiting_path(offer_id, slot_id, carer=None):
    """A slot's waiting list page: the family's own, or a referrer's for their carer."""
    base = "/referrer/carers/{}".format(carer["id"]) if carer else ""
    return "{}/breaks/{}/slots/{}/waiting-list".format(base, offer_id, slot_id)


class WaitingPages(Pages):
    """Waiting lists (mixed into GatewayService)."""

    WAITING_JOIN = Messages({
        "places": (N_("Enter how many places you need"),
                   N_("Enter how many places you need, as a whole number from 1 to 100")),
    })
    OFFER_ACCEPT = Messages({
        "budget_id": (N_("Choose the budget to pay from"), N_("Choose the budget to pay from")),
    })
    JOINED = {"family": N_("You are on the waiting list. We will tell you if a place is "
                           "offered to you."),
              "referrer": N_("%(name)s is on the waiting list. We will tell them if a place "
                             "is offered to them, and you can answer it for them here.")}
    LEFT = {"family": N_("You have left the waiting list."),
            "referrer": N_("%(name)s has left the waiting list.")}

    def _waiting_slot(self, ctx, offer_id, slot_id, carer=None):
        offer = self.operation(ctx, get_offer, offer_id=offer_id)
        slot = next((slot for slot in offer.get("slots", []) if slot["id"] == slot_id), None)
        if slot is None or (carer and offer["price_pence"] != 0):
            raise errors.not_found()  # a referrer waits for gifted breaks only
        return offer, slot

    def waiting_place(self, ctx, slot_id, carer=None):
        """The family's (or the referrer's carer's) entry on the slot's list, or None."""
        query = {"family_id": carer["id"]} if carer else {}
        try:
            return self.operation(ctx, get_waiting_place, query=query, slot_id=slot_id)
        except (errors.Problem, service_errors.NotFound):
            return None

    def _waiting_context(self, ctx, offer_id, slot_id, carer):
        offer, slot = self._waiting_slot(ctx, offer_id, slot_id, carer)
        return dict(offer=offer, slot=slot, carer=carer,
                    path=waiting_path(offer_id, slot_id, carer),
                    place=self.waiting_place(ctx, slot_id, carer))

    def waiting_page(self, ctx, offer_id, slot_id, carer=None):
        return ctx.render("breaks/waiting.html", values={"places": "1"},
                          **self._waiting_context(ctx, offer_id, slot_id, carer))

    def join_waiting(self, ctx, offer_id, slot_id, carer=None):
        """Joins: the family with the places it asks; a referrer for one place, as they
        book (the carer may ask for more on their own page)."""
        body = {"places": 1, "family_id": carer["id"]} if carer else None
        try:
            if body is None:
                reader = Reader(ctx.request.form, self.WAITING_JOIN)
                body = {"places": reader.whole_number("places")}
                reader.check()
            self.operation(ctx, join_waiting_list, body=body, messages=self.WAITING_JOIN,
                           keep_form=True, slot_id=slot_id)
        except FormErrors as invalid:
            return self._form_page(ctx, "breaks/waiting.html", invalid,
                                   **self._waiting_context(ctx, offer_id, slot_id, carer))
        ctx.flash(self.JOINED[ctx.user["role"]], name=carer and carer["display_name"])
        raise Redirect(waiting_path(offer_id, slot_id, carer))

    def leave_waiting(self, ctx, offer_id, slot_id, carer=None):
        """Leaves the list (an offer held is declined, as the API does)."""
        try:
            self.operation(ctx, leave_waiting_list,
                           query={"family_id": carer["id"]} if carer else {},
                           slot_id=slot_id)
        except (errors.Problem, service_errors.NotFound):
            pass  # not on it (any more): the page says so
        ctx.flash(self.LEFT[ctx.user["role"]], name=carer and carer["display_name"])
        raise Redirect(waiting_path(offer_id, slot_id, carer))

    @page("GET", "/breaks/<offer_id>/slots/<slot_id>/waiting-list", roles=FAMILY)
    def web_waiting_list(self, ctx, offer_id, slot_id):
        return self.waiting_page(ctx, offer_id, slot_id)

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/waiting-list", roles=FAMILY)
    def web_join_waiting_list(self, ctx, offer_id, slot_id):
        return self.join_waiting(ctx, offer_id, slot_id)

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/waiting-list/leave", roles=FAMILY)
    def web_leave_waiting_list(self, ctx, offer_id, slot_id):
        return self.leave_waiting(ctx, offer_id, slot_id)

    ACCEPTED = {"family": N_("You accepted the place. We are now booking it for you."),
                "referrer": N_("You accepted the place for them. We are now booking it.")}

    @page("POST", "/bookings/<booking_id>/accept", roles=FAMILY + REFERRER)
    def web_accept_offer(self, ctx, booking_id):
        """The offer's answer: a request (the booking's page then follows its saga). A
        referrer accepts a gifted offer for their carer, as the API lets them."""
        reader = Reader(ctx.request.form, self.OFFER_ACCEPT)
        body = {"budget_id": reader.text("budget_id") or None}
        try:
            self.operation(ctx, accept_offer, body=body, messages=self.OFFER_ACCEPT,
                           keep_form=True, booking_id=booking_id)
        except FormErrors as invalid:
            return self._booking_page(ctx, booking_id, status=422 if "budget_id" in
                                      invalid.errors else 409, errors=invalid.errors)
        ctx.flash(self.ACCEPTED[ctx.user["role"]])
        raise Redirect("/bookings/{}".format(booking_id))
