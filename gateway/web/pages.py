"""The pages' plumbing: `page` declares a page, `Pages` serves it, and `PageContext` is one
request as a page sees it. The pages themselves are mixins of HTTP entrypoints, one module per
audience (`everyone`, `family`, `bookings`, `provider`, `officer`, `referrer`), and `GatewayService`
inherits them all; `files` serves GOV.UK Frontend and the pages' own static files.

Each page reads the signed session cookie, finds the signed-in person through the gateway's
own `accounts.authorise`, and calls the gateway's own API operations by reference
(`self.operation(ctx, get_booking, ...)`, imported from `gateway.api`): the same role checks,
the same marshmallow schemas, the same service calls as the JSON API. What is in the pages is
presentation: forms in, pages out, in English or Welsh.
"""
import functools
import json
import logging
import secrets
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from nameko.exceptions import ConfigurationError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from seibiant_common import errors as service_errors
from seibiant_common.config import flag, setting

from .. import errors
from ..changes import WaitsForChange
from ..dependencies import Accounts
from ..http import PATH_ID, PUBLIC, SIGNED_IN, ApiEntrypoint, Call, content_security_policy
from . import labels
from .forms import FormErrors, FormPages, Messages
from .i18n import LANGUAGES, N_, Formatter, best_language
from .lookups import Lookups
from .rendering import render
from .sessions import (COOKIE_NAME, CSRF_FIELD, LANGUAGE_COOKIE, Session, SessionCodec,
                       set_cookie, set_language_cookie)

log = logging.getLogger(__name__)

FAMILY, PROVIDER, OFFICER = ("family",), ("provider",), ("officer",)
REFERRER = ("referrer",)
REFUSAL = "refusal"  # the FormErrors key of a rule's refusal of a whole form (macros.refusal)
SORRY = {"title": N_("Sorry, there is a problem"),
         "message": N_("Something went wrong on our side. It has been recorded. Try again "
                       "later.")}


class FailedOutsideWorker(Exception):
    pass


class PageEntrypoint(ApiEntrypoint):
    """The gateway's HTTP entrypoint (same server, same correlation ids), answering a failure
    outside the worker with the service's own page, in the language the browser asks for."""

    def handle_request(self, request):
        try:
            return super().handle_request(request)
        except FailedOutsideWorker:
            return Response(render(best_language(request.accept_languages), "error.html",
                                   **SORRY, user=None, csrf_token=None, current_path="/",
                                   errors={}, values={}),
                            status=500, mimetype="text/html")

    def response_from_exception(self, exc):
        log.error("page failed outside its worker: %r", exc)
        raise FailedOutsideWorker() from exc


class UnroutedPageEntrypoint(PageEntrypoint):
    """Has no route: answers a path no page has, or a method a page does not take
    (gateway.http.ApiServer), through a worker, so in the person's language."""

    answers_unrouted = True


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

    def can_get(self, path):
        """Whether a page has this path (of this site) for GET: a link may lead there."""
        return self.request.url_adapter.test(urlsplit(path).path, "GET")

    def _(self, message, **values):
        return self.fmt.gettext(message, **values)

    def render(self, template, status=200, **context):
        flash = self.session.pop("flash", None)  # in the language of the page showing it
        if isinstance(flash, list):  # [message, values]
            flash = self._(flash[0], **flash[1])
        html = render(self.language, template, user=self.user, csrf_token=self.session["csrf"],
                      csrf_field=CSRF_FIELD, current_path=self.request.full_path.rstrip("?"),
                      flash=flash, cspNonce=self.nonce, errors=context.pop("errors", {}),
                      values=context.pop("values", {}), **context)
        return Response(html, status=status, mimetype="text/html")

    def flash(self, message, **values):
        self.session["flash"] = [message, values]


def page(method, rule, roles=None, entrypoint_class=PageEntrypoint):
    """Declares a page. `roles`: who may see it (None: anyone). The method is
    `fn(self, ctx, **path_values)` and returns a Response (usually `ctx.render(...)`)."""

    def decorate(fn):
        @functools.wraps(fn)
        def entrypoint(self, request, **path_values):
            return self._serve_page(fn, roles, request, path_values)

        return entrypoint_class.decorator(method, rule)(entrypoint)

    return decorate


