"""A family's home swaps (staycation, docs/staycation.md): listing its home (questions, then
its answers checked), when it can be swapped, the homes that match it both ways and why, a
home's page, proposing a swap, a swap with its messages and its steps (accept, decline,
cancel), the partner's address once agreed, and reviews once it is over.

The rules are staycation's: these pages turn forms into the API's bodies and its refusals
into words (`labels.SWAP_CONFLICTS`), and offer only what a rule would allow (no "Accept" for
the family who proposed, no "List your home" before the family is verified).

The officers' and referrers' "Home swaps" section of a family's page, and its two steps
(verify, withdraw: each confirmed on a page of its own), are here too: `verification_of`,
`verification_step`, used by gateway/web/officer.py and gateway/web/referrer.py; and
`swaps_of`, the family's swaps the section lists (an officer's, each to read for
safeguarding).
"""
import datetime

from seibiant_common import errors as service_errors
from seibiant_common.types import utcnow
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, ADAPTATIONS, CARE_NEEDS

from .. import errors
from ..api import accept_swap, cancel_swap, change_home, decline_swap, get_home, \
    get_my_profile, get_my_swap_verification, get_swap, get_swap_needs, \
    get_swap_verification, home_matches, home_reviews, list_family_swaps, list_home, \
    list_my_homes, list_swap_messages, list_swaps, post_swap_message, propose_swap, \
    put_swap_needs, review_swap, set_home_availability, verify_for_swaps, withdraw_home, \
    withdraw_swap_verification
from . import labels
from .forms import FormErrors, Messages, Reader
from .i18n import N_, ZONE
from .pages import FAMILY, REFUSAL, Pages, Redirect, page
from .sessions import CSRF_FIELD

TEXTS = ("title", "title_cy", "description", "description_cy", "house_rules", "address")
CHOICES = ("accessibility", "adaptations", "suits_needs")
YES_NO = ("pets_welcome", "smoking")
LIVING = ("proposed", "agreed")
MATCH_DAYS = 90  # the matches' dates when none are asked for: from tomorrow, for 90 days
TOO_LONG = N_("Enter no more than 5000 characters")


def _today():
    return utcnow().astimezone(ZONE).date()


def _date_values(name, day):
    """A day as the three boxes of `m.date_field` show it."""
    if not day:
        return {}
    day = datetime.date.fromisoformat(day) if isinstance(day, str) else day
    return {name + "-day": str(day.day), name + "-month": str(day.month),
            name + "-year": str(day.year)}


