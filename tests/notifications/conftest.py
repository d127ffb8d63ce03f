"""A live system that tells people things: the three services and the gateway in-process on a
fresh vhost (tests/gateway's harness), the notifications service as a process of its own (so
a test can SIGKILL it), and a real SMTP server (aiosmtpd) keeping what it receives in a
Maildir the tests read."""
import datetime
import email
import contextlib
import http.server
import json
import threading
import email.policy
import mailbox
import uuid

import jwt
import pytest
from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ServiceRpcProxy

from gateway.client import Client
from devtools import sandbox
from devtools.processes import MailSink, ServiceProcess, wait_until

from services.bookings.service import BookingsService
from services.budgets.service import BudgetsService
from services.providers.service import ProvidersService

from ..gateway.conftest import ADMIN_PASSWORD, start_system, stop_system

PASSWORD = "correct-horse-battery"
NOTIFY_SERVICE_ID = str(uuid.uuid4())
NOTIFY_SECRET = str(uuid.uuid4())
NOTIFY_API_KEY = "seibiant_test-{}-{}".format(NOTIFY_SERVICE_ID, NOTIFY_SECRET)
NOTIFY_TEMPLATE_ID = str(uuid.uuid4())


class FakeNotify(http.server.ThreadingHTTPServer):
    """A local HTTP server speaking GOV.UK Notify's send-a-text-message endpoint as its API
    documentation says it (`POST /v2/notifications/sms`, a JWT signed with the API key's
    secret whose `iss` is the service id; 201 with the notification): it keeps every text
    message it accepted."""

    def __init__(self):
        self.received = []
        super().__init__(("127.0.0.1", 0), NotifyHandler)
        self.url = "http://127.0.0.1:{}".format(self.server_address[1])
        threading.Thread(target=self.serve_forever, daemon=True).start()


class NotifyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass  # quiet

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        try:
            claims = jwt.decode(token, NOTIFY_SECRET, algorithms=["HS256"])
            assert scheme == "Bearer" and claims["iss"] == NOTIFY_SERVICE_ID
        except (jwt.InvalidTokenError, AssertionError, KeyError):
            return self.answer(403, {"status_code": 403, "errors": [
                {"error": "AuthError", "message": "Invalid token"}]})
        if self.path != "/v2/notifications/sms" or not body.get("phone_number") \
                or body.get("template_id") != NOTIFY_TEMPLATE_ID:
            return self.answer(400, {"status_code": 400, "errors": [
                {"error": "BadRequestError", "message": "Template not found"}]})
        self.server.received.append(body)
        notification_id = str(uuid.uuid4())
        self.answer(201, {
            "id": notification_id, "reference": body.get("reference"),
            "content": {"body": body["personalisation"]["message"], "from_number": "GOVUK"},
            "uri": "{}/v2/notifications/{}".format(self.server.url, notification_id),
            "template": {"id": NOTIFY_TEMPLATE_ID, "version": 1, "uri": "{}/v2/template/{}"
                         .format(self.server.url, NOTIFY_TEMPLATE_ID)}})