def bearer(token):
    """The session's token as the API's accounts read it, from a request's headers."""
    return SimpleNamespace(headers={"Authorization": "Bearer " + token})


def safe_next(target):
    """Only a path of this site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and "\\" not in target else None


def _refusal_words(problem):
    code = json.loads(problem.get_data(as_text=True)).get("code")
    return labels.CONFLICTS.get(code) or N_("We could not do that. Check the details and "
                                            "try again.")


class Pages(FormPages, Lookups):
    """What every page has: the session cookie's codec, the serving of a page, calls of the
    API's operations, forms (`FormPages`) and the look-ups several audiences make (`Lookups`)."""

    web_sessions = WebSessions()

    def _serve_page(self, fn, roles, request, path_values):
        session = Session(self.web_sessions.loads(request.cookies.get(COOKIE_NAME)))
        user = actor = None
        if session.get("token"):
            try:
                user, actor = self.accounts.authorise(bearer(session["token"]), SIGNED_IN)
            except errors.Problem:  # expired or revoked: signed out, language kept
                session.pop("token")
        chosen = (user or {}).get("language") or session.get("lang")
        remembered = request.cookies.get(LANGUAGE_COOKIE)
        language = chosen or (remembered if remembered in LANGUAGES else None) \
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
        if chosen and remembered != language:  # for the pages after signing out
            set_language_cookie(response, self.web_sessions, language, request)
        response.headers["Content-Language"] = language
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Cookie")
        # the other security headers are on every answer of the gateway (gateway.http)
        response.headers["Content-Security-Policy"] = content_security_policy(ctx.nonce)
        return response

    def _error_page(self, ctx, error):
        if isinstance(error, MethodNotAllowed):  # a page's address, asked the wrong way
            response = ctx.render("error.html", status=405, title=N_("Page not found"),
                                  message=N_("This page cannot be opened from a link or by "
                                             "typing its address. Go back and use its form."))
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
            return response
        if isinstance(error, NotFound):  # no page has this address
            error = errors.not_found()
        problem = error.response() if isinstance(error, errors.Problem) else \
            errors.problem_for(error)
        if problem is None:
            log.exception("page failed: %r", error)
            return ctx.render("error.html", status=500, **SORRY)
        status = problem.status_code
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
        return ctx.render("error.html", status=status, title=N_("There is a problem"),
                          message=_refusal_words(problem))

    def operation(self, ctx, entrypoint, body=None, query=None, idempotency_key=None,
                  messages=None, keep_form=False, **path_values):
        """Runs the gateway's API operation `entrypoint` (a function of gateway.api) for the
        signed-in person: its role check, its schemas and its body. Invalid input raises
        FormErrors (through `messages`); with `keep_form`, so does a rule's refusal (a 409:
        `{REFUSAL: its words}`, for the page to say beside its form); other refusals raise
        the gateway's Problem or the service's error."""
        operation = entrypoint.operation
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
            result = entrypoint.__wrapped__(self, call, **path_values)
        except ValidationError as invalid:
            raise (messages or Messages({})).explain(invalid.normalized_messages(), body)
        except (errors.Problem, service_errors.Conflict) as refused:
            problem = refused if isinstance(refused, errors.Problem) else None
            if problem and problem.status in (400, 422) and "errors" in problem.extra \
                    and messages:
                raise messages.explain(problem.extra["errors"], body)
            answer = problem.response() if problem else errors.problem_for(refused)
            if keep_form and answer.status_code == 409:
                raise FormErrors({REFUSAL: _refusal_words(answer)})
            raise
        except service_errors.InvalidInput as invalid:
            if messages:
                raise messages.explain(invalid.errors, body)
            raise
        if isinstance(result, Response) or operation.response is None:
            return result
        return operation.response.dump(result)

    def _signed_in(self, ctx, token):
        """The session of the person `token` (the API's sign-in answer) is for."""
        ctx.session["token"] = token["access_token"]
        ctx.session.rotate_csrf()  # a new session for a new person
        user = self.accounts.get_user(token["user_id"])
        chosen = ctx.session.get("lang")
        if chosen and chosen != user["language"]:  # chosen before signing in: remember it
            self.accounts.update_user(user["id"], language=chosen)
