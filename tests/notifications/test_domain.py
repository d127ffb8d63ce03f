"""Who is told what, by which channel, once: the rules, no broker."""
import datetime
import os

import pytest

from seibiant_common.contracts import payloads
from services.notifications import domain, templates
from services.notifications.handlers import EVENT_HANDLERS

NOW = datetime.datetime(2031, 6, 1, 9, tzinfo=datetime.timezone.utc)


def person(**changes):
    return domain.Recipient(**dict(dict(
        account_id="f1", role="family", council="powys", provider_id=None,
        display_name="Teulu Jones", language="cy", email="teulu@example.org",
        mobile="07700 900982", notify_by=["email", "sms"], changed_at=NOW), **changes))


def test_every_line_of_the_table_has_its_template_and_an_occasion_that_comes():
    heard = {event_type for _producer, event_type in EVENT_HANDLERS}
    for message in domain.MESSAGES:
        assert os.path.exists(os.path.join(templates.TEMPLATES_DIR, message.template + ".txt"))
        assert message.occasion in domain.REMINDERS or (
            message.occasion in heard and message.occasion in payloads.PAYLOADS)
        assert message.audience in (domain.FAMILY, domain.PROVIDER, domain.OFFICERS,
                                    domain.PROPOSER, domain.PARTNER, domain.OTHER_FAMILY)


def test_a_person_is_told_by_each_channel_they_chose_that_has_an_address():
    assert person().addresses(sms_on=True) == [("email", "teulu@example.org"),
                                               ("sms", "07700 900982")]
    assert person().addresses(sms_on=False) == [("email", "teulu@example.org")]
    assert person(notify_by=[]).addresses(sms_on=True) == []
    assert person(email=None).addresses(sms_on=False) == []


def test_an_older_account_event_changes_nothing():
    someone = person()
    fact = {"role": "family", "council": "powys", "provider_id": None, "display_name": "Old",
            "language": "en", "email": None, "mobile": None, "notify_by": []}
    someone.changed(dict(fact, changed_at=NOW - datetime.timedelta(seconds=1)))
    assert (someone.display_name, someone.language) == ("Teulu Jones", "cy")
    someone.changed(dict(fact, changed_at=NOW + datetime.timedelta(seconds=1)))
    assert (someone.display_name, someone.language, someone.notify_by) == ("Old", "en", [])


def test_the_same_occasion_of_a_booking_is_one_occasion_and_one_message_id_per_person():
    first = domain.occasion_id("booking_confirmed", "b1")
    assert first == domain.occasion_id("booking_confirmed", "b1")
    assert first != domain.occasion_id("booking_requested", "b1")
    one = domain.message_id(first, "f1", "email", "example.org")
    assert one == domain.message_id(first, "f1", "email", "example.org")
    assert one.startswith("<") and one.endswith("@example.org>")
    assert one != domain.message_id(first, "f2", "email", "example.org")


@pytest.mark.parametrize("by,said", [("f1", "family"), ("p-user", "provider"),
                                     ("system", "withdrawn")])
def test_who_cancelled_is_told_apart(by, said):
    assert domain.cancelled_by(by, "f1", {"p-user"}) == said


SWAP = {"swap_id": "s1", "proposer_family_id": "ann", "partner_family_id": "bryn",
        "proposer_stay_start": datetime.date(2031, 7, 1),
        "proposer_stay_end": datetime.date(2031, 7, 4),
        "partner_stay_start": datetime.date(2031, 8, 1),
        "partner_stay_end": datetime.date(2031, 8, 8)}


@pytest.mark.parametrize("audience, by, family", [
    (domain.PROPOSER, "bryn", "ann"), (domain.PARTNER, "ann", "bryn"),
    (domain.OTHER_FAMILY, "ann", "bryn"), (domain.OTHER_FAMILY, "bryn", "ann")])
def test_a_swaps_step_is_told_to_the_family_its_line_names(audience, by, family):
    fact = dict(SWAP, by=by)
    assert domain.audience_of(domain.Message("x", audience, "t"), fact) == (
        "family", "account_id", family)


def test_each_family_reads_its_own_stay_first_and_each_step_and_message_is_one_occasion():
    assert domain.stays_of("ann", SWAP) == (
        (datetime.date(2031, 7, 1), datetime.date(2031, 7, 4)),
        (datetime.date(2031, 8, 1), datetime.date(2031, 8, 8)))
    assert domain.stays_of("bryn", SWAP)[0] == (datetime.date(2031, 8, 1),
                                                datetime.date(2031, 8, 8))
    assert domain.subject_of("swap_agreed", SWAP) == "s1"
    assert domain.subject_of("swap_message_posted", dict(SWAP, message_id="m1")) == "m1"
    assert domain.subject_of("booking_confirmed", {"booking_id": "b1"}) == "b1"
    # a declined waiting list's offer is told to no one; a cancelled booking to both
    assert domain.messages_for("booking_cancelled", {"offer_declined": True}) == []
    assert [m.audience for m in domain.messages_for(
        "booking_cancelled", {"offer_declined": False})] == [domain.FAMILY, domain.PROVIDER]
    assert domain.messages_for("swap_agreed", SWAP) == [
        domain.Message("swap_agreed", domain.PROPOSER, "swap_agreed"),
        domain.Message("swap_agreed", domain.PARTNER, "swap_agreed")]


