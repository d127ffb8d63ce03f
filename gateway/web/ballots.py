"""The pages of a ballot slot (a gifted slot whose places a draw gives): a carer applies for
places, changes how many, or withdraws until the close; after it, they see whether they were
drawn (a link to their booking) or not (and that they keep their priority). The slot's
provider, officers and referrers see how it stands and, once drawn, its record: the seed, the
entrants in the order drawn and each outcome, naming only the carers the API names to them."""
import datetime

from seibiant_common import errors as service_errors
from seibiant_common.types import utcnow

from .. import errors
from ..api import apply_for_places, get_ballot, get_offer, withdraw_application
from .forms import FormErrors, Messages, Reader
from .i18n import N_
from .pages import FAMILY, OFFICER, PROVIDER, REFERRER, REFUSAL, Pages, Redirect, page


class BallotPages(Pages):
    """A ballot slot's page, applying and withdrawing (mixed into GatewayService)."""

    APPLY = Messages({
        "places": (N_("Enter how many places you need"),
                   N_("Enter how many places you need, as a whole number from 1")),
    })

    def _ballot_slot(self, ctx, offer_id, slot_id):
        offer = self.operation(ctx, get_offer, offer_id=offer_id)
        slot = next((slot for slot in offer.get("slots", []) if slot["id"] == slot_id), None)
        if slot is None or slot.get("allocation") != "ballot":
            raise errors.not_found()
        return offer, slot

    def _record(self, ctx, slot_id):
        """The ballot's record as the API shows it to the person, or None for a carer who
        has not applied (the API knows no ballot of theirs)."""
        try:
            return self.operation(ctx, get_ballot, slot_id=slot_id)
        except (errors.Problem, service_errors.NotFound) as missing:
            if ctx.user["role"] != "family" or (
                    isinstance(missing, errors.Problem) and missing.status != 404):
                raise
            return None

    def _ballot_page(self, ctx, offer_id, slot_id, status=200, **context):
        offer, slot = self._ballot_slot(ctx, offer_id, slot_id)
        record = self._record(ctx, slot_id)
        mine = record and record.get("mine")
        applied = bool(mine and mine["status"] == "applied")
        open_ = (record is None or record["status"] == "open") and not _closed(slot)
        context.setdefault("values", {"places": str(mine["places"]) if applied else "1"})
        return ctx.render("ballots/show.html", status=status, offer=offer, slot=slot,
                          record=record, mine=mine if applied else None, open=open_,
                          **context)

    @page("GET", "/breaks/<offer_id>/slots/<slot_id>/ballot",
          roles=FAMILY + PROVIDER + OFFICER + REFERRER)
    def web_ballot(self, ctx, offer_id, slot_id):
        return self._ballot_page(ctx, offer_id, slot_id)

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/ballot/apply", roles=FAMILY)
    def web_apply(self, ctx, offer_id, slot_id):
        self._ballot_slot(ctx, offer_id, slot_id)
        reader = Reader(ctx.request.form, self.APPLY)
        try:
            places = reader.whole_number("places")
            reader.check()
            self.operation(ctx, apply_for_places, body={"places": places},
                           messages=self.APPLY, keep_form=True, slot_id=slot_id)
        except FormErrors as invalid:
            refused = REFUSAL in invalid.errors
            return self._ballot_page(ctx, offer_id, slot_id, status=409 if refused else 422,
                                     errors=invalid.errors,
                                     values={"places": ctx.request.form.get("places")})
        ctx.flash(N_("You have applied. We will tell you after the draw whether you have a "
                     "place."))
        raise Redirect("/breaks/{}/slots/{}/ballot".format(offer_id, slot_id))

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/ballot/withdraw", roles=FAMILY)
    def web_withdraw(self, ctx, offer_id, slot_id):
        self._ballot_slot(ctx, offer_id, slot_id)
        try:
            self.operation(ctx, withdraw_application, keep_form=True, slot_id=slot_id)
        except FormErrors as refused:
            return self._ballot_page(ctx, offer_id, slot_id, status=409,
                                     errors=refused.errors)
        ctx.flash(N_("You have withdrawn from the ballot."))
        raise Redirect("/breaks/{}/slots/{}/ballot".format(offer_id, slot_id))


def _closed(slot):
    close = slot.get("applications_close_at")
    return close is not None and datetime.datetime.fromisoformat(close) <= utcnow()
