"""Exactly one message per occasion and person, whatever fails: a mail server that goes away
for a while, and the notifications service SIGKILLed in the middle of a burst."""
import time

import eventlet

from gateway.web.rendering import booking_reference
from devtools.processes import wait_until

from .conftest import address

OUTAGE_SECONDS = 10


def families_booked(notified, council, count):
    """`count` families of one council, each with its own address, booked on one slot (each
    under its budget's limit, so each is confirmed at once)."""
    officer = notified.officer(council)
    provider = notified.provider(officer, council)
    _offer, slot = notified.slot(provider, council, capacity=count * 2)
    pool = eventlet.GreenPool(10)
    families = list(pool.imap(lambda _: notified.family(officer, address("family")),
                              range(count)))
    return families, slot


def confirmations(notified, family, booking):
    return [mail for mail in notified.mails(family.email)
            if booking_reference(booking["id"]) in mail["Subject"]]


def book_all(notified, families, slot):
    """One after another (the services share two cores with everything else): each is
    confirmed within moments, so the confirmations still come as a burst."""
    for family in families:
        family.booking = notified.book(family, slot)


def test_a_mail_server_away_for_ten_seconds_delays_each_confirmation_and_sends_it_once(
        notified):
    families, slot = families_booked(notified, "council-outage", 20)
    for family in families:
        family.email = family.get("/me")["email"]
    notified.mail.stop()
    stopped = time.monotonic()
    book_all(notified, families, slot)
    for family in families:
        family.wait_for_booking(family.booking["id"], ("confirmed",))

    def all_waiting():
        """Each confirmation recorded and tried at least once, none sent: the server is away."""
        recorded = [[m for m in notified.sent_to(family)
                     if m["event_type"] == "booking_confirmed"] for family in families]
        return all(len(found) == 1 and found[0]["status"] == "pending" for found in recorded) \
            and time.monotonic() - stopped >= OUTAGE_SECONDS
    wait_until(all_waiting, 60, interval=0.2, message="every confirmation waiting")
    notified.mail.start()

    for family in families:
        wait_until(lambda family=family: confirmations(notified, family, family.booking), 60,
                   interval=0.2, message="the confirmation of " + family.booking["id"])
    wait_until(lambda: all(m["status"] == "sent" for family in families
                           for m in notified.sent_to(family)), 60, interval=0.2,
               message="everything sent")
    for family in families:
        assert len(confirmations(notified, family, family.booking)) == 1


def test_a_notifications_service_killed_in_a_burst_loses_nothing(notified, capsys):
    count = 30
    families, slot = families_booked(notified, "council-kill", count)
    for family in families:
        family.email = family.get("/me")["email"]

    def sent():  # polled every 20 ms: the mail folder is read once a poll, not once a family
        subjects = {(mail["To"], mail["Subject"]) for mail in notified.mails()}
        return sum(1 for family in families if getattr(family, "booking", None) and any(
            to == family.email and booking_reference(family.booking["id"]) in subject
            for to, subject in subjects))
    book_all(notified, families[:10], slot)
    wait_until(lambda: sent() >= 3, 60, interval=0.02, message="the burst under way")
    notified.notifications.kill()  # SIGKILL, in the middle: no goodbye, no acks
    sent_before = sent()
    book_all(notified, families[10:], slot)  # their events wait in its queues
    notified.start_notifications()

    for family in families:
        wait_until(lambda family=family: confirmations(notified, family, family.booking), 90,
                   interval=0.2, message="the confirmation of " + family.booking["id"])
    wait_until(lambda: all(m["status"] == "sent" for family in families
                           for m in notified.sent_to(family)), 90, interval=0.2,
               message="everything sent")
    doubled = 0
    for family in families:
        mails = confirmations(notified, family, family.booking)
        # recorded once; a repeat (sent, then killed before its mark) keeps its Message-ID
        assert len([m for m in notified.sent_to(family)
                    if m["event_type"] == "booking_confirmed"]) == 1
        assert len({mail["Message-ID"] for mail in mails}) == 1
        doubled += len(mails) - 1
    with capsys.disabled():
        print("\nkilled after {} of {} confirmations: {} sent twice (same Message-ID)".format(
            sent_before, count, doubled))
    assert doubled <= 10  # at most one send in flight per worker when it was killed