FACTS = {"booking_id": "abcdef1234567890", "title": "Seaside cottage",
         "title_cy": "Bwthyn glan môr", "region": "powys",
         "slot_start": "2031-06-12T09:00:00+00:00", "slot_end": "2031-06-13T09:00:00+00:00",
         "provider_name": "Hafan", "contact_email": "hafan@example.org", "places": 2,
         "amount_pence": 12000, "reasons": ["over_auto_approve_limit"], "reason": "declined",
         "officer_reason": "Too far", "family_name": "Teulu Jones", "cancelled_by": "provider",
         "category": "overnight_stay", "approval_deadline": "2031-06-04T09:00:00+00:00",
         "offer_expires_at": "2031-06-05T16:30:00+00:00", **SWAP, "recipient_id": "bryn"}


@pytest.mark.parametrize("template", sorted({m.template for m in domain.MESSAGES}))
def test_every_message_reads_in_english_and_in_welsh_with_no_english_left(template):
    english = templates.render(template, "en", FACTS, "https://seibiant.example")
    welsh = templates.render(template, "cy", FACTS, "https://seibiant.example")
    assert english.subject and english.body and "<html lang=\"en\">" in english.html
    assert '<html lang="cy">' in welsh.html
    english_lines = {line for line in english.body.splitlines()
                     if line and not line.startswith("http")}
    assert not english_lines & set(welsh.body.splitlines())
    assert english.subject != welsh.subject


TIMES = domain.ReminderTimes(day_before=datetime.timedelta(hours=24),
                             approval_waited=datetime.timedelta(hours=24),
                             approval_expiring=datetime.timedelta(hours=12))


def test_a_confirmed_booking_is_reminded_the_day_before_and_a_waiting_spend_twice():
    start = NOW + datetime.timedelta(days=5)
    assert domain.reminders_of("booking_confirmed", {"slot_start": start}, NOW, TIMES) == {
        domain.DAY_BEFORE: start - datetime.timedelta(hours=24)}
    deadline = NOW + datetime.timedelta(hours=72)
    assert domain.reminders_of("booking_awaiting_approval", {"approval_deadline": deadline},
                               NOW, TIMES) == {
        domain.APPROVAL_WAITED: NOW + datetime.timedelta(hours=24),
        domain.APPROVAL_EXPIRING: deadline - datetime.timedelta(hours=12)}
    # a short approval window: the warning alone
    short = NOW + datetime.timedelta(hours=30)
    assert set(domain.reminders_of("booking_awaiting_approval", {"approval_deadline": short},
                                   NOW, TIMES)) == {domain.APPROVAL_EXPIRING}
    assert domain.reminders_of("booking_requested", {}, NOW, TIMES) == {}


def test_a_decision_ends_the_approvals_reminders_and_an_undone_booking_all():
    assert domain.reminders_ended_by("booking_confirmed") == domain.APPROVAL_REMINDERS
    for ended in ("booking_rejected", "booking_cancelled", "booking_expired"):
        assert domain.reminders_ended_by(ended) == domain.REMINDERS
    assert domain.reminders_ended_by("booking_requested") == ()


def test_a_waiting_lists_offer_says_until_when_and_its_end_why_in_both_languages():
    offered = templates.render("waiting_offer", "en", FACTS, "https://seibiant.example")
    assert offered.subject == "A place is offered to you: answer by Thursday 5 June 2031, 17:30"
    assert "https://seibiant.example/bookings/abcdef1234567890" in offered.body
    welsh = templates.render("waiting_offer", "cy", FACTS, "https://seibiant.example")
    assert welsh.subject.startswith("Mae lle yn cael ei gynnig i chi: atebwch erbyn Dydd Iau")
    lapsed = templates.render("waiting_offer_expired", "en", dict(FACTS, reason=None),
                              "https://seibiant.example")
    assert "not accepted in time" in lapsed.body and "keep your place" not in lapsed.body
    taken = templates.render("waiting_offer_expired", "cy", dict(FACTS, reason="sold_out"),
                             "https://seibiant.example")
    assert "Rydych yn cadw eich lle ar y rhestr aros." in taken.body
