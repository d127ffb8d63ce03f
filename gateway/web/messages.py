"""What Seibiant tells each person: the "Messages we sent you" page (what notifications sent,
newest first, for every role that is told things), and every signed-in person's contact
details (where and how they are told, in which language: `PATCH /me`)."""
from ..api import me, my_notifications, update_me
from ..http import SIGNED_IN
from .forms import FormErrors, Messages, Reader
from .i18n import N_
from .pages import FAMILY, OFFICER, PROVIDER, Pages, Redirect, page

CHANNELS = {"email": N_("Email"), "sms": N_("Text message")}
STATUSES = {"pending": N_("Waiting to be sent"), "sent": N_("Sent")}
PAGE_SIZE = "20"


class MessagesPages(Pages):
    """Mixed into GatewayService."""

    @page("GET", "/messages", roles=FAMILY + PROVIDER + OFFICER)
    def web_messages(self, ctx):
        query = {"limit": PAGE_SIZE}
        if ctx.request.args.get("cursor"):
            query["cursor"] = ctx.request.args["cursor"]
        sent = self.operation(ctx, my_notifications, query=query)
        for message in sent["items"]:
            message["paragraphs"] = [paragraph(part) for part in message["body"].split("\n\n")]
        return ctx.render("messages.html", sent=sent, channels=CHANNELS, statuses=STATUSES)

    # ---- contact details -----------------------------------------------------------------

    CONTACT = Messages({
        "email": (N_("Enter your email address"),
                  N_("Enter an email address in the right form, like name@example.com")),
        "mobile": (N_("Enter your mobile number"),
                   N_("Enter a mobile number, like 07700 900 982 or +44 7700 900 982")),
        # the API's one refusal of a choice: a channel ticked without its address
        "notify_by": (N_("Choose how we tell you"),
                      N_("Give the email address or mobile number of each way you ticked, "
                         "or untick it")),
        "language": (N_("Choose a language"), N_("Choose a language")),
    })

    @page("GET", "/contact-details", roles=SIGNED_IN)
    def web_contact_details(self, ctx):
        details = self.operation(ctx, me)
        return ctx.render("contact.html", channels=CHANNELS, values={
            name: details[name] for name in ("email", "mobile", "notify_by", "language")})

    @page("POST", "/contact-details", roles=SIGNED_IN)
    def web_change_contact_details(self, ctx):
        reader = Reader(ctx.request.form, self.CONTACT)
        body = {"email": reader.text("email") or None, "mobile": reader.text("mobile") or None,
                "notify_by": reader.choices("notify_by"), "language": reader.text("language")}
        try:
            changed = self.operation(ctx, update_me, body=body, messages=self.CONTACT)
        except FormErrors as invalid:
            return self._form_page(ctx, "contact.html", invalid, list_fields=("notify_by",),
                                   channels=CHANNELS)
        ctx.session["lang"] = changed["language"]  # the pages follow the choice at once
        ctx.flash(N_("Your contact details are saved."))
        raise Redirect("/contact-details")


def paragraph(text):
    """A paragraph of a message's plain text as the page shows it: `("list", items)` when
    every line is a `* ` item (as the messages write a list), else `("lines", lines)`."""
    lines = text.splitlines()
    if lines and all(line.startswith("* ") for line in lines):
        return "list", [line[2:] for line in lines]
    return "lines", lines
