"""The web pages: `WebPages`, a mixin of HTTP entrypoints that `GatewayService` inherits.

Each page reads the signed session cookie, finds the signed-in person through the gateway's
own `accounts.authorise`, and calls the gateway's own API operations (`operation(...)`): the
same role checks, the same marshmallow schemas, the same service calls as the JSON API. What
is here is presentation: forms in, pages out, in English or Welsh.
"""
import datetime
import functools
import json
import logging
import mimetypes
import os
import secrets
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from nameko.exceptions import ConfigurationError
from werkzeug.security import safe_join
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from seibiant_common import errors as service_errors
from seibiant_common import times
from seibiant_common.config import flag, setting
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, CARE_NEEDS, CATEGORIES

from .. import errors
from ..changes import WaitsForChange
from ..dependencies import Accounts
from ..http import (PATH_ID, PUBLIC, SIGNED_IN, ApiEntrypoint, Call,
                    content_security_policy)
from . import labels
from .forms import FormErrors, Messages, Reader, moment
from .i18n import LANGUAGES, N_, TIMEZONE, Formatter, best_language, local_moment
from .rendering import render
from .sessions import COOKIE_NAME, CSRF_FIELD, Session, SessionCodec, set_cookie

log = logging.getLogger(__name__)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
# GOV.UK Frontend as npm installed it (`make install`); SEIBIANT_FRONTEND_DIR overrides.
FRONTEND_DIR = os.environ.get("SEIBIANT_FRONTEND_DIR") or os.path.join(
    ROOT, "node_modules", "govuk-frontend", "dist", "govuk")
FRONTEND_FILES = ("govuk-frontend.min.css", "govuk-frontend.min.js")
LIVE_STATUSES = ("requested", "awaiting_approval")
CANCELLABLE = ("requested", "awaiting_approval", "confirmed")
HOME_BY_ROLE = {"family": "/family", "provider": "/provider", "officer": "/officer",
                "admin": "/"}
FAMILY, PROVIDER, OFFICER = ("family",), ("provider",), ("officer",)
MIDNIGHT = datetime.time(0, 0)


class PageEntrypoint(ApiEntrypoint):
    """The gateway's HTTP entrypoint (same server, same correlation ids), answering a failure
    outside the worker with a page rather than problem details."""

    def response_from_exception(self, exc):
        log.error("page failed outside its worker: %r", exc)
        return Response("<!DOCTYPE html><title>Sorry</title><p>Sorry, something went wrong.",
                        status=500, mimetype="text/html")


class WaitingPageEntrypoint(WaitsForChange, PageEntrypoint):
    pass


class WebSessions(DependencyProvider):
    """The session cookie's codec, keyed from the gateway's token secret (Accounts).
    SECURE_COOKIES (SEIBIANT_SECURE_COOKIES): mark the cookie Secure whatever the request
    looks like, for a site served over HTTPS by a proxy in front of the gateway."""

    def start(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, Accounts):
                self.codec = SessionCodec(dependency.secret, setting(
                    self.container.config, "SECURE_COOKIES", False, flag))
                break
        else:
            raise ConfigurationError("the web pages need the gateway's Accounts dependency")
        if not os.path.isdir(FRONTEND_DIR):
            log.warning("GOV.UK Frontend is not installed at %s (run `make install`): pages "
                        "will have no styles", FRONTEND_DIR)

    def get_dependency(self, worker_ctx):
        return self.codec


class Redirect(Exception):
    def __init__(self, location):
        super().__init__(location)
        self.location = location


class PageContext:
    """One request as a page sees it: who, in which language, the session, and rendering."""

    def __init__(self, request, session, user, actor, language):
        self.request = request
        self.session = session
        self.user = user
        self.actor = actor
        self.language = language
        self.fmt = Formatter(language)
        self.nonce = secrets.token_urlsafe(16)

    def _(self, message, **values):
        return self.fmt.gettext(message, **values)

    def render(self, template, status=200, **context):
        flash = self.session.pop("flash", None)
        html = render(self.language, template, user=self.user, csrf_token=self.session["csrf"],
                      csrf_field=CSRF_FIELD, current_path=self.request.full_path.rstrip("?"),
                      flash=flash, cspNonce=self.nonce, errors=context.pop("errors", {}),
                      values=context.pop("values", {}), **context)
        return Response(html, status=status, mimetype="text/html")

    def flash(self, message, **values):
        self.session["flash"] = self._(message, **values)


