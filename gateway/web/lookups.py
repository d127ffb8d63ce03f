"""The look-ups several audiences' pages make, through the API's operations (a mixin of
`pages.Pages`, whose `operation` they call)."""
from seibiant_common import errors as service_errors

from .. import errors
from ..api import get_booking_feedback, get_offer, get_user, list_bookings, list_budgets


class Lookups:
    def _budgets(self, ctx, **query):
        return self.operation(ctx, list_budgets, query=dict(query, limit="200"))["items"]

    def _offer(self, ctx, offer_id, cache):
        if offer_id and offer_id not in cache:
            try:
                cache[offer_id] = self.operation(ctx, get_offer, offer_id=offer_id)
            except (errors.Problem, service_errors.NotFound):
                cache[offer_id] = None
        return cache.get(offer_id)

    def _family(self, ctx, family_id, cache):
        if family_id not in cache:
            cache[family_id] = self.operation(ctx, get_user, user_id=family_id)
        return cache[family_id]

    def _maybe(self, ctx, entrypoint, booking_id):
        """The operation's answer, or None where it is a 404 (nothing shared, none given)."""
        try:
            return self.operation(ctx, entrypoint, booking_id=booking_id)
        except (errors.Problem, service_errors.NotFound) as missing:
            if isinstance(missing, errors.Problem) and missing.status != 404:
                raise
            return None

    def _bookings(self, ctx, **query):
        """The caller's bookings with their offers; a family's each with `ask_feedback`: the
        break is over and they have not yet said how it went (the list asks them)."""
        bookings = self.operation(ctx, list_bookings, query=dict(query, limit="200"))["items"]
        offers = {}
        for booking in bookings:
            booking["offer"] = self._offer(ctx, booking.get("offer_id"), offers)
            booking["ask_feedback"] = ctx.user["role"] == "family" and \
                booking["status"] == "completed" and \
                self._maybe(ctx, get_booking_feedback, booking["id"]) is None
        return bookings
