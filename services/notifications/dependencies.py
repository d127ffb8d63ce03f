"""The notifications service's own extensions: how messages leave it.

Settings (nameko config keys, filled from the environment by config.yaml):
- `SMTP_HOST`, `SMTP_PORT` (127.0.0.1:8025, the sink `make run` starts), `SMTP_FROM`,
  `SMTP_USERNAME` and `SMTP_PASSWORD` (no sign-in when empty), `SMTP_STARTTLS` (1 to
  upgrade the connection), `SMTP_TIMEOUT_SECONDS` (10): the mail server;
- `PUBLIC_URL` (http://127.0.0.1:8000): where the links in messages point (the gateway's web
  pages);
- `NOTIFICATIONS_CLAIM_SECONDS` (60): how long a sender holds a message it is sending, longer
  than `SMTP_TIMEOUT_SECONDS`: after a crash, another sends it once the claim has lapsed;
- `NOTIFICATIONS_TIMER_SECONDS` (30): how often the timer may look for reminders due and
  messages left pending: it reads only once the soonest it knows of is due, or this process
  has made one due, or `TIMER_CEILING_SECONDS` (600) after its last read (what another
  instance scheduled, or left when it died); `NOTIFICATIONS_DAY_BEFORE_SECONDS` (24 h
  before a break), `NOTIFICATIONS_APPROVAL_WAITED_SECONDS` (24 h after a spend began to wait) and
  `NOTIFICATIONS_APPROVAL_EXPIRING_SECONDS` (12 h before its approval expires): when the
  reminders come;
- `NOTIFY_API_KEY` (none: text messages are off, and the start-up log says so),
  `NOTIFY_SMS_TEMPLATE_ID` (a GOV.UK Notify text message template whose whole content is
  `((message))`), `NOTIFY_BASE_URL` (Notify's API): text messages through GOV.UK Notify.
"""
import datetime
import email.utils
import logging
import smtplib
from email.message import EmailMessage

import requests
from nameko.extensions import DependencyProvider
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from seibiant_common.config import StartupRefused, flag, setting

from . import domain

log = logging.getLogger(__name__)


class Mailer:
    """Email over SMTP: one connection per message (messages are few; a pooled connection
    would only add a state to get wrong after the server restarts)."""

    errors = (smtplib.SMTPException, OSError)

    def __init__(self, host, port, sender, username, password, starttls, timeout):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password = username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, message):
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Message-ID"] = message.message_id
        mail["Date"] = email.utils.formatdate(usegmt=True)
        mail.set_content(message.body)
        mail.add_alternative(message.html, subtype="html")
        mail["Content-Language"] = message.language  # after: set_content drops Content-*
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)


class TextMessages:
    """Text messages through GOV.UK Notify: one template that says `((message))`, our words
    in it; Notify's `reference` is the message's id, the same for every attempt."""

    errors = (APIError, requests.RequestException)

    def __init__(self, client, template_id):
        self.client, self.template_id = client, template_id

    def send(self, message):
        self.client.send_sms_notification(
            phone_number=message.to, template_id=self.template_id,
            personalisation={"message": message.body}, reference=message.message_id)


class Delivery:
    """What the use cases need to send: a sender per channel, and the words' settings."""

    def __init__(self, senders, base_url, domain_name, claim=domain.CLAIM):
        self.senders = senders
        self.claim = claim  # how long a sender holds a message it is sending
        self.base_url = base_url.rstrip("/")
        self.domain = domain_name
        self.sms_on = domain.SMS in senders
        self.errors = tuple(error for sender in senders.values() for error in sender.errors)

    def send(self, message):
        self.senders[message.channel].send(message)


class Senders(DependencyProvider):
    def setup(self):
        config = self.container.config
        sender = setting(config, "SMTP_FROM", "seibiant@localhost", str)
        mailer = Mailer(
            host=setting(config, "SMTP_HOST", "127.0.0.1", str),
            port=setting(config, "SMTP_PORT", 8025, int),
            sender=sender,
            username=setting(config, "SMTP_USERNAME", "", str),
            password=setting(config, "SMTP_PASSWORD", "", str),
            starttls=flag(setting(config, "SMTP_STARTTLS", "0", str)),
            timeout=setting(config, "SMTP_TIMEOUT_SECONDS", 10.0, float))
        senders = {domain.EMAIL: mailer}
        api_key = setting(config, "NOTIFY_API_KEY", "", str)
        if api_key:
            template_id = setting(config, "NOTIFY_SMS_TEMPLATE_ID", "", str)
            if not template_id:
                raise StartupRefused("NOTIFY_API_KEY is set without NOTIFY_SMS_TEMPLATE_ID "
                                     "(a Notify text message template saying ((message)))")
            senders[domain.SMS] = TextMessages(NotificationsAPIClient(
                api_key, base_url=setting(config, "NOTIFY_BASE_URL",
                                          "https://api.notifications.service.gov.uk", str),
                timeout=setting(config, "SMTP_TIMEOUT_SECONDS", 10.0, float)), template_id)
        log.info("notifications: email through %s:%s; text messages %s", mailer.host,
                 mailer.port, "through GOV.UK Notify" if domain.SMS in senders
                 else "are off (no NOTIFY_API_KEY)")
        self.delivery = Delivery(senders, setting(config, "PUBLIC_URL",
                                                  "http://127.0.0.1:8000", str),
                                 email.utils.parseaddr(sender)[1].rpartition("@")[2]
                                 or "localhost", datetime.timedelta(seconds=setting(
                                     config, "NOTIFICATIONS_CLAIM_SECONDS",
                                     domain.CLAIM.total_seconds(), float)))

    def get_dependency(self, worker_ctx):
        return self.delivery


class ReminderSettings(DependencyProvider):
    """The worker gets `domain.ReminderTimes`."""

    def setup(self):
        config = self.container.config

        def seconds(key, default):
            return datetime.timedelta(seconds=setting(config, key, default, float))
        self.times = domain.ReminderTimes(
            day_before=seconds("NOTIFICATIONS_DAY_BEFORE_SECONDS", 24 * 3600),
            approval_waited=seconds("NOTIFICATIONS_APPROVAL_WAITED_SECONDS", 24 * 3600),
            approval_expiring=seconds("NOTIFICATIONS_APPROVAL_EXPIRING_SECONDS", 12 * 3600))

    def get_dependency(self, worker_ctx):
        return self.times
