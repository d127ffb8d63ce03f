"""People are told what happened to a booking, by email, in their own language: a real SMTP
server (aiosmtpd) receives the mail, sent by the notifications service (a process) from the
events of the real services."""
import datetime
import uuid

import pytest

from gateway.client import ApiError
from gateway.web.rendering import booking_reference
from devtools.processes import wait_until
from tests.gateway.world import close_ballot_applications

from .conftest import PASSWORD, address, html_of, text_of


@pytest.fixture(scope="module")
def council():
    return "council-notify"


def test_a_welsh_family_gets_its_confirmation_in_welsh_and_the_provider_its_new_booking(
        notified, council):
    officer = notified.officer(council)
    family_address = address("teulu")
    family = notified.family(officer, family_address, language="cy")
    provider_address = address("provider")
    provider = notified.provider(officer, council, provider_address)
    offer, slot = notified.slot(provider, council)
    booking = notified.book(family, slot, places=2)
    family.wait_for_booking(booking["id"], ("confirmed",))
    reference = booking_reference(booking["id"])

    [confirmation] = notified.wait_for_mail(family_address, reference)
    assert confirmation["Subject"] == "Mae eich archeb wedi'i chadarnhau: " + reference
    assert confirmation["Content-Language"] == "cy"
    text = text_of(confirmation)
    assert "Cyfeirnod yr archeb: " + reference in text
    assert "Beth: " + offer["title"] in text
    assert "Pryd: Dydd Iau 12 Mehefin 2031, 11:00" in text  # UK summer time
    assert "hello@hafan.example" in text and "01632 960 123" in text
    assert "http://seibiant.test/bookings/" + booking["id"] in text
    words = " ".join(line for line in text.splitlines() if not line.startswith("http"))
    for english in ("Your", "booking", "confirmed", "When:", "Where:", "Provider:"):
        assert english not in words and english not in confirmation["Subject"]
    assert '<html lang="cy">' in html_of(confirmation)
    assert reference in html_of(confirmation)

    [received] = notified.wait_for_mail(family_address, "Mae eich cais i archebu gennym")
    assert received["Message-ID"] != confirmation["Message-ID"]
    assert "Pryd: Dydd Iau 12 Mehefin 2031, 11:00" in text_of(received)

    # what was sent, newest first, paged like every list
    notified.wait_for_mail(family_address, "Mae eich cais i archebu gennym")
    wait_until(lambda: all(m["status"] == "sent" for m in family.get("/me/notifications")
                           ["items"]), 30, message="both marked sent")
    first = family.get("/me/notifications", params={"limit": 1})
    assert first["next_cursor"]
    [newest] = first["items"]
    assert newest["event_type"] == "booking_confirmed"
    assert (newest["channel"], newest["to"], newest["language"]) == (
        "email", family_address, "cy")
    assert newest["subject"] == confirmation["Subject"] and newest["booking_id"] == booking["id"]
    assert "Cyfeirnod yr archeb: " + reference in newest["body"] and newest["sent_at"]
    second = family.get("/me/notifications", params={"limit": 1, "cursor": first["next_cursor"]})
    assert [m["event_type"] for m in second["items"]] == ["booking_requested"]
    assert second["next_cursor"] is None
    assert provider.get("/me/notifications")["items"][0]["to"] == provider_address

    [new_booking] = notified.wait_for_mail(provider_address, reference)
    assert new_booking["Subject"] == "New booking: " + reference
    text = text_of(new_booking)
    assert family.display_name + " has booked 2 places." in text
    assert family_address not in text  # a provider never sees the family's address


def test_an_officer_is_told_a_spend_waits_and_the_family_why(notified, council):
    officer_address = address("officer")
    officer = notified.officer(council, officer_address)
    family_address = address("family")
    family = notified.family(officer, family_address, budget_limit=1000)
    provider = notified.provider(officer, council)
    _offer, slot = notified.slot(provider, council, price=4000)
    booking = notified.book(family, slot)
    family.wait_for_booking(booking["id"], ("awaiting_approval",))

    [waiting] = notified.wait_for_mail(officer_address, "A spend is waiting for your approval")
    text = text_of(waiting)
    assert family.display_name + " has asked to spend £40.00 on: Overnight stay." in text
    assert "* The cost is over the limit agreed for spending without asking." in text
    assert "http://seibiant.test/officer/approvals" in text
    [why] = notified.wait_for_mail(family_address, "Your booking is waiting for the council")
    assert "over the limit agreed" in text_of(why)

    officer.post("/approvals/{}/decline".format(booking["id"]), {"reason": "Too far away"})
    [not_booked] = notified.wait_for_mail(family_address, "We could not book your break")
    text = text_of(not_booked)
    assert "Why: A council officer declined the spend." in text
    assert "The officer said: Too far away" in text


