"""Each family of a home swap is told each step, by email, in its own language: the real
staycation service (in-process, with the gateway) emits the steps, the notifications service
(a process) sends the mail, a real SMTP server (aiosmtpd) receives it. A message between the
families is announced to the other family without its text."""
import datetime

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from devtools.processes import wait_until
from gateway.client import ApiError
from services.staycation.models import swaps
from services.staycation.service import StaycationService

from .conftest import PASSWORD, address, html_of, notified_system, text_of, unique

COUNCIL = "council-swap-notify"
TODAY = datetime.datetime.now(datetime.timezone.utc).date()
START = TODAY + datetime.timedelta(days=40)


def day(offset):
    return START + datetime.timedelta(days=offset)


def stay(first, last):
    return {"start_date": day(first).isoformat(), "end_date": day(last).isoformat()}


def long_day(value, language):
    return format_date(value, "EEEE d MMMM y", locale=language)


@pytest.fixture(scope="module")
def notified(rabbitmq, tmp_path_factory):
    directory = tmp_path_factory.mktemp("swap-notified")
    # staycation's timer looks often, so that a swap whose stays have ended completes soon
    with notified_system(directory, services=(StaycationService,),
                         SWAP_TIMER_SECONDS=0.3) as system:
        system.staycation_db = sa.create_engine(
            "sqlite:///{}".format(directory / "staycation.sqlite3"))
        yield system
        system.staycation_db.dispose()


@pytest.fixture(scope="module")
def officer(notified):
    return notified.officer(COUNCIL)


def swapping_family(notified, officer, language, accessibility):
    """A family verified for swaps with a listed home, free from day 0 to day 30."""
    username, email_address = unique("swapper"), address("swapper")
    officer.post("/families", {"username": username, "password": PASSWORD,
                               "display_name": "Teulu " + username, "language": language,
                               "email": email_address})
    family = notified.anonymous.signed_in(username, PASSWORD)
    family.email, family.display_name = email_address, "Teulu " + username

    def verified():  # once staycation has heard of the account (its council)
        try:
            return officer.post("/families/{}/swap-verification".format(family.user_id), {})
        except ApiError:
            return None
    wait_until(verified, 30, interval=0.1, message="the family verified")
    family.home = family.post("/homes", {
        "title": "Home of " + username, "region": "powys", "sleeps": 4, "bedrooms": 2,
        "accessibility": accessibility, "address": "1 Private Row, " + username})
    family.request("PUT", "/homes/{}/availability".format(family.home["id"]), json={
        "ranges": [{"start_date": day(0).isoformat(), "end_date": day(30).isoformat()}]})
    return family


def propose(proposer, partner):
    return proposer.post("/swaps", {
        "my_home_id": proposer.home["id"], "their_home_id": partner.home["id"],
        "my_stay": stay(2, 5), "their_stay": stay(10, 13)})


def about(notified, family, subject):
    """The mails to the family whose subject is `subject`."""
    return [mail for mail in notified.mails(family.email) if mail["Subject"] == subject]