class StaycationPages(Pages):
    """A family's home swap pages, mixed into GatewayService."""

    def _swap_operation(self, ctx, entrypoint, **kwargs):
        """The operation; staycation's refusal (a 409) as FormErrors in its own words."""
        try:
            return self.operation(ctx, entrypoint, **kwargs)
        except service_errors.Conflict as refused:
            raise FormErrors({REFUSAL: labels.SWAP_CONFLICTS.get(refused.code) or N_(
                "We could not do that. Check the details and try again.")})

    # ---- an officer's or referrer's verification of a family (the "Home swaps" section) ----

    def verification_of(self, ctx, family_id):
        """The family's swap verification, for its officer's or referrer's page. Before
        staycation has the family's council (told by the accounts' event) an officer's
        read is not found: the family is not verified yet."""
        try:
            return self.operation(ctx, get_swap_verification, family_id=family_id)
        except (errors.Problem, service_errors.NotFound) as missing:
            if isinstance(missing, errors.Problem) and missing.status != 404:
                raise
            return {"family_id": family_id, "verified": False, "verified_by": None,
                    "verified_by_role": None, "verified_at": None}

    FAMILY_SWAPS = 50  # the newest; an older swap is read by its reference

    def swaps_of(self, ctx, family_id):
        """The newest swaps the family takes part in (`FAMILY_SWAPS` of them) and whether
        there are more, for its officer's or referrer's page. Before staycation has the
        family's council none are found: nor could it have swapped."""
        try:
            found = self.operation(ctx, list_family_swaps, family_id=family_id,
                                   query={"limit": str(self.FAMILY_SWAPS)})
        except (errors.Problem, service_errors.NotFound) as missing:
            if isinstance(missing, errors.Problem) and missing.status != 404:
                raise
            return [], False
        return found["items"], found["next_cursor"] is not None

    VERIFY = Messages({"confirm": (
        N_("Confirm that you know the family and have checked that it is safe for them to "
           "swap homes"),
        N_("Confirm that you know the family and have checked that it is safe for them to "
           "swap homes"))})
    VERIFIED = {"verify": N_("%(name)s is verified for home swaps. They can list their home "
                             "and propose swaps."),
                "withdraw": N_("%(name)s is no longer verified for home swaps. Their listed "
                               "homes are paused until they are verified again.")}

    def verification_step(self, ctx, family, step, back):
        """GET: the step's confirmation page; POST: the step (`verify` needs the box
        ticked), then back to the family's page (`back`) with what was done."""
        path = "{}/swaps/{}".format(back, step)
        context = dict(family=family, step=step, back=back, path=path,
                       verification=self.verification_of(ctx, family["id"]))
        if ctx.request.method != "POST":
            return ctx.render("staycation/verification.html", **context)
        if step == "verify" and ctx.request.form.get("confirm") != "yes":
            return ctx.render("staycation/verification.html", status=422,
                              errors={"confirm": self.VERIFY.missing("confirm")}, **context)
        try:
            self._swap_operation(ctx, verify_for_swaps if step == "verify"
                                 else withdraw_swap_verification,
                                 body={} if step == "verify" else None,
                                 family_id=family["id"])
        except FormErrors as refused:
            return ctx.render("staycation/verification.html", status=409,
                              errors=refused.errors, **context)
        except (errors.Problem, service_errors.NotFound) as missing:
            if step != "withdraw" or (isinstance(missing, errors.Problem)
                                      and missing.status != 404):
                raise
            raise Redirect(back + "#home-swaps")  # not verified (withdrawn already)
        ctx.flash(self.VERIFIED[step], name=family["display_name"])
        raise Redirect(back + "#home-swaps")

    def _verified(self, ctx):
        return self.operation(ctx, get_my_swap_verification)["verified"]

    def _my_homes(self, ctx):
        return self.operation(ctx, list_my_homes, query={"limit": "200"})["items"]

    def _home_or_none(self, ctx, home_id, cache):
        if home_id not in cache:
            try:
                cache[home_id] = self.operation(ctx, get_home, home_id=home_id)
            except (errors.Problem, service_errors.NotFound):
                cache[home_id] = None  # withdrawn since: named without its title
        return cache[home_id]

    # ---- the start: verification, the family's homes and swaps -----------------------------

    @page("GET", "/swaps", roles=FAMILY)
    def web_swaps(self, ctx):
        homes = self._my_homes(ctx)
        swaps = self.operation(ctx, list_swaps, query={"limit": "200"})["items"]
        cache = {home["id"]: home for home in homes}
        for swap in swaps:
            theirs = (swap["partner_home_id"] if swap["proposer_family_id"] == ctx.user["id"]
                      else swap["proposer_home_id"])
            swap["their_home"] = self._home_or_none(ctx, theirs, cache)
        return ctx.render("staycation/start.html", verified=self._verified(ctx), homes=homes,
                          swaps=swaps, needs=self.operation(ctx, get_swap_needs))

    # ---- what the family needs of a home ------------------------------------------------

    NEEDS = Messages({"needs": (N_("Choose needs from the list"),
                                N_("Choose needs from the list")),
                      "must_haves": (N_("Choose from the list"), N_("Choose from the list"))})

    def _needs_page(self, ctx, status=200, **context):
        return ctx.render("staycation/needs.html", status=status, needs=CARE_NEEDS,
                          features=ACCESSIBILITY_FEATURES + ADAPTATIONS, **context)

    @page("GET", "/swaps/needs", roles=FAMILY)
    def web_swap_needs(self, ctx):
        told = self.operation(ctx, get_swap_needs)
        if not told["needs"] and not told["must_haves"]:  # the profile's, to start with
            told = dict(told, needs=self.operation(ctx, get_my_profile)["needs"])
        return self._needs_page(ctx, values=told)

    @page("POST", "/swaps/needs", roles=FAMILY)
    def web_save_swap_needs(self, ctx):
        reader = Reader(ctx.request.form, self.NEEDS)
        body = {"needs": reader.choices("needs"), "must_haves": reader.choices("must_haves")}
        try:
            self.check_form(put_swap_needs, body, reader)
            self.operation(ctx, put_swap_needs, body=body, messages=self.NEEDS)
        except FormErrors as invalid:
            return self._form_page(ctx, "staycation/needs.html", invalid, needs=CARE_NEEDS,
                                   features=ACCESSIBILITY_FEATURES + ADAPTATIONS,
                                   list_fields=("needs", "must_haves"))
        ctx.flash(N_("What your family needs of a home is saved."))
        raise Redirect("/swaps")

    # ---- listing a home: the questions, the answers checked, then listed ------------------

    HOME = Messages({
        "title": (N_("Enter a title for your home"),
                  N_("Enter a title of no more than 200 characters")),
        "title_cy": (N_("Enter a title of no more than 200 characters"),
                     N_("Enter a title of no more than 200 characters")),
        "region": (N_("Choose a council area"), N_("Choose a council area from the list")),
        "sleeps": (N_("Enter how many people your home sleeps"),
                   N_("Enter how many people your home sleeps, from 1 to 30")),
        "bedrooms": (N_("Enter how many bedrooms your home has"),
                     N_("Enter how many bedrooms your home has, from 0 to 20")),
        "accessibility": (N_("Choose from the list"), N_("Choose from the list")),
        "adaptations": (N_("Choose from the list"), N_("Choose from the list")),
        "suits_needs": (N_("Choose needs from the list"), N_("Choose needs from the list")),
        "description": (TOO_LONG, TOO_LONG),
        "description_cy": (TOO_LONG, TOO_LONG),
        "house_rules": (TOO_LONG, TOO_LONG),
        "pets_welcome": (N_("Say whether pets are welcome"),
                         N_("Say whether pets are welcome")),
        "smoking": (N_("Say whether smoking is allowed"),
                    N_("Say whether smoking is allowed")),
        "address": (N_("Enter your home's address"),
                    N_("Enter an address of no more than 1000 characters")),
    })

    def _home_context(self, **context):
        return dict(accessibility=ACCESSIBILITY_FEATURES, adaptations=ADAPTATIONS,
                    care_needs=CARE_NEEDS, **context)

    @staticmethod
    def _home_values(home):
        values = {name: home.get(name) or "" for name in TEXTS + ("region",)}
        values.update({name: str(home[name]) for name in ("sleeps", "bedrooms")})
        values.update({name: home[name] for name in CHOICES})
        values.update({name: "yes" if home[name] else "no" for name in YES_NO})
        return values

    def _read_home(self, reader):
        body = {name: reader.text(name) for name in TEXTS + ("region",)}
        for name in ("title_cy", "description_cy"):
            body[name] = body[name] or None
        body["region"] = body["region"] or None
        body["title"] = body["title"] or None
        body["address"] = body["address"] or None
        for name in ("sleeps", "bedrooms"):
            body[name] = reader.whole_number(name)
        for name in CHOICES:
            body[name] = reader.choices(name)
        for name in YES_NO:
            answer = reader.text(name)
            if answer not in ("yes", "no"):
                reader.errors[name] = self.HOME.missing(name)
            body[name] = answer == "yes"
        return body

    def _home_form(self, ctx, home=None):
        """The questions, then the answers to check ("Change" comes back to the questions
        with them kept), then listed or changed."""
        form = ctx.request.form
        reader = Reader(form, self.HOME)
        body = self._read_home(reader)
        entrypoint = change_home if home else list_home
        context = self._home_context(home=home, list_fields=CHOICES)
        try:
            self.check_form(entrypoint, body, reader)
            if reader.text("action") == "change":
                raise FormErrors({})
            if reader.text("action") != "confirm":
                answers = [(key, value) for key in form for value in form.getlist(key)
                           if key not in (CSRF_FIELD, "action")]
                return ctx.render("staycation/home_check.html", home=home, body=body,
                                  answers=answers)
            if home:
                done = self._swap_operation(ctx, change_home, body=body, messages=self.HOME,
                                            home_id=home["id"])
            else:
                done = self._swap_operation(ctx, list_home, body=body, messages=self.HOME)
        except FormErrors as invalid:
            return self._form_page(ctx, "staycation/home_form.html", invalid,
                                   status=422 if invalid.errors else 200, **context)
        if home:
            ctx.flash(N_("Your home is changed."))
            raise Redirect("/swaps/homes/" + done["id"])
        ctx.flash(N_("Your home is listed. Now say when it can be swapped."))
        raise Redirect("/swaps/homes/{}/availability".format(done["id"]))

    @page("GET", "/swaps/homes/new", roles=FAMILY)
    def web_new_home(self, ctx):
        if not self._verified(ctx):
            return ctx.render("staycation/not_verified.html")
        return ctx.render("staycation/home_form.html", home=None,
                          values={"pets_welcome": "no", "smoking": "no"},
                          **self._home_context())

    @page("POST", "/swaps/homes/new", roles=FAMILY)
    def web_list_home(self, ctx):
        return self._home_form(ctx)

    def _own_home(self, ctx, home_id):
        home = self.operation(ctx, get_home, home_id=home_id)
        if home["family_id"] != ctx.user["id"]:
            raise errors.not_found()
        return home

    @page("GET", "/swaps/homes/<home_id>/edit", roles=FAMILY)
    def web_edit_home(self, ctx, home_id):
        home = self._own_home(ctx, home_id)
        return ctx.render("staycation/home_form.html", home=home,
                          values=self._home_values(home), **self._home_context())

    @page("POST", "/swaps/homes/<home_id>/edit", roles=FAMILY)
    def web_change_home(self, ctx, home_id):
        return self._home_form(ctx, self._own_home(ctx, home_id))

    @page("GET", "/swaps/homes/<home_id>/withdraw", roles=FAMILY)
    def web_withdraw_home_ask(self, ctx, home_id):
        return ctx.render("staycation/withdraw.html", home=self._own_home(ctx, home_id))

    @page("POST", "/swaps/homes/<home_id>/withdraw", roles=FAMILY)
    def web_withdraw_home(self, ctx, home_id):
        home = self._own_home(ctx, home_id)
        try:
            self._swap_operation(ctx, withdraw_home, body={}, home_id=home_id)
        except FormErrors as invalid:
            return ctx.render("staycation/withdraw.html", status=409, home=home,
                              errors=invalid.errors)
        ctx.flash(N_("Your home is withdrawn: it is no longer offered for swaps."))
        raise Redirect("/swaps")

    # ---- when the home can be swapped ---------------------------------------------------

    @staticmethod
    def _ranges_messages(rows):
        fields = {}
        for i in range(rows):
            fields["range-{}-start".format(i)] = (N_("Enter the first night"),
                                                  N_("Enter a real date"))
            fields["range-{}-end".format(i)] = (N_("Enter the day guests leave"),
                                                N_("Enter a real date"))
        fields["ranges"] = (N_("Check the dates"), N_(
            "Check the dates: each must be in the future, end after it starts and not "
            "overlap another"))
        api_fields = {"ranges.{}.start_date".format(i): "range-{}-start".format(i)
                      for i in range(rows)}
        api_fields.update({"ranges.{}.end_date".format(i): "range-{}-end".format(i)
                           for i in range(rows)})
        return Messages(fields, api_fields=api_fields)

    def _availability_page(self, ctx, home, rows, status=200, **context):
        return ctx.render("staycation/availability.html", status=status, home=home,
                          rows=rows, **context)

    @page("GET", "/swaps/homes/<home_id>/availability", roles=FAMILY)
    def web_availability(self, ctx, home_id):
        home = self._own_home(ctx, home_id)
        values = {}
        for i, each in enumerate(home["availability"]):
            values.update(_date_values("range-{}-start".format(i), each["start_date"]))
            values.update(_date_values("range-{}-end".format(i), each["end_date"]))
        return self._availability_page(ctx, home, len(home["availability"]) + 1,
                                       values=values)

    @page("POST", "/swaps/homes/<home_id>/availability", roles=FAMILY)
    def web_save_availability(self, ctx, home_id):
        home = self._own_home(ctx, home_id)
        form = ctx.request.form
        rows = min(int(form.get("rows")), 51) if (form.get("rows") or "").isdigit() else 0
        messages = self._ranges_messages(rows)
        reader = Reader(form, messages)
        ranges = []
        for i in range(rows):
            start_name, end_name = "range-{}-start".format(i), "range-{}-end".format(i)
            told = [reader.text("{}-{}".format(name, part)) for name in (start_name, end_name)
                    for part in ("day", "month", "year")]
            if not any(told):
                continue  # a blank row (or one emptied, to remove it)
            start, end = reader.date(start_name), reader.date(end_name)
            if start and end:
                ranges.append({"start_date": start.isoformat(), "end_date": end.isoformat()})
        try:
            reader.check()
            self._swap_operation(ctx, set_home_availability, body={"ranges": ranges},
                                 messages=messages, home_id=home_id)
        except FormErrors as invalid:
            return self._form_page(ctx, "staycation/availability.html", invalid, home=home,
                                   rows=rows)
        ctx.flash(N_("When your home can be swapped is saved."))
        raise Redirect("/swaps/homes/" + home_id)

    # ---- matches ------------------------------------------------------------------------

    MATCHES = Messages({"from": (N_("Enter a real date"), N_("Enter a real date")),
                        "to": (N_("Enter a real date"),
                               N_("Enter a real date, after the first date"))},
                       api_fields={"from": "from", "to": "to"})

    @page("GET", "/swaps/homes/<home_id>/matches", roles=FAMILY)
    def web_matches(self, ctx, home_id):
        home = self._own_home(ctx, home_id)
        args = ctx.request.args
        reader = Reader(args, self.MATCHES)
        start = reader.date("from", required=False) or _today() + datetime.timedelta(days=1)
        end = reader.date("to", required=False) or start + datetime.timedelta(days=MATCH_DAYS)
        values = dict(_date_values("from", start), **_date_values("to", end))
        if reader.errors:
            values = args.to_dict()
        if not reader.errors and end <= start:
            reader.errors["to"] = self.MATCHES.wrong("to")
        context = dict(home=home, values=values, matches=[], start=start, end=end)
        if home["status"] != "listed":
            return ctx.render("staycation/matches.html", **context)
        try:
            reader.check()
            found = self._swap_operation(ctx, home_matches, messages=self.MATCHES, query={
                "home_id": home_id, "from": start.isoformat(), "to": end.isoformat()})
        except FormErrors as invalid:
            if REFUSAL in invalid.errors:
                return ctx.render("staycation/not_verified.html", status=409)
            return ctx.render("staycation/matches.html", status=422, errors=invalid.errors,
                              **context)
        context["matches"] = found["items"]
        return ctx.render("staycation/matches.html", **context)

    # ---- a home's page ------------------------------------------------------------------

    @page("GET", "/swaps/homes/<home_id>", roles=FAMILY)
    def web_home(self, ctx, home_id):
        home = self.operation(ctx, get_home, home_id=home_id)
        own = home["family_id"] == ctx.user["id"]
        reviews = self.operation(ctx, home_reviews, home_id=home_id)["items"]
        mine = [] if own else [h for h in self._my_homes(ctx) if h["status"] == "listed"]
        return ctx.render("staycation/home.html", home=home, own=own, reviews=reviews,
                          my_homes=mine)

    # ---- proposing a swap ---------------------------------------------------------------

    PROPOSE = Messages({
        "my_home_id": (N_("Choose which of your homes to swap"),
                       N_("Choose which of your homes to swap")),
        "mine-start": (N_("Enter the first night you stay in their home"),
                       N_("Enter a real date, not in the past, when their home is free")),
        "mine-end": (N_("Enter the day you leave their home"),
                     N_("Enter a real date after the first night, at most 28 nights on")),
        "theirs-start": (N_("Enter the first night they stay in your home"),
                         N_("Enter a real date, not in the past, when your home is free")),
        "theirs-end": (N_("Enter the day they leave your home"),
                       N_("Enter a real date after the first night, at most 28 nights on")),
    }, api_fields={"my_stay": "mine-start", "my_stay.start_date": "mine-start",
                   "my_stay.end_date": "mine-end", "their_stay": "theirs-start",
                   "their_stay.start_date": "theirs-start",
                   "their_stay.end_date": "theirs-end", "their_home_id": "my_home_id"})

    def _propose_context(self, ctx, their_home_id):
        their_home = self.operation(ctx, get_home, home_id=their_home_id)
        mine = [h for h in self._my_homes(ctx) if h["status"] == "listed"]
        return {"their_home": their_home, "my_homes": mine}

    @page("GET", "/swaps/homes/<home_id>/propose", roles=FAMILY)
    def web_propose_form(self, ctx, home_id):
        context = self._propose_context(ctx, home_id)
        args = ctx.request.args
        values = {"my_home_id": args.get("my_home_id") or (
            context["my_homes"][0]["id"] if len(context["my_homes"]) == 1 else None)}
        return ctx.render("staycation/propose.html", values=values, **context)

    @page("POST", "/swaps/homes/<home_id>/propose", roles=FAMILY)
    def web_propose(self, ctx, home_id):
        context = self._propose_context(ctx, home_id)
        reader = Reader(ctx.request.form, self.PROPOSE)
        my_home_id = reader.text("my_home_id")
        if my_home_id not in [h["id"] for h in context["my_homes"]]:
            reader.errors["my_home_id"] = self.PROPOSE.missing("my_home_id")
        stays = {}
        for name, prefix in (("my_stay", "mine"), ("their_stay", "theirs")):
            start, end = reader.date(prefix + "-start"), reader.date(prefix + "-end")
            if start and end:
                stays[name] = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        try:
            reader.check()
            swap = self._swap_operation(ctx, propose_swap, messages=self.PROPOSE, body=dict(
                stays, my_home_id=my_home_id, their_home_id=home_id))
        except FormErrors as invalid:
            return self._form_page(ctx, "staycation/propose.html", invalid, **context)
        ctx.flash(N_("Your proposal is sent. The other family will accept or decline it."))
        raise Redirect("/swaps/" + swap["id"])

    # ---- a swap: its messages, its steps, the partner once agreed, reviews ---------------

    MESSAGE = Messages({"text": (N_("Enter your message"),
                                 N_("Enter a message of no more than 2000 characters"))})
    REVIEW = Messages({
        "home_rating": (N_("Choose how you rate the home you stayed in"),
                        N_("Choose how you rate the home you stayed in")),
        "guests_rating": (N_("Choose how you rate the guests you hosted"),
                          N_("Choose how you rate the guests you hosted")),
        "comment": (N_("Enter no more than 2000 characters"),
                    N_("Enter no more than 2000 characters"))})

    def _swap_page(self, ctx, swap_id, status=200, **context):
        swap = self.operation(ctx, get_swap, swap_id=swap_id)
        me = ctx.user["id"]
        proposer = swap["proposer_family_id"] == me
        cache = {}
        mine = self._home_or_none(ctx, swap["proposer_home_id" if proposer
                                       else "partner_home_id"], cache)
        theirs = self._home_or_none(ctx, swap["partner_home_id" if proposer
                                         else "proposer_home_id"], cache)
        messages = self.operation(ctx, list_swap_messages, query={"limit": "200"},
                                  swap_id=swap_id)["items"]
        first_day = min(swap["proposer_stay"]["start_date"], swap["partner_stay"]["start_date"])
        reviewed = False
        if swap["status"] == "completed" and theirs:
            reviewed = any(review["family_id"] == me for review in self.operation(
                ctx, home_reviews, home_id=theirs["id"])["items"])
        return ctx.render(
            "staycation/swap.html", status=status, swap=swap, proposer=proposer,
            my_home=mine, their_home=theirs, messages=messages, me=me,
            my_stay=swap["proposer_stay" if proposer else "partner_stay"],
            their_stay=swap["partner_stay" if proposer else "proposer_stay"],
            may_decide=swap["status"] == "proposed" and not proposer,
            may_cancel=swap["status"] in LIVING and _today().isoformat() < first_day,
            may_write=swap["status"] in LIVING,
            may_review=swap["status"] == "completed" and not reviewed, **context)

    @page("GET", "/swaps/<swap_id>", roles=FAMILY)
    def web_swap(self, ctx, swap_id):
        return self._swap_page(ctx, swap_id)

    @page("POST", "/swaps/<swap_id>/messages", roles=FAMILY)
    def web_swap_message(self, ctx, swap_id):
        reader = Reader(ctx.request.form, self.MESSAGE)
        body = {"text": reader.text("text") or None}
        try:
            self.check_form(post_swap_message, body, reader)
            self._swap_operation(ctx, post_swap_message, body=body, messages=self.MESSAGE,
                                 swap_id=swap_id)
        except FormErrors as invalid:
            return self._swap_page(ctx, swap_id, status=422, errors=invalid.errors,
                                   values={"text": ctx.request.form.get("text")})
        ctx.flash(N_("Your message is sent."))
        raise Redirect("/swaps/{}#messages".format(swap_id))

    def _step(self, ctx, swap_id, entrypoint, done):
        try:
            self._swap_operation(ctx, entrypoint, body={}, swap_id=swap_id)
        except FormErrors as invalid:
            return self._swap_page(ctx, swap_id, status=409, errors=invalid.errors)
        ctx.flash(done)
        raise Redirect("/swaps/" + swap_id)

    @page("POST", "/swaps/<swap_id>/accept", roles=FAMILY)
    def web_accept_swap(self, ctx, swap_id):
        return self._step(ctx, swap_id, accept_swap, N_(
            "You have agreed to the swap. You can now see the other family's address and "
            "how to reach them."))

    @page("POST", "/swaps/<swap_id>/decline", roles=FAMILY)
    def web_decline_swap(self, ctx, swap_id):
        return self._step(ctx, swap_id, decline_swap, N_("You have declined the swap."))

    @page("GET", "/swaps/<swap_id>/cancel", roles=FAMILY)
    def web_cancel_swap_ask(self, ctx, swap_id):
        return ctx.render("staycation/cancel.html",
                          swap=self.operation(ctx, get_swap, swap_id=swap_id))

    @page("POST", "/swaps/<swap_id>/cancel", roles=FAMILY)
    def web_cancel_swap(self, ctx, swap_id):
        return self._step(ctx, swap_id, cancel_swap, N_("The swap is cancelled."))

    @page("POST", "/swaps/<swap_id>/reviews", roles=FAMILY)
    def web_review_swap(self, ctx, swap_id):
        reader = Reader(ctx.request.form, self.REVIEW)
        body = {name: int(reader.text(name)) if reader.text(name).isdigit() else None
                for name in ("home_rating", "guests_rating")}
        body["comment"] = reader.text("comment") or None
        try:
            self.check_form(review_swap, body, reader)
            self._swap_operation(ctx, review_swap, body=body, messages=self.REVIEW,
                                 swap_id=swap_id)
        except FormErrors as invalid:
            return self._swap_page(ctx, swap_id, status=422, errors=invalid.errors,
                                   values=ctx.request.form.to_dict())
        ctx.flash(N_("Thank you for your review. It is shown once the other family has "
                     "reviewed too, or after 14 days."))
        raise Redirect("/swaps/" + swap_id)
