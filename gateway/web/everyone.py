"""Everyone's pages: the start page, signing in and out, and the choice of language."""
from .. import errors
from ..api import sign_in, update_me
from .forms import FormErrors, Messages
from .i18n import LANGUAGES, N_
from .pages import Pages, Redirect, UnroutedPageEntrypoint, bearer, page, safe_next

HOME_BY_ROLE = {"family": "/family", "provider": "/provider", "officer": "/officer",
                "referrer": "/referrer", "admin": "/"}


class EveryonePages(Pages):
    """Pages anyone may see, signed in or not (mixed into GatewayService)."""

    @page("GET", "/")
    def web_start(self, ctx):
        if ctx.user and ctx.user["role"] in HOME_BY_ROLE and ctx.user["role"] != "admin":
            raise Redirect(HOME_BY_ROLE[ctx.user["role"]])
        return ctx.render("start.html")

    @page("GET", "/accessibility")
    def web_accessibility(self, ctx):
        return ctx.render("about/accessibility.html")

    @page("GET", "/privacy")
    def web_privacy(self, ctx):
        return ctx.render("about/privacy.html")

    @page("GET", "/cookies")
    def web_cookies(self, ctx):
        return ctx.render("about/cookies.html")

    @page("GET", "/help")
    def web_help(self, ctx):
        return ctx.render("about/help.html")

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
            token = self.operation(ctx, sign_in, body={
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

    @page("POST", "/sign-out")
    def web_sign_out(self, ctx):
        token = ctx.session.pop("token", None)
        if token:
            try:  # revoked: a copy of the cookie made before signs no one in
                self.accounts.sign_out(bearer(token))
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
                self.operation(ctx, update_me, body={"language": language})
        target = safe_next(ctx.request.form.get("next"))
        # back to the page, unless it was the answer to a form (a POST-only address)
        raise Redirect(target if target and ctx.can_get(target) else "/")

    @page("GET", None, entrypoint_class=UnroutedPageEntrypoint)
    def web_unrouted(self, ctx):
        raise ctx.request.routing_error  # NotFound or MethodNotAllowed, as a page
