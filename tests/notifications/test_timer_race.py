"""Two instances of notifications on one PostgreSQL database never send the same message: four
claimers of its timer at once (green threads in one process, as two containers would be:
psycopg2 is green under eventlet, so their transactions truly overlap) share the reminders
now due (SELECT ... FOR UPDATE SKIP LOCKED) and race for the messages left pending (each
claimed by a conditional update); a real SMTP server counts what arrives. And an idle timer
reads nothing, so commits nothing, until something is due (its clock is the test's). No
broker: the events are handed to the service's own handlers."""
import datetime
import email
import email.policy
import mailbox
import types

import eventlet
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from eventlet.support.psycopg2_patcher import make_psycopg_green

from devtools import sandbox
from devtools.processes import MailSink
from seibiant_common.contracts import bookings, gateway, payloads
from seibiant_common.database import Store, make_engine
from seibiant_common.migrations import upgrade
from seibiant_common.outbox import envelope
from seibiant_common.types import utcnow
from services.notifications import application, domain, models
from services.notifications.dependencies import Delivery, Mailer
from services.notifications.handlers import EVENT_HANDLERS
from services.notifications.service import MIGRATIONS

FAMILIES = 20
CLAIMERS = 4
DAY = datetime.timedelta(days=1)


@pytest.fixture
def service(make_database_url, tmp_path, monkeypatch):
    """The service as its handlers and its timer see it, on PostgreSQL, sending to a mail
    server that is not there yet (`service.mail`: start it)."""
    make_psycopg_green()
    engine = make_engine(make_database_url("postgresql", "notifications"))
    upgrade(engine, MIGRATIONS)
    mail = MailSink(str(tmp_path / "mail"), port=sandbox.free_port())
    mailer = Mailer(mail.host, mail.port, "seibiant@example.org", "", "", False, 5)
    # small batches, so that the claimers take the due reminders in turns, not one takes all
    monkeypatch.setattr(application, "TIMER_BATCH", 5)
    yield types.SimpleNamespace(
        # an idle timer reads at least every two hours (the idle test's clock runs one)
        db=Store(engine, *models.PLUMBING_TABLES, look_ceiling=datetime.timedelta(hours=2)),
        mail=mail,
        delivery=Delivery({domain.EMAIL: mailer}, "http://seibiant.test", "example.org"),
        reminder_times=domain.ReminderTimes(day_before=DAY, approval_waited=DAY,
                                            approval_expiring=DAY))
    mail.stop()
    engine.dispose()


def hear(service, producer, event_type, aggregate_id, **payload):
    event = envelope(event_type, payloads.dump(event_type, payload), aggregate_id, None)
    # as a batch of one: the row runs in a unit of work, and what it returns after the commit
    with service.db.unit_of_work() as uow:
        after_commit = EVENT_HANDLERS[(producer, event_type)](service, uow, event)
    try:
        if after_commit is not None:
            after_commit()
    except application.NotDelivered:
        pass  # no mail server yet: the message stays pending, the event would come back


def mail_ids(folder):
    box = mailbox.Maildir(folder, factory=None, create=False)
    return [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            ["Message-ID"] for key in box.keys()]