class Notified:
    """The system, its mail server and its notifications process."""

    def __init__(self, live, mail, amqp_uri, directory, notify):
        self.live, self.mail, self.amqp_uri, self.notify = live, mail, amqp_uri, notify
        self.base_url = live.api.base_url
        self.anonymous = Client(self.base_url)
        self.admin = self.anonymous.signed_in("admin", ADMIN_PASSWORD)
        self.env = {
            "AMQP_URI": amqp_uri, "SEIBIANT_LOG_DIR": str(directory / "log"),
            "NOTIFICATIONS_DATABASE_URL": "sqlite:///{}".format(directory / "notifications.db"),
            "SMTP_HOST": mail.host, "SMTP_PORT": str(mail.port),
            # a send held by a process killed in the middle is sent again 3 s on, not 60
            "SMTP_TIMEOUT_SECONDS": "2", "NOTIFICATIONS_CLAIM_SECONDS": "3",
            "SMTP_FROM": "Seibiant <seibiant@example.org>", "PUBLIC_URL": "http://seibiant.test",
            "OUTBOX_SWEEP_SECONDS": "0.2", "NOTIFICATIONS_EVENT_MAX_ATTEMPTS": "12",
            "NOTIFICATIONS_EVENT_RETRY_BACKOFF_MS": "200",
            # the timer looks often; a waiting spend's reminders come 1 s and 3 s after it
            # begins to wait (bookings' approval timeout is 72 h here)
            "NOTIFICATIONS_TIMER_SECONDS": "0.3", "NOTIFICATIONS_APPROVAL_WAITED_SECONDS": "1",
            "NOTIFICATIONS_APPROVAL_EXPIRING_SECONDS": str(72 * 3600 - 3),
            # text messages to a local server that speaks GOV.UK Notify's API
            "NOTIFY_API_KEY": NOTIFY_API_KEY, "NOTIFY_SMS_TEMPLATE_ID": NOTIFY_TEMPLATE_ID,
            "NOTIFY_BASE_URL": notify.url}
        self.notifications = None
        self.parsed = {}  # the mail read so far, by its file's key

    def start_notifications(self):
        self.notifications = ServiceProcess("notifications", env=self.env).start()
        wait_until(self.notifications_answer, 60, interval=0.2,
                   message="the notifications service")

    def notifications_answer(self):
        assert self.notifications.alive(), "notifications stopped: " + self.notifications.log_path
        try:
            with ServiceRpcProxy("notifications", {"AMQP_URI": self.amqp_uri},
                                 timeout=2) as rpc:
                return rpc.health()
        except RpcTimeout:  # a request left in its queue by the process killed before
            return False

    def sent_to(self, client):
        """What notifications recorded for the person, newest first (its RPC)."""
        actor = {"user_id": client.user_id, "role": client.role}
        with ServiceRpcProxy("notifications", {"AMQP_URI": self.amqp_uri}, timeout=10) as rpc:
            return rpc.list_sent(actor, limit=200)["items"]

    # --- people ---------------------------------------------------------------------------

    def officer(self, council, email_address=None):
        username = unique("officer")
        self.admin.post("/officers", dict(contact(email_address), username=username,
                                          password=PASSWORD, display_name="Olwen Officer",
                                          council=council))
        return self.anonymous.signed_in(username, PASSWORD)

    def family(self, officer, email_address=None, language="en", budget_limit=100000,
               mobile=None):
        username = unique("family")
        officer.post("/families", dict(contact(email_address, mobile), username=username,
                                       password=PASSWORD, display_name="Teulu " + username,
                                       language=language))
        family = self.anonymous.signed_in(username, PASSWORD)
        family.display_name = "Teulu " + username
        family.budget = officer.post("/budgets", {
            "family_id": family.user_id, "allocated_pence": 500000,
            "period_start": "2020-01-01T00:00:00+00:00",
            "period_end": "2100-01-01T00:00:00+00:00",
            "allowed_categories": ["overnight_stay"], "auto_approve_limit_pence": budget_limit})
        return family

    def provider(self, officer, council, email_address=None):
        username = unique("provider")
        profile = self.anonymous.post("/providers", dict(
            contact(email_address), username=username, password=PASSWORD,
            name="Hafan " + username, kind="short_break", regions=[council],
            contact_email="hello@hafan.example", contact_phone="01632 960 123"))
        officer.post("/providers/{}/approve".format(profile["id"]))
        provider = self.anonymous.signed_in(username, PASSWORD)
        provider.profile = profile
        return provider

    def slot(self, provider, council, capacity=50, price=4000, day=12, start=None):
        offer = provider.post("/offers", {
            "title": "Bwthyn " + uuid.uuid4().hex[:6], "category": "overnight_stay",
            "price_pence": price, "region": council, "accessibility": [],
            "supports_needs": [], "description": "A cottage."})
        start = start or "2031-06-{:02d}T10:00:00+00:00".format(day)
        end = (datetime.datetime.fromisoformat(start) + datetime.timedelta(days=1)).isoformat()
        slots = provider.post("/offers/{}/slots".format(offer["id"]), {"slots": [
            {"start": start, "end": end, "capacity": capacity}]})["items"]
        return offer, slots[0]

    def book(self, family, slot, places=1):
        return family.post("/bookings", {"slot_id": slot["id"], "places": places,
                                         "budget_id": family.budget["id"]})

    # --- mail -----------------------------------------------------------------------------

    def mails(self, address=None):
        """Every message the mail server kept (to `address`), parsed (each file once)."""
        box = mailbox.Maildir(self.mail.folder, factory=None, create=False)
        for key in box.keys():
            if key not in self.parsed:
                try:
                    raw = box.get_bytes(key)
                except KeyError:  # moved on under us
                    continue
                self.parsed[key] = email.message_from_bytes(raw, policy=email.policy.default)
        return [message for message in self.parsed.values()
                if address is None or message["To"] == address]

    def wait_for_mail(self, address, subject_part, timeout=30):
        return wait_until(lambda: [m for m in self.mails(address)
                                   if subject_part in m["Subject"]], timeout, interval=0.1,
                          message="mail to {} about {!r}".format(address, subject_part))


def unique(name):
    return "{}-{}".format(name, uuid.uuid4().hex[:8])


def contact(email_address, mobile=None):
    given = {"email": email_address, "mobile": mobile}
    return {key: value for key, value in given.items() if value}


def address(name):
    return "{}@families.example".format(unique(name))


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


@contextlib.contextmanager
def notified_system(directory, services=(BudgetsService, ProvidersService, BookingsService),
                    **overrides):
    """The system of `services` (in-process, with the gateway), its mail server and
    notifications as a process of its own, answering before any account is made."""
    mail = MailSink(str(directory / "mail"), port=sandbox.free_port()).start()
    notify = FakeNotify()
    try:
        with sandbox.vhost("seibiant-notify") as amqp_uri:
            # notifications as a process of its own, not in-process with the others
            live = start_system(amqp_uri, directory, services=services, **overrides)
            system = Notified(live, mail, amqp_uri, directory, notify)
            try:
                system.start_notifications()
                yield system
            finally:
                if system.notifications is not None:
                    system.notifications.stop()
                stop_system(live)
    finally:
        mail.stop()
        notify.shutdown()


@pytest.fixture(scope="module")
def notified(rabbitmq, tmp_path_factory):
    """The system, with notifications answering before any account or booking is made (its
    queues must be there before there is anything to tell)."""
    with notified_system(tmp_path_factory.mktemp("notified")) as system:
        yield system