def test_each_step_of_a_swap_is_told_to_each_family_in_its_language(notified, officer):
    ann = swapping_family(notified, officer, "en", ["quiet_space"])
    bryn = swapping_family(notified, officer, "cy", ["wheelchair_access"])
    swap = propose(ann, bryn)
    link = "http://seibiant.test/swaps/" + swap["id"]

    # the family asked hears of the proposal, in Welsh: its own stay first
    [proposed] = notified.wait_for_mail(bryn.email, "Mae teulu wedi cynnig cyfnewid cartref")
    assert proposed["Subject"] == "Mae teulu wedi cynnig cyfnewid cartref gyda chi"
    assert proposed["Content-Language"] == "cy"
    text = text_of(proposed)
    assert "Rydych chi'n aros yn eu cartref nhw: o {} i {}".format(
        long_day(day(10), "cy"), long_day(day(13), "cy")) in text
    assert "Maen nhw'n aros yn eich cartref chi: o {} i {}".format(
        long_day(day(2), "cy"), long_day(day(5), "cy")) in text
    assert link in text and '<html lang="cy">' in html_of(proposed)
    for private in (ann.display_name, "Private Row", ann.email):
        assert private not in text

    # a message: the other family is told someone wrote, never what
    bryn.post("/swaps/{}/messages".format(swap["id"]), {"text": "Oes teclyn codi yno?"})
    [message] = notified.wait_for_mail(ann.email, "New message about your home swap")
    assert "Oes teclyn codi" not in text_of(message) and link in text_of(message)
    ann.post("/swaps/{}/messages".format(swap["id"]), {"text": "Yes, a ceiling track."})
    [answer] = notified.wait_for_mail(bryn.email, "Neges newydd am eich cyfnewid cartref")
    assert "ceiling track" not in text_of(answer) and "ceiling track" not in html_of(answer)

    bryn.post("/swaps/{}/accept".format(swap["id"]), {})
    [agreed] = notified.wait_for_mail(ann.email, "Your home swap is agreed")
    text = text_of(agreed)
    assert "You stay in their home: from {} to {}".format(
        long_day(day(2), "en"), long_day(day(5), "en")) in text
    assert "They stay in your home: from {} to {}".format(
        long_day(day(10), "en"), long_day(day(13), "en")) in text
    assert "Private Row" not in text  # the address is on the swap's page, not in a mail
    notified.wait_for_mail(bryn.email, "Mae eich cyfnewid cartref wedi'i gytuno")

    # the stays are over (moved into the past): staycation's timer completes the swap, and
    # each family is asked for its review, once
    with notified.staycation_db.begin() as connection:
        connection.execute(swaps.update().where(swaps.c.id == swap["id"]).values(
            proposer_stay_start=TODAY - datetime.timedelta(days=9),
            proposer_stay_end=TODAY - datetime.timedelta(days=6),
            partner_stay_start=TODAY - datetime.timedelta(days=5),
            partner_stay_end=TODAY - datetime.timedelta(days=2)))
    [completed] = notified.wait_for_mail(ann.email, "How was your home swap?")
    assert "Review the home you stayed in and the family you hosted" in text_of(completed)
    assert link in text_of(completed)
    [welsh] = notified.wait_for_mail(bryn.email, "Sut oedd eich cyfnewid cartref?")
    assert "Adolygwch y cartref" in text_of(welsh)
    assert ann.get("/swaps/" + swap["id"])["status"] == "completed"

    # each was told each step once, and only what was theirs to hear
    wait_until(lambda: all(m["status"] == "sent" for m in ann.get("/me/notifications")
                           ["items"]), 30, message="ann's marked sent")
    assert sorted(m["event_type"] for m in ann.get("/me/notifications")["items"]) == [
        "swap_agreed", "swap_completed", "swap_message_posted"]
    assert sorted(m["event_type"] for m in bryn.get("/me/notifications")["items"]) == [
        "swap_agreed", "swap_completed", "swap_message_posted", "swap_proposed"]
    assert len(about(notified, ann, "How was your home swap?")) == 1


def test_a_decline_is_told_to_the_proposer_and_a_cancel_to_the_other_family(notified,
                                                                             officer):
    ann = swapping_family(notified, officer, "en", ["quiet_space"])
    bryn = swapping_family(notified, officer, "cy", ["wheelchair_access"])
    declined = propose(ann, bryn)
    bryn.post("/swaps/{}/decline".format(declined["id"]), {})
    [told] = notified.wait_for_mail(ann.email, "Your home swap was declined")
    assert "The other family declined the home swap you proposed." in text_of(told)
    assert "http://seibiant.test/swaps/" + declined["id"] in text_of(told)

    cancelled = propose(bryn, ann)  # Bryn proposes, and cancels
    notified.wait_for_mail(ann.email, "A family has proposed a home swap with you")
    bryn.post("/swaps/{}/cancel".format(cancelled["id"]), {})
    [told] = notified.wait_for_mail(ann.email, "Your home swap is cancelled")
    assert "The other family cancelled the home swap." in text_of(told)
    # the family that declined, and the one that cancelled, hear nothing of their own step
    wait_until(lambda: all(m["status"] == "sent" for m in bryn.get("/me/notifications")
                           ["items"]), 30, message="bryn's marked sent")
    assert [m["event_type"] for m in bryn.get("/me/notifications")["items"]] == [
        "swap_proposed"]
    assert [m["event_type"] for m in ann.get("/me/notifications")["items"]] == [
        "swap_cancelled", "swap_proposed", "swap_declined"]