def page(method, rule, roles=None, entrypoint_class=PageEntrypoint):
    """Declares a page. `roles`: who may see it (None: anyone). The method is
    `fn(self, ctx, **path_values)` and returns a Response (usually `ctx.render(...)`)."""

    def decorate(fn):
        @functools.wraps(fn)
        def entrypoint(self, request, **path_values):
            return self._serve_page(fn, roles, request, path_values)

        return entrypoint_class.decorator(method, rule)(entrypoint)

    return decorate


def _bearer(token):
    """The session's token as the API's accounts read it, from a request's headers."""
    return SimpleNamespace(headers={"Authorization": "Bearer " + token})


def safe_next(target):
    """Only a path of this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None


class WebPages:
    """The pages of families, providers and officers (mixed into GatewayService)."""

    web_sessions = WebSessions()

    # ---- plumbing -------------------------------------------------------------------------

    def _serve_page(self, fn, roles, request, path_values):
        session = Session(self.web_sessions.loads(request.cookies.get(COOKIE_NAME)))
        user = actor = None
        if session.get("token"):
            try:
                user, actor = self.accounts.authorise(_bearer(session["token"]), SIGNED_IN)
            except errors.Problem:  # expired or revoked: signed out, language kept
                session.pop("token")
        language = (user or {}).get("language") or session.get("lang") \
            or best_language(request.accept_languages)
        if language not in LANGUAGES:
            language = LANGUAGES[0]
        ctx = PageContext(request, session, user, actor, language)
        try:
            if request.method == "POST" and not session.check_csrf(request.form.get(CSRF_FIELD)):
                response = ctx.render("error.html", status=400, title=N_("Your form expired"),
                                      message=N_("For your security, forms expire. Go back, "
                                                 "reload the page and try again."))
            elif roles and user is None:
                response = redirect("/sign-in?" + urlencode({"next": request.full_path}))
            elif roles and user["role"] not in roles:
                response = ctx.render("error.html", status=403,
                                      title=N_("You cannot see this page"),
                                      message=N_("This page is for another kind of account."))
            else:
                response = fn(self, ctx, **path_values)
        except Redirect as moved:
            response = redirect(moved.location)
        except Exception as error:  # a refusal or an outage, in words; never a stack trace
            response = self._error_page(ctx, error)
        if session.modified:
            set_cookie(response, self.web_sessions, session, request)
        response.headers["Content-Language"] = language
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Cookie")
        # the other security headers are on every answer of the gateway (gateway.http)
        response.headers["Content-Security-Policy"] = content_security_policy(ctx.nonce)
        return response

    def _error_page(self, ctx, error):
        problem = error.response() if isinstance(error, errors.Problem) else \
            errors.problem_for(error)
        if problem is None:
            log.exception("page failed: %r", error)
            return ctx.render("error.html", status=500, title=N_("Sorry, there is a problem"),
                              message=N_("Something went wrong on our side. It has been "
                                         "recorded. Try again later."))
        status = problem.status_code
        body = json.loads(problem.get_data(as_text=True))
        if status == 401:
            ctx.session.pop("token")
            return redirect("/sign-in")
        if status == 404:
            return ctx.render("error.html", status=404, title=N_("Page not found"),
                              message=N_("We could not find this. It may not exist, or it "
                                         "may not be yours to see."))
        if status == 503:
            return ctx.render("error.html", status=503, title=N_("Sorry, the service is "
                                                                  "unavailable"),
                              message=N_("Part of Seibiant is not answering. Try again in a "
                                         "few minutes."))
        message = labels.CONFLICTS.get(body.get("code")) or N_(
            "We could not do that. Check the details and try again.")
        return ctx.render("error.html", status=status, title=N_("There is a problem"),
                          message=message)

    def operation(self, ctx, name, body=None, query=None, idempotency_key=None, messages=None,
                  **path_values):
        """Runs the gateway's API operation `name` for the signed-in person: its role check,
        its schemas and its body. Invalid input raises FormErrors (through `messages`);
        other refusals raise the gateway's Problem or the service's error."""
        method = getattr(type(self), name)
        operation = method.operation
        if not all(PATH_ID.fullmatch(value) for value in path_values.values()):
            raise errors.not_found()  # an id that cannot exist, as the API answers it
        if operation.roles != PUBLIC and (ctx.user is None or ctx.user["role"]
                                          not in operation.roles):
            raise errors.forbidden()
        try:
            loaded_query = operation.query.load(query or {}) if operation.query else {}
            loaded_body = operation.body.load(body or {}) if operation.body else None
            call = Call(ctx.request, ctx.actor, ctx.user, loaded_query, loaded_body,
                        idempotency_key)
            result = method.__wrapped__(self, call, **path_values)
        except ValidationError as invalid:
            raise (messages or Messages({})).explain(invalid.normalized_messages(), body)
        except errors.Problem as problem:
            if problem.status in (400, 422) and "errors" in problem.extra and messages:
                raise messages.explain(problem.extra["errors"], body)
            raise
        except service_errors.InvalidInput as invalid:
            if messages:
                raise messages.explain(invalid.errors, body)
            raise
        if isinstance(result, Response) or operation.response is None:
            return result
        return operation.response.dump(result)

    def check_form(self, name, body, reader):
        """Everything wrong with a form at once: what could not be converted (`reader`), and
        what the operation's schema refuses in the rest, before anything is sent."""
        found = {}
        try:
            getattr(type(self), name).operation.body.load(body)
        except ValidationError as invalid:
            found = reader.messages.explain(invalid.normalized_messages(), body).errors
        found = dict(found, **reader.errors)
        if found:
            raise reader.messages.ordered(found)

    def _form_page(self, ctx, template, form_errors, status=422, **context):
        """The same form again, with what was typed and why it was refused."""
        list_fields = context.pop("list_fields", ())  # checkboxes: every value ticked
        form = ctx.request.form
        values = {key: form.getlist(key) if key in list_fields or len(form.getlist(key)) > 1
                  else form.get(key) for key in form if key != CSRF_FIELD}
        return ctx.render(template, status=status, errors=form_errors.errors, values=values,
                          **context)

    # ---- static files ---------------------------------------------------------------------

    def _file(self, directory, path, max_age):
        target = safe_join(directory, path)
        if target is None or not os.path.isfile(target):
            return Response("Not found", status=404, mimetype="text/plain")
        with open(target, "rb") as handle:
            content = handle.read()
        mimetype = mimetypes.guess_type(target)[0] or "application/octet-stream"
        if target.endswith(".mjs"):
            mimetype = "text/javascript"
        response = Response(content, mimetype=mimetype)
        response.headers["Cache-Control"] = "public, max-age={}".format(max_age)
        return response

    @PageEntrypoint.decorator("GET", "/assets/<path:path>")
    def web_assets(self, request, path):
        """GOV.UK Frontend's fonts and images, where its CSS expects them."""
        return self._file(os.path.join(FRONTEND_DIR, "assets"), path, 86400)

    @PageEntrypoint.decorator("GET", "/static/<path:path>")
    def web_static(self, request, path):
        if path in FRONTEND_FILES:
            return self._file(FRONTEND_DIR, path, 3600)
        return self._file(STATIC_DIR, path, 3600)

    # ---- everyone -------------------------------------------------------------------------

    @page("GET", "/")
    def web_start(self, ctx):
        if ctx.user and ctx.user["role"] in HOME_BY_ROLE and ctx.user["role"] != "admin":
            raise Redirect(HOME_BY_ROLE[ctx.user["role"]])
        return ctx.render("start.html")

    SIGN_IN = Messages({"username": (N_("Enter your username"), N_("Enter your username")),
                        "password": (N_("Enter your password"), N_("Enter your password"))})

    @page("GET", "/sign-in")
    def web_sign_in_form(self, ctx):
        return ctx.render("sign_in.html", next=safe_next(ctx.request.args.get("next")))

    @page("POST", "/sign-in")
    def web_sign_in(self, ctx):
        form = ctx.request.form
        target = safe_next(form.get("next"))
        try:
            token = self.operation(ctx, "sign_in", body={
                "username": form.get("username", "").strip(),
                "password": form.get("password", "")}, messages=self.SIGN_IN)
        except FormErrors as invalid:
            return self._form_page(ctx, "sign_in.html", invalid, next=target)
        except errors.Problem as problem:
            if problem.status not in (401, 429):
                raise
            message = N_("The username or password is not right") if problem.status == 401 \
                else N_("Too many tries. Wait a few minutes, then try again")
            return self._form_page(ctx, "sign_in.html", FormErrors({"username": message}),
                                   status=problem.status, next=target)
        self._signed_in(ctx, token)
        raise Redirect(target or HOME_BY_ROLE.get(token["role"], "/"))

    def _signed_in(self, ctx, token):
        ctx.session["token"] = token["access_token"]
        ctx.session.rotate_csrf()  # a new session for a new person
        user = self.accounts.get_user(token["user_id"])
        chosen = ctx.session.get("lang")
        if chosen and chosen != user["language"]:  # chosen before signing in: remember it
            self.accounts.set_language(user["id"], chosen)

    @page("POST", "/sign-out")
    def web_sign_out(self, ctx):
        token = ctx.session.pop("token", None)
        if token:
            try:  # revoked: a copy of the cookie made before signs no one in
                self.accounts.sign_out(_bearer(token))
            except errors.Problem:
                pass  # expired or revoked already
        ctx.session.rotate_csrf()
        ctx.flash(N_("You have signed out."))
        raise Redirect("/")

    @page("POST", "/language")
    def web_language(self, ctx):
        language = ctx.request.form.get("language")
        if language in LANGUAGES:
            ctx.session["lang"] = language
            if ctx.user:  # recorded with the person, as the Welsh Language Standards ask
                self.operation(ctx, "update_me", body={"language": language})
        raise Redirect(safe_next(ctx.request.form.get("next")) or "/")

    # ---- families -------------------------------------------------------------------------

    def _budgets(self, ctx, **query):
        return self.operation(ctx, "list_budgets", query=dict(query, limit="200"))["items"]

    def _offer(self, ctx, offer_id, cache):
        if offer_id and offer_id not in cache:
            try:
                cache[offer_id] = self.operation(ctx, "get_offer", offer_id=offer_id)
            except (errors.Problem, service_errors.NotFound):
                cache[offer_id] = None
        return cache.get(offer_id)

    def _bookings(self, ctx, **query):
        bookings = self.operation(ctx, "list_bookings", query=dict(query, limit="200"))["items"]
        offers = {}
        for booking in bookings:
            booking["offer"] = self._offer(ctx, booking.get("offer_id"), offers)
        return bookings

    @page("GET", "/family", roles=FAMILY)
    def web_family_home(self, ctx):
        return ctx.render("family/home.html", budgets=self._budgets(ctx),
                          bookings=self._bookings(ctx))

    @page("GET", "/budgets/<budget_id>/statement", roles=FAMILY + OFFICER)
    def web_statement(self, ctx, budget_id):
        statement = self.operation(ctx, "get_statement", query={}, budget_id=budget_id)
        family = self.operation(ctx, "get_user", user_id=statement["budget"]["family_id"])
        return ctx.render("statement.html", statement=statement, family=family)

    @page("GET", "/budgets/<budget_id>/statement.csv", roles=FAMILY + OFFICER)
    def web_statement_csv(self, ctx, budget_id):
        return self.operation(ctx, "get_statement", query={"format": "csv"},
                              budget_id=budget_id)

    SEARCH = Messages({
        "region": (N_("Enter an area"), N_("Enter an area in lower-case letters, like powys")),
        "from": (N_("Enter a real date"), N_("Enter a real date")),
        "to": (N_("Enter a real date"), N_("Enter a real date, after the first date")),
        "q": (N_("Enter words to look for"), N_("Enter words to look for")),
    }, api_fields={"from": "from", "to": "to", "window": "to"})

    @page("GET", "/breaks", roles=FAMILY)
    def web_search(self, ctx):
        args = ctx.request.args
        budgets = [budget for budget in self._budgets(ctx) if budget.get("status") == "active"]
        context = dict(budgets=budgets, values=args.to_dict(flat=False) if args else {},
                       searched=bool(args), results=[],
                       vocab=dict(categories=CATEGORIES, accessibility=ACCESSIBILITY_FEATURES,
                                  needs=CARE_NEEDS))
        if not args:
            return ctx.render("breaks/search.html", **context)
        reader = Reader(args, self.SEARCH)
        query = {}
        if reader.text("region"):
            query["region"] = reader.text("region").lower()
        if reader.text("category") in CATEGORIES:
            query["category"] = reader.text("category")
        if reader.text("q"):
            query["q"] = reader.text("q")
        for name in ("accessibility", "needs"):
            if reader.choices(name):
                query[name] = reader.choices(name)
        start, end = reader.date("from", required=False), reader.date("to", required=False)
        try:
            reader.check()
            if start:  # nothing is earlier than the span, so from its first day is from it
                query["from"] = max(local_moment(start, MIDNIGHT), times.EARLIEST).isoformat()
            if end and end < times.LAST_DAY:  # to the span's last day is to its end: no bound
                query["to"] = moment(end + _days(1), MIDNIGHT)
            if reader.text("affordable") and budgets:
                query["max_price_pence"] = str(max(b["available_pence"] for b in budgets))
            results = self.operation(ctx, "search_offers", query=dict(query, limit="50"),
                                     messages=self.SEARCH)["items"]
        except FormErrors as invalid:
            return ctx.render("breaks/search.html", status=422, errors=invalid.errors,
                              **context)
        context["results"] = results
        return ctx.render("breaks/search.html", **context)

    @page("GET", "/breaks/<offer_id>", roles=FAMILY + PROVIDER + OFFICER)
    def web_offer(self, ctx, offer_id):
        offer = self.operation(ctx, "get_offer", offer_id=offer_id)
        provider = self.operation(ctx, "get_provider", provider_id=offer["provider_id"])
        return ctx.render("breaks/offer.html", offer=offer, provider=provider)

    BOOK = Messages({
        "places": (N_("Enter how many places you need"),
                   N_("Enter how many places you need, as a whole number from 1")),
        "budget_id": (N_("Choose the budget to pay from"),
                      N_("Choose the budget to pay from")),
    }, api_fields={"slot_id": "places"})

    def _slot_of(self, ctx, offer_id, slot_id):
        offer = self.operation(ctx, "get_offer", offer_id=offer_id)
        slot = next((slot for slot in offer.get("slots", []) if slot["id"] == slot_id), None)
        if slot is None:
            raise errors.not_found()
        return offer, slot

    @page("GET", "/breaks/<offer_id>/slots/<slot_id>/book", roles=FAMILY)
    def web_book_form(self, ctx, offer_id, slot_id):
        offer, slot = self._slot_of(ctx, offer_id, slot_id)
        budgets = [b for b in self._budgets(ctx) if b.get("status") == "active"]
        return ctx.render("breaks/book.html", offer=offer, slot=slot, budgets=budgets,
                          idempotency_key=uuid.uuid4().hex,
                          values={"places": "1", "budget_id": budgets[0]["id"]
                                  if len(budgets) == 1 else None})

    @page("POST", "/breaks/<offer_id>/slots/<slot_id>/book", roles=FAMILY)
    def web_book(self, ctx, offer_id, slot_id):
        offer, slot = self._slot_of(ctx, offer_id, slot_id)
        budgets = [b for b in self._budgets(ctx) if b.get("status") == "active"]
        reader = Reader(ctx.request.form, self.BOOK)
        key = reader.text("idempotency_key") or uuid.uuid4().hex
        try:
            places = reader.whole_number("places")
            budget_id = reader.text("budget_id") or None
            if offer.get("price_pence") and not budget_id:
                reader.errors["budget_id"] = self.BOOK.missing("budget_id")
            reader.check()
            booking = self.operation(
                ctx, "request_booking", idempotency_key=key, messages=self.BOOK,
                body={"slot_id": slot_id, "places": places, "budget_id": budget_id})
        except FormErrors as invalid:
            return self._form_page(ctx, "breaks/book.html", invalid, offer=offer, slot=slot,
                                   budgets=budgets, idempotency_key=key)
        raise Redirect("/bookings/{}".format(booking["id"]))

    # ---- bookings (families, providers, officers) ------------------------------------------

    @page("GET", "/bookings", roles=FAMILY + PROVIDER + OFFICER)
    def web_bookings(self, ctx):
        return ctx.render("bookings/list.html", bookings=self._bookings(ctx))

    def _booking(self, ctx, booking_id):
        booking = self.operation(ctx, "get_booking", booking_id=booking_id)
        booking["offer"] = self._offer(ctx, booking.get("offer_id"), {})
        return booking

    @page("GET", "/bookings/<booking_id>", roles=FAMILY + PROVIDER + OFFICER)
    def web_booking(self, ctx, booking_id):
        return ctx.render("bookings/show.html", booking=self._booking(ctx, booking_id),
                          live=LIVE_STATUSES, cancellable=CANCELLABLE)

    @page("GET", "/bookings/<booking_id>/status", roles=FAMILY + PROVIDER + OFFICER,
          entrypoint_class=WaitingPageEntrypoint)
    def web_booking_status(self, ctx, booking_id):
        """For the page's script: the status in the page's words, to update it live (with
        `?wait=N&status=S`, once it has changed)."""
        booking = self.operation(ctx, "get_booking", booking_id=booking_id)
        status, reason = booking["status"], booking.get("reason")
        html = render(ctx.language, "bookings/_status.html", booking=booking)
        return Response(json.dumps({"status": status, "live": status in LIVE_STATUSES,
                                    "reason": reason, "html": html}),
                        mimetype="application/json")

    @page("POST", "/bookings/<booking_id>/cancel", roles=FAMILY + PROVIDER)
    def web_cancel(self, ctx, booking_id):
        self.operation(ctx, "cancel_booking", body={}, booking_id=booking_id)
        ctx.flash(N_("The booking is cancelled. Any money held for it is back in the budget."))
        raise Redirect("/bookings/{}".format(booking_id))

    @page("POST", "/bookings/<booking_id>/complete", roles=PROVIDER)
    def web_complete(self, ctx, booking_id):
        self.operation(ctx, "complete_booking", body={}, booking_id=booking_id)
        ctx.flash(N_("The break is marked as delivered."))
        raise Redirect("/bookings/{}".format(booking_id))

    # ---- providers ------------------------------------------------------------------------

    REGISTER = Messages({
        "name": (N_("Enter the name of your business"), N_("Enter the name of your business, "
                                                            "up to 120 characters")),
        "kind": (N_("Choose what kind of provider you are"),
                 N_("Choose what kind of provider you are")),
        "regions": (N_("Enter the areas you cover"),
                    N_("Enter areas in lower-case letters, separated by commas, like powys, "
                       "flintshire")),
        "accessibility": (N_("Choose accessibility features"),
                          N_("Choose accessibility features from the list")),
        "supports_needs": (N_("Choose needs you support"), N_("Choose needs from the list")),
        "description": (N_("Enter a description"), N_("Enter a description, up to 4,000 "
                                                       "characters")),
        "username": (N_("Enter a username"), N_("Enter a username of 3 to 64 letters or "
                                                 "digits")),
        "password": (N_("Enter a password"), N_("Enter a password of at least 8 characters")),
    }, api_fields={"display_name": "name"})

    @page("GET", "/providers/register")
    def web_register_form(self, ctx):
        return ctx.render("provider/register.html", vocab=_vocab())

    @page("POST", "/providers/register")
    def web_register(self, ctx):
        reader = Reader(ctx.request.form, self.REGISTER)
        body = {"username": reader.text("username"), "password": ctx.request.form.get(
            "password", ""), "name": reader.text("name"), "kind": reader.text("kind"),
            "regions": [r.strip().lower() for r in reader.text("regions").split(",")
                        if r.strip()],
            "accessibility": reader.choices("accessibility"),
            "supports_needs": reader.choices("supports_needs"),
            "description": reader.text("description")}
        try:
            self.operation(ctx, "register_provider", body=body, messages=self.REGISTER)
        except FormErrors as invalid:
            return self._form_page(ctx, "provider/register.html", invalid, vocab=_vocab(),
                                   list_fields=("accessibility", "supports_needs"))
        try:
            token = self.operation(ctx, "sign_in", body={"username": body["username"],
                                                         "password": body["password"]})
        except errors.Problem:  # a taken username registers no sign-in (see the API)
            ctx.flash(N_("Your registration was received. Sign in to continue."))
            raise Redirect("/sign-in")
        self._signed_in(ctx, token)
        ctx.flash(N_("You are registered. A council officer will approve your account before "
                     "families can book your breaks."))
        raise Redirect("/provider")

    def _own_offers(self, ctx):
        """The provider's offers, with or without slots (the first 200: more than a page
        can show)."""
        if not ctx.user.get("provider_id"):
            return []
        return self.operation(ctx, "list_provider_offers", query={"limit": "200"},
                              provider_id=ctx.user["provider_id"])["items"]

    @page("GET", "/provider", roles=PROVIDER)
    def web_provider_home(self, ctx):
        provider = self.operation(ctx, "get_provider", provider_id=ctx.user["provider_id"]) \
            if ctx.user.get("provider_id") else None
        return ctx.render("provider/home.html", provider=provider,
                          offers=self._own_offers(ctx), bookings=self._bookings(ctx))

    OFFER = Messages({
        "title": (N_("Enter a title"), N_("Enter a title, up to 200 characters")),
        "category": (N_("Choose a category"), N_("Choose a category")),
        "price": (N_("Enter the price per place"),
                  N_("Enter the price in pounds, like 45 or 12.50 (0 for a gifted break)")),
        "region": (N_("Enter the area"), N_("Enter the area in lower-case letters, like powys")),
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
        return ctx.render("provider/offer_new.html", vocab=_vocab())

    @page("POST", "/provider/offers/new", roles=PROVIDER)
    def web_create_offer(self, ctx):
        reader = Reader(ctx.request.form, self.OFFER)
        price = reader.pence("price")
        body = {"title": reader.text("title"), "category": reader.text("category"),
                "price_pence": 0 if price is None else price,
                "region": reader.text("region").lower(),
                "accessibility": reader.choices("accessibility"),
                "supports_needs": reader.choices("supports_needs"),
                "description": reader.text("description")}
        for welsh in ("title_cy", "description_cy"):  # optional: shown to Welsh readers
            if reader.text(welsh):
                body[welsh] = reader.text(welsh)
        try:
            self.check_form("create_offer", body, reader)
            offer = self.operation(ctx, "create_offer", body=body, messages=self.OFFER)
        except FormErrors as invalid:
            return self._form_page(ctx, "provider/offer_new.html", invalid, vocab=_vocab(),
                                   list_fields=("accessibility", "supports_needs"))
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
        offer = self.operation(ctx, "get_offer", offer_id=offer_id)
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
                                   "end": moment(day + _days(nights), end),
                                   "capacity": capacity}]}
            published = self.operation(ctx, "publish_slots", body=body, messages=self.SLOT,
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

    # ---- officers -------------------------------------------------------------------------

    @page("GET", "/officer", roles=OFFICER)
    def web_officer_home(self, ctx):
        approvals = self.operation(ctx, "list_approvals", query={"limit": "200"})["items"]
        pending = self.operation(ctx, "list_providers", query={"status": "pending",
                                                               "limit": "200"})["items"]
        return ctx.render("officer/home.html", approvals=approvals, pending=pending)

    DECISION = Messages({"reason": (N_("Enter the reason for declining"),
                                    N_("Enter a reason of up to 500 characters"))})

    def _approvals_page(self, ctx, status=200, **context):
        requests = self.operation(ctx, "list_approvals", query={"limit": "200"})["items"]
        offers, budgets, families = {}, {}, {}
        for booking in requests:
            booking["offer"] = self._offer(ctx, booking.get("offer_id"), offers)
            if booking.get("budget_id") and booking["budget_id"] not in budgets:
                budgets[booking["budget_id"]] = self.operation(
                    ctx, "get_budget", budget_id=booking["budget_id"])
            booking["budget"] = budgets.get(booking.get("budget_id"))
            if booking["family_id"] not in families:
                families[booking["family_id"]] = self.operation(
                    ctx, "get_user", user_id=booking["family_id"])
            booking["family"] = families[booking["family_id"]]
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
            self.operation(ctx, "approve_spend" if approve else "decline_spend",
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
        families = self.operation(ctx, "list_families", query={"limit": "200"})["items"]
        budgets = self._budgets(ctx)
        for family in families:
            family["budgets"] = [b for b in budgets if b["family_id"] == family["id"]]
        return ctx.render("officer/families.html", families=families)

    @page("GET", "/officer/providers", roles=OFFICER)
    def web_pending_providers(self, ctx):
        pending = self.operation(ctx, "list_providers", query={"status": "pending",
                                                               "limit": "200"})["items"]
        return ctx.render("officer/providers.html", providers=pending)

    @page("POST", "/officer/providers/<provider_id>/approve", roles=OFFICER)
    def web_approve_provider(self, ctx, provider_id):
        provider = self.operation(ctx, "approve_provider", body={}, provider_id=provider_id)
        ctx.flash(N_("%(name)s is approved."), name=provider.get("name", ""))
        raise Redirect("/officer/providers")


def _vocab():
    return dict(categories=CATEGORIES, accessibility=ACCESSIBILITY_FEATURES, needs=CARE_NEEDS,
                kinds=tuple(labels.PROVIDER_KINDS))


def _days(count):
    return datetime.timedelta(days=count)
