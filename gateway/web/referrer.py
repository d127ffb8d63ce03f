"""Referrers' pages: the carers of their centre, referring a carer, verifying carers who
asked to join, and booking a gifted break on a carer's behalf (or, on a full time, joining its
waiting list for them: `waiting.py`); and the page where a carer asks to join. A carer's page
has its "Home swaps" section: the centre verifies the carer's family for home swaps, or
withdraws it, each confirmed first."""
import uuid

from seibiant_common.vocabularies import CARE_NEEDS

from .. import errors
from ..api import apply_for_places, get_gifted_allowance, list_carers, list_self_referrals, \
    refer_carer, refer_oneself, request_booking, search_offers, sign_in, verify_carer
from .forms import FormErrors, Messages, Reader
from .i18n import LANGUAGES, N_
from .pages import REFERRER, Pages, Redirect, page


class ReferrerPages(Pages):
    """A referrer's pages (mixed into GatewayService)."""

    @page("GET", "/referrer", roles=REFERRER)
    def web_referrer_home(self, ctx):
        carers = self.operation(ctx, list_carers, query={"limit": "200"})["items"]
        waiting = self.operation(ctx, list_self_referrals, query={"limit": "200"})["items"]
        return ctx.render("referrer/home.html", carers=carers, waiting=waiting)

    REFER = Messages({
        "display_name": (N_("Enter the carer's name"),
                         N_("Enter a name of up to 120 characters")),
        "needs": (N_("Choose the needs of the person cared for"),
                  N_("Choose the needs of the person cared for")),
        "language": (N_("Choose the language the carer wants"),
                     N_("Choose the language the carer wants")),
        "consent_statement": (N_("Enter what the carer agreed to"),
                              N_("Enter what the carer agreed to, in up to 2000 characters")),
        "username": (N_("Enter a username"),
                     N_("Enter 3 to 64 letters, digits or . _ @ -, starting with a letter "
                        "or digit")),
        "password": (N_("Enter a password"), N_("Enter a password of at least 8 characters")),
    })

    def _refer_form(self, ctx, status=200, **context):
        return ctx.render("referrer/refer.html", status=status, needs=CARE_NEEDS,
                          languages=LANGUAGES, **context)

    @page("GET", "/referrer/carers/new", roles=REFERRER)
    def web_refer_form(self, ctx):
        return self._refer_form(ctx, values={"language": ctx.language})

    @page("POST", "/referrer/carers/new", roles=REFERRER)
    def web_refer(self, ctx):
        reader = Reader(ctx.request.form, self.REFER)
        body = {name: reader.text(name) for name in
                ("display_name", "language", "consent_statement", "username")}
        body["password"] = ctx.request.form.get("password", "")
        body["needs"] = reader.choices("needs")
        try:
            self.check_form(refer_carer, body, reader)
            carer = self.operation(ctx, refer_carer, body=body, messages=self.REFER,
                                   keep_form=True)
        except FormErrors as invalid:
            if "refusal" in invalid.errors:  # the only refusal: the username is taken
                invalid = FormErrors({"username": invalid.errors["refusal"]})
            return self._form_page(ctx, "referrer/refer.html", invalid, needs=CARE_NEEDS,
                                   languages=LANGUAGES, list_fields=("needs",))
        ctx.flash(N_("%(name)s can now sign in with their username, and book gifted "
                     "breaks."), name=carer["display_name"])
        raise Redirect("/referrer/carers/{}".format(carer["id"]))

    @page("GET", "/referrer/self-referrals", roles=REFERRER)
    def web_self_referrals(self, ctx):
        waiting = self.operation(ctx, list_self_referrals, query={"limit": "200"})["items"]
        return ctx.render("referrer/self_referrals.html", waiting=waiting)

    @page("POST", "/referrer/self-referrals/<family_id>/verify", roles=REFERRER)
    def web_verify(self, ctx, family_id):
        try:
            carer = self.operation(ctx, verify_carer, family_id=family_id)
        except errors.Problem as problem:
            if problem.status != 409:
                raise
            raise Redirect("/referrer/carers/{}".format(family_id))  # verified already
        ctx.flash(N_("%(name)s is verified: they are a carer of your centre and can book."),
                  name=carer["display_name"])
        raise Redirect("/referrer/carers/{}".format(family_id))

    def _carer(self, ctx, family_id):
        carers = self.operation(ctx, list_carers, query={"limit": "200"})["items"]
        carer = next((carer for carer in carers if carer["id"] == family_id), None)
        if carer is None:
            raise errors.not_found()
        return carer

    @page("GET", "/referrer/carers/<family_id>", roles=REFERRER)
    def web_carer(self, ctx, family_id):
        """A carer: their gifted breaks left, their bookings, their home swaps (without their
        messages), and gifted breaks to book."""
        carer = self._carer(ctx, family_id)
        gifts = self.operation(ctx, get_gifted_allowance, query={"family_id": family_id})
        bookings = [dict(booking, family=carer) for booking in self._bookings(ctx)
                    if booking["family_id"] == family_id]
        offers = self.operation(ctx, search_offers, query={
            "max_price_pence": "0", "region": carer["council"], "limit": "20"})["items"]
        # Where they are in line, or hold an offer: on the times of their bookings (a full
        # time's booking, refused, leads to its waiting list; an offer is a booking).
        waiting, seen = [], set()
        for booking in bookings:
            if booking["slot_id"] in seen or not booking.get("offer_id"):
                continue
            seen.add(booking["slot_id"])
            place = self.waiting_place(ctx, booking["slot_id"], carer)
            if place and place["status"] in ("waiting", "offered"):
                waiting.append(dict(place, booking=booking))
        swaps, more_swaps = self.swaps_of(ctx, family_id)
        return ctx.render("referrer/carer.html", carer=carer, gifts=gifts, bookings=bookings,
                          offers=offers, waiting=waiting, idempotency_key=uuid.uuid4().hex,
                          verification=self.verification_of(ctx, family_id),
                          swaps=swaps, more_swaps=more_swaps)

    WAITING = "/referrer/carers/<family_id>/breaks/<offer_id>/slots/<slot_id>/waiting-list"

    @page("GET", WAITING, roles=REFERRER)
    def web_carer_waiting_list(self, ctx, family_id, offer_id, slot_id):
        """A full gifted time's waiting list, for the carer: joining it for them, their
        place in line, leaving it, and the offer to answer."""
        return self.waiting_page(ctx, offer_id, slot_id, self._carer(ctx, family_id))

    @page("POST", WAITING, roles=REFERRER)
    def web_carer_join_waiting_list(self, ctx, family_id, offer_id, slot_id):
        return self.join_waiting(ctx, offer_id, slot_id, self._carer(ctx, family_id))

    @page("POST", WAITING + "/leave", roles=REFERRER)
    def web_carer_leave_waiting_list(self, ctx, family_id, offer_id, slot_id):
        return self.leave_waiting(ctx, offer_id, slot_id, self._carer(ctx, family_id))

    def _carer_swap_verification(self, ctx, family_id, step):
        """A carer of the centre's verification for home swaps (docs/staycation.md)."""
        carer = self._carer(ctx, family_id)  # another centre's carer is not found
        if step not in ("verify", "withdraw"):
            raise errors.not_found()
        return self.verification_step(ctx, carer, step,
                                      "/referrer/carers/{}".format(family_id))

    @page("GET", "/referrer/carers/<family_id>/swaps/<step>", roles=REFERRER)
    def web_carer_swaps_ask(self, ctx, family_id, step):
        return self._carer_swap_verification(ctx, family_id, step)

    @page("POST", "/referrer/carers/<family_id>/swaps/<step>", roles=REFERRER)
    def web_carer_swaps(self, ctx, family_id, step):
        return self._carer_swap_verification(ctx, family_id, step)

    BOOK = Messages({"slot_id": (N_("Choose a time"), N_("Choose a time"))})

    @page("POST", "/referrer/carers/<family_id>/book", roles=REFERRER)
    def web_book_for(self, ctx, family_id):
        form = ctx.request.form
        try:
            booking = self.operation(
                ctx, request_booking, messages=self.BOOK, keep_form=True,
                idempotency_key=form.get("idempotency_key") or uuid.uuid4().hex,
                body={"slot_id": form.get("slot_id", ""), "places": 1,
                      "family_id": family_id})
        except FormErrors as refused:
            ctx.flash(next(iter(refused.errors.values())))
            raise Redirect("/referrer/carers/{}".format(family_id))
        raise Redirect("/bookings/{}".format(booking["id"]))

    @page("POST", "/referrer/carers/<family_id>/apply", roles=REFERRER)
    def web_apply_for(self, ctx, family_id):
        """One place of a ballot slot asked for on the carer's behalf (the carer may change
        how many on the ballot's page)."""
        form = ctx.request.form
        try:
            self.operation(ctx, apply_for_places, messages=self.BOOK, keep_form=True,
                           body={"places": 1, "family_id": family_id},
                           slot_id=form.get("slot_id", ""))
        except FormErrors as refused:
            ctx.flash(next(iter(refused.errors.values())))
            raise Redirect("/referrer/carers/{}".format(family_id))
        ctx.flash(N_("You have applied in the ballot for them. They will be told after the "
                     "draw whether they have a place."))
        raise Redirect("/referrer/carers/{}".format(family_id))

    JOIN = Messages({
        "council": (N_("Enter your council area"),
                    N_("Enter your council area in lower-case letters, like powys")),
        "display_name": (N_("Enter your name"), N_("Enter a name of up to 120 characters")),
        "needs": (N_("Choose the needs of the person you care for"),
                  N_("Choose the needs of the person you care for")),
        "language": (N_("Choose your language"), N_("Choose your language")),
        "consent": (N_("Tick the box to agree that a carers' centre may check your request"),
                    N_("Tick the box to agree that a carers' centre may check your request")),
        "username": REFER.fields["username"],
        "password": REFER.fields["password"],
    }, api_fields={"consent_statement": "consent"})
    # What a carer who asks to join agrees to; kept, in the words they read, as their consent.
    CONSENT = N_("I agree that Seibiant keeps these details, and that a carers' centre of my "
                 "council may see them and contact me to check who I am.")
    UNUSABLE_USERNAME = N_("You cannot be signed in with this username and password. If you "
                           "have an account already, sign in; if not, choose another username")

    def _join_form(self, ctx, form_errors=None, status=200):
        context = dict(needs=CARE_NEEDS, consent=self.CONSENT)
        if form_errors is None:
            return ctx.render("referrer/join.html", values={"language": ctx.language},
                              **context)
        return self._form_page(ctx, "referrer/join.html", form_errors, status=status,
                               list_fields=("needs",), **context)

    @page("GET", "/join")
    def web_join_form(self, ctx):
        return self._join_form(ctx)

    @page("POST", "/join")
    def web_join(self, ctx):
        """Asks to join; then signs in with the new password, which a taken username's
        request (which stores nothing, and says so to no one) cannot."""
        reader = Reader(ctx.request.form, self.JOIN)
        body = {name: reader.text(name) for name in ("display_name", "language", "username")}
        body["council"] = reader.text("council").lower()
        body["password"] = ctx.request.form.get("password", "")
        body["needs"] = reader.choices("needs")
        body["consent_statement"] = ctx._(self.CONSENT) if reader.text("consent") else ""
        try:
            self.check_form(refer_oneself, body, reader)
            self.operation(ctx, refer_oneself, body=body, messages=self.JOIN)
        except FormErrors as invalid:
            return self._join_form(ctx, invalid, status=422)
        try:
            token = self.operation(ctx, sign_in, body={"username": body["username"],
                                                         "password": body["password"]})
        except errors.Problem:
            return self._join_form(ctx, FormErrors({"username": self.UNUSABLE_USERNAME}),
                                   status=422)
        self._signed_in(ctx, token)
        ctx.flash(N_("You have asked to join. A carers' centre of your council will check "
                     "your request; you can book breaks once it has."))
        raise Redirect("/family")