def test_four_claimers_of_the_timer_send_each_reminder_and_each_pending_message_once(service):
    now = utcnow()
    for number in range(FAMILIES):
        family_id = "family-{}".format(number)
        hear(service, gateway.SERVICE, gateway.ACCOUNT_DETAILS_CHANGED, family_id,
             account_id=family_id, role="family", council="powys", provider_id=None,
             display_name="Teulu {}".format(number), language="cy" if number % 2 else "en",
             email="{}@families.example".format(family_id), mobile=None,
             notify_by=["email"], changed_at=now)
        # confirmed while the mail server is away; the break starts in a day and a minute
        hear(service, bookings.SERVICE, bookings.BOOKING_CONFIRMED, "booking-{}".format(number),
             booking_id="booking-{}".format(number), family_id=family_id, council="powys",
             slot_start=now + DAY + datetime.timedelta(minutes=1),
             slot_end=now + 2 * DAY, places=1)
    sent = models.sent_messages
    with service.db.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(sent).where(
            sent.c.status == domain.PENDING)).scalar() == FAMILIES
    service.mail.start()

    # Two minutes on: the reminders are due and the confirmations have waited past the grace.
    def later():
        return utcnow() + datetime.timedelta(minutes=2)

    def claimer(_number):
        """A timer that ticks until it finds nothing to do."""
        tried = []
        while occasions := application.remind(service.db, service.delivery, later):
            tried += occasions
        return tried

    tried = list(eventlet.GreenPool(CLAIMERS).imap(claimer, range(CLAIMERS)))

    assert sorted(set().union(*tried)) == sorted(
        domain.occasion_id(occasion, "booking-{}".format(number)) for number in range(FAMILIES)
        for occasion in (bookings.BOOKING_CONFIRMED, domain.DAY_BEFORE))
    with service.db.engine.connect() as connection:
        statuses = connection.execute(sa.select(sent.c.event_type, sent.c.status, sa.func.count())
                                      .group_by(sent.c.event_type, sent.c.status)).all()
        attempts = connection.execute(sa.select(sa.func.max(sent.c.attempts))).scalar()
        undone = connection.execute(sa.select(sa.func.count()).select_from(
            models.reminders).where(models.reminders.c.done_at.is_(None))).scalar()
    assert sorted(statuses) == [(bookings.BOOKING_CONFIRMED, domain.SENT, FAMILIES),
                                (domain.DAY_BEFORE, domain.SENT, FAMILIES)]
    assert attempts == 2 and undone == 0  # the confirmations: refused once, then sent once
    ids = mail_ids(service.mail.folder)
    assert len(ids) == len(set(ids)) == 2 * FAMILIES


def know_family(service, family_id, now):
    hear(service, gateway.SERVICE, gateway.ACCOUNT_DETAILS_CHANGED, family_id,
         account_id=family_id, role="family", council="powys", provider_id=None,
         display_name="Teulu", language="en", email="{}@families.example".format(family_id),
         mobile=None, notify_by=["email"], changed_at=now)


def confirm(service, booking_id, family_id, slot_start):
    hear(service, bookings.SERVICE, bookings.BOOKING_CONFIRMED, booking_id,
         booking_id=booking_id, family_id=family_id, council="powys", slot_start=slot_start,
         slot_end=slot_start + DAY, places=1)


def test_an_idle_timer_reads_and_commits_nothing_until_a_reminder_is_due(service):
    now = utcnow()
    service.mail.start()
    know_family(service, "family-a", now)
    confirm(service, "booking-a", "family-a", now + DAY + datetime.timedelta(hours=1))
    statements, commits = [], []
    event.listen(service.db.engine, "before_cursor_execute",
                 lambda *args: statements.append(args[2]))
    event.listen(service.db.engine, "commit", lambda connection: commits.append(connection))

    def tick(minutes):
        application.remind(service.db, service.delivery,
                           lambda: now + datetime.timedelta(minutes=minutes), looking=True)

    tick(0)  # a process's first tick reads: booking-a's reminder is due in an hour
    assert commits and len(mail_ids(service.mail.folder)) == 1  # booking-a's confirmation
    read = len(statements), len(commits)
    for half_minutes in range(1, 60):  # idle for half an hour of ticks
        tick(half_minutes / 2)
    assert (len(statements), len(commits)) == read

    # booking-b's reminder, due in 40 minutes, wakes the timer then (this process heard it)
    confirm(service, "booking-b", "family-a", now + DAY + datetime.timedelta(minutes=40))
    assert len(mail_ids(service.mail.folder)) == 2
    read = len(statements), len(commits)
    for half_minutes in range(60, 80):
        tick(half_minutes / 2)
    assert (len(statements), len(commits)) == read
    tick(40)
    assert len(commits) > read[1] and len(mail_ids(service.mail.folder)) == 3

    read = len(statements), len(commits)
    for half_minutes in range(81, 120):
        tick(half_minutes / 2)
    assert (len(statements), len(commits)) == read
    tick(60)  # booking-a's reminder
    ids = mail_ids(service.mail.folder)
    assert len(ids) == len(set(ids)) == 4