def test_nobody_who_chose_no_messages_is_sent_any(notified, council):
    officer = notified.officer(council)
    quiet_address = address("quiet")
    quiet = notified.family(officer, quiet_address)
    me = quiet.request("PATCH", "/me", json={"notify_by": []}).json()
    assert me["notify_by"] == [] and me["email"] == quiet_address
    provider_address = address("provider")
    provider = notified.provider(officer, council, provider_address)
    _offer, slot = notified.slot(provider, council)
    booking = notified.book(quiet, slot)
    quiet.wait_for_booking(booking["id"], ("confirmed",))
    # the provider's mail of the same event says notifications has handled it
    notified.wait_for_mail(provider_address, booking_reference(booking["id"]))
    assert notified.mails(quiet_address) == []


def test_a_bad_address_or_number_is_refused_naming_the_field(notified, council):
    officer = notified.officer(council)
    answer = officer.request("POST", "/families", expect=(422,), json={
        "username": "bad-address-family", "password": "correct-horse-battery",
        "display_name": "Bad", "email": "not-an-address"})
    assert set(answer.json()["errors"]) == {"email"}
    family = notified.family(officer)
    for body, field in (({"email": "nobody@"}, "email"), ({"mobile": "call me"}, "mobile"),
                        ({"notify_by": ["pigeon"]}, "notify_by"),
                        ({"notify_by": ["sms"]}, "notify_by")):  # no mobile given
        answer = family.request("PATCH", "/me", json=body, expect=(422,))
        assert set(answer.json()["errors"]) == {field}, answer.text
    assert family.get("/me")["email"] is None
    answer = notified.anonymous.request("POST", "/providers", expect=(422,), json={
        "username": "bad-mobile-provider", "password": "correct-horse-battery",
        "name": "Bad", "kind": "short_break", "regions": [council], "mobile": "12"})
    assert set(answer.json()["errors"]) == {"mobile"}


def test_the_day_before_the_family_is_reminded_and_the_provider_told_who_is_coming(
        notified, council):
    officer = notified.officer(council)
    family_address = address("family")
    family = notified.family(officer, family_address)
    provider_address = address("provider")
    provider = notified.provider(officer, council, provider_address)
    tomorrow = (datetime.datetime.now(datetime.timezone.utc)
                + datetime.timedelta(hours=20)).replace(microsecond=0).isoformat()
    _offer, slot = notified.slot(provider, council, start=tomorrow)
    booking = notified.book(family, slot)
    family.wait_for_booking(booking["id"], ("confirmed",))
    reference = booking_reference(booking["id"])
    [reminder] = notified.wait_for_mail(family_address, "Your break is tomorrow")
    assert "Booking reference: " + reference in text_of(reminder)
    [coming] = notified.wait_for_mail(provider_address, "Who is coming tomorrow: " + reference)
    assert family.display_name + " is coming tomorrow: 1 place." in text_of(coming)


def test_after_the_break_the_family_is_asked_how_it_went(notified, council):
    officer = notified.officer(council)
    family_address = address("family")
    family = notified.family(officer, family_address, language="cy")
    provider = notified.provider(officer, council, address("provider"))
    soon = (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(seconds=4)).replace(microsecond=0).isoformat()
    _offer, slot = notified.slot(provider, council, start=soon)
    booking = notified.book(family, slot)
    family.wait_for_booking(booking["id"], ("confirmed",))

    def completed():
        try:  # a break can be marked as delivered once it has started
            return provider.post("/bookings/{}/complete".format(booking["id"]))
        except ApiError as refused:
            if refused.status != 409:
                raise
            return None
    wait_until(completed, 30, interval=0.1, message="the break to start and be completed")
    [asked] = notified.wait_for_mail(family_address, "Sut oedd eich seibiant?")
    text = text_of(asked)
    assert "Rhowch eich adborth ar dudalen yr archeb:" in text
    assert "http://seibiant.test/bookings/" + booking["id"] in text
    assert [m["event_type"] for m in family.get("/me/notifications")["items"]][0] == \
        "booking_completed"


def test_officers_are_reminded_of_a_waiting_spend_and_warned_before_it_expires(
        notified, council):
    officer_address = address("officer")
    officer = notified.officer(council, officer_address)
    family = notified.family(officer, address("family"), budget_limit=1000)
    provider = notified.provider(officer, council)
    _offer, slot = notified.slot(provider, council, price=4000)
    booking = notified.book(family, slot)
    family.wait_for_booking(booking["id"], ("awaiting_approval",))
    [waited] = notified.wait_for_mail(officer_address, "A spend has waited a day")
    assert family.display_name + " asked a day ago to spend £40.00" in text_of(waited)
    [expiring] = notified.wait_for_mail(officer_address, "approval expires soon")
    in_three_days = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
    assert "If nobody decides by" in text_of(expiring)
    assert in_three_days.strftime("%B") in text_of(expiring)  # when it expires, in words



