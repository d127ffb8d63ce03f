"""The "Messages we sent you" page: what notifications sent each person, newest first, for
every role that is told things."""
from ..api import my_notifications
from .i18n import N_
from .pages import FAMILY, OFFICER, PROVIDER, Pages, page

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


def paragraph(text):
    """A paragraph of a message's plain text as the page shows it: `("list", items)` when
    every line is a `* ` item (as the messages write a list), else `("lines", lines)`."""
    lines = text.splitlines()
    if lines and all(line.startswith("* ") for line in lines):
        return "list", [line[2:] for line in lines]
    return "lines", lines