def test_a_family_that_gave_a_mobile_gets_a_text_message_through_gov_uk_notify(
        notified, council):
    officer = notified.officer(council)
    mobile = "07700 900{:03d}".format(len(notified.notify.received) % 1000)
    family = notified.family(officer, address("family"), mobile=mobile, language="cy")
    assert family.get("/me")["notify_by"] == ["email", "sms"]
    provider = notified.provider(officer, council)
    _offer, slot = notified.slot(provider, council)
    booking = notified.book(family, slot)
    family.wait_for_booking(booking["id"], ("confirmed",))
    reference = booking_reference(booking["id"])
    [text] = wait_until(lambda: [m for m in notified.notify.received
                                 if m["phone_number"] == mobile and reference in
                                 m["personalisation"]["message"]], 30, message="the text")
    assert text["personalisation"]["message"] == (
        "Mae eich archeb wedi'i chadarnhau: {}\nhttp://seibiant.test/bookings/{}".format(
            reference, booking["id"]))
    assert text["reference"].startswith("<")  # the message's own id, every attempt alike
    sent = wait_until(lambda: [m for m in family.get("/me/notifications")["items"]
                               if m["channel"] == "sms" and m["status"] == "sent"
                               and m["event_type"] == "booking_confirmed"], 30,
                      message="the text marked sent")
    assert sent[0]["to"] == mobile


def test_a_family_on_a_waiting_list_is_told_in_welsh_a_place_is_offered_and_until_when(
        notified, council):
    officer = notified.officer(council)
    booked, waiting_address = notified.family(officer), address("waiting")
    waiting = notified.family(officer, waiting_address, language="cy")
    provider = notified.provider(officer, council)
    _offer, slot = notified.slot(provider, council, capacity=1)
    booking = notified.book(booked, slot)
    booked.wait_for_booking(booking["id"], ("confirmed",))
    waiting.post("/slots/{}/waiting-list".format(slot["id"]), {"places": 1})
    booked.post("/bookings/{}/cancel".format(booking["id"]), {})
    [offered] = notified.wait_for_mail(waiting_address, "Mae lle yn cael ei gynnig i chi")
    entry = waiting.get("/slots/{}/waiting-list".format(slot["id"]))
    assert entry["status"] == "offered"
    text = text_of(offered)
    assert "http://seibiant.test/bookings/" + entry["booking_id"] in text
    assert "atebwch erbyn" in offered["Subject"]


def test_a_carer_not_drawn_in_a_ballot_is_told_in_welsh_that_they_keep_their_priority(
        notified):
    council = "council-ballot-" + uuid.uuid4().hex[:6]
    officer = notified.officer(council)
    username = "referrer-" + uuid.uuid4().hex[:8]
    notified.admin.post("/referrers", {
        "username": username, "password": PASSWORD, "display_name": "Gweithiwr",
        "council": council, "organisation": "Canolfan Gofalwyr"})
    referrer = notified.anonymous.signed_in(username, PASSWORD)
    carers = {}
    for _ in range(2):
        carer_address = address("gofalwr")
        name = "carer-" + uuid.uuid4().hex[:8]
        referrer.post("/carers", {
            "username": name, "password": PASSWORD, "display_name": "Gofalwr " + name,
            "needs": [], "language": "cy", "email": carer_address,
            "consent_statement": "Agreed on the phone."})
        carers[carer_address] = notified.anonymous.signed_in(name, PASSWORD)
    provider = notified.provider(officer, council)
    offer = provider.post("/offers", {
        "title": "Pryd " + uuid.uuid4().hex[:6], "category": "hospitality_meal",
        "price_pence": 0, "region": council, "accessibility": [], "supports_needs": [],
        "description": "A meal."})
    # far enough to apply on any machine; closed below in bookings' own database
    close = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    [slot] = provider.post("/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2031-06-20T10:00:00+00:00", "end": "2031-06-20T14:00:00+00:00",
        "capacity": 1, "allocation": "ballot",
        "applications_close_at": close.isoformat()}]})["items"]
    for carer in carers.values():
        carer.post("/slots/{}/applications".format(slot["id"]), {"places": 1})
    close_ballot_applications(notified.live.config["DATABASES"]["bookings"], slot["id"])

    subject = "Mae'r balot ar gyfer eich seibiant wedi'i dynnu"
    told = wait_until(lambda: [(a, m) for a in carers for m in notified.mails(a)
                               if m["Subject"] == subject], 40, interval=0.2,
                      message="the carer not drawn told")
    [(loser_address, lost)] = told
    text = text_of(lost)
    assert "ni chawsoch le y tro hwn" in text
    assert "Rydych yn cadw eich blaenoriaeth" in text
    assert "Beth: " + offer["title"] in text
    assert "http://seibiant.test/breaks/{}/slots/{}/ballot".format(
        offer["id"], slot["id"]) in text
    assert "ballot" not in lost["Subject"] and "priority" not in text
    loser = carers[loser_address]
    record = loser.get("/slots/{}/ballot".format(slot["id"]))
    assert record["mine"]["outcome"] == "lost"
    assert loser.get("/me/notifications")["items"][0]["event_type"] == "ballot_lost"
    # the winner is told of their booking as anyone is, and not that they lost
    [winner_address] = set(carers) - {loser_address}
    notified.wait_for_mail(winner_address, "Mae eich cais i archebu gennym")
    assert not [m for m in notified.mails(winner_address) if m["Subject"] == subject]
