"""The families rules alone: the profile, the sharing window, who may read what, feedback and
its averages. No broker, no database."""
import datetime

import pytest

from seibiant_common.refusals import Invalid, NotAllowed, WrongRole
from services.families import domain

NOW = datetime.datetime(2030, 5, 4, 10, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
FAMILY = {"user_id": "f1", "role": "family", "council": "powys"}
PROVIDER = {"user_id": "u-p1", "role": "provider", "provider_id": "p1"}
CERYS = {"id": "cerys", "name": "Cerys", "relationship": "cared_for", "needs": ["autism"],
         "communication": "Makaton", "diet": "No gluten"}
MAM = {"id": "mam", "name": "Mam", "relationship": "carer", "needs": ["mental_health",
                                                                     "autism"]}
CONTACT = {"name": "Taid", "phone": "01597 123456", "relationship": "grandfather"}


def profile():
    written = domain.Profile("f1", "powys", [], None, None, NOW)
    written.write(FAMILY, {"people": [CERYS, MAM], "emergency_contact": CONTACT,
                           "language": "cy"}, NOW)
    return written


def booking(status="confirmed", break_end=NOW + DAY):
    return domain.KnownBooking("b1", status, family_id="f1", council="powys",
                               provider_id="p1", break_end=break_end)


def consent(people=None, sections=None):
    return domain.Consent("b1", "f1", people, sections, NOW)


def test_the_profiles_needs_are_its_peoples_together_in_order_of_mention():
    assert profile().needs == ["autism", "mental_health"]


def test_only_the_family_writes_its_profile_and_each_person_gets_an_id():
    written = domain.Profile("f1", "powys", [], None, None, NOW)
    written.write(FAMILY, {"people": [{"name": "New"}]}, NOW)
    assert len(written.people[0]["id"]) == 12
    with pytest.raises(WrongRole):
        written.write(PROVIDER, {"people": []}, NOW)
    with pytest.raises(Invalid) as twice:
        written.write(FAMILY, {"people": [{"id": "a"}, {"id": "a"}]}, NOW)
    assert list(twice.value.errors) == ["people"]


def test_a_consent_shares_only_the_chosen_people_and_sections_with_name_and_relationship():
    shared = profile().shared(consent(["cerys"], ["needs", "communication"]))
    assert shared["people"] == [{"id": "cerys", "name": "Cerys", "relationship": "cared_for",
                                 "needs": ["autism"], "communication": "Makaton"}]
    assert shared["emergency_contact"] is None
    assert shared["sections"] == ["needs", "communication"]


def test_a_consent_may_name_people_by_their_name_as_well():
    assert [person["id"] for person in profile().shared(consent(["Mam"]))["people"]] == ["mam"]


def test_a_consent_of_everything_shares_the_whole_profile_as_it_stands():
    shared = profile().shared(consent())
    assert [person["name"] for person in shared["people"]] == ["Cerys", "Mam"]
    assert shared["people"][0]["diet"] == "No gluten"
    assert shared["emergency_contact"] == CONTACT and shared["language"] == "cy"


@pytest.mark.parametrize("status, now, open_", [
    ("requested", NOW, False),
    ("confirmed", NOW, True),
    ("completed", NOW + DAY + 7 * DAY, True),  # to the second, 7 days after the break
    ("completed", NOW + DAY + 7 * DAY + datetime.timedelta(seconds=1), False),
    ("cancelled", NOW, False),
    ("rejected", NOW, False),
    ("expired", NOW, False),
])
def test_the_sharing_window_runs_from_confirmation_to_days_after_the_break(status, now, open_):
    assert domain.sharing_open(booking(status), now, 7) is open_


def test_only_the_offers_provider_reads_and_only_while_the_consent_stands():
    assert domain.provider_may_read(PROVIDER, booking(), consent(), NOW, 7)
    other = dict(PROVIDER, provider_id="p2")
    assert not domain.provider_may_read(other, booking(), consent(), NOW, 7)
    assert not domain.provider_may_read(FAMILY, booking(), consent(), NOW, 7)
    assert not domain.provider_may_read(PROVIDER, booking(), None, NOW, 7)
    assert not domain.provider_may_read(PROVIDER, None, consent(), NOW, 7)
    withdrawn = consent()
    withdrawn.withdraw(FAMILY, NOW)
    withdrawn.withdraw(FAMILY, NOW + DAY)  # again: the first time stands
    assert withdrawn.withdrawn_at == NOW
    assert not domain.provider_may_read(PROVIDER, booking(), withdrawn, NOW, 7)
    with pytest.raises(WrongRole):
        consent().withdraw(PROVIDER, NOW)


def test_officers_of_the_familys_council_read_it_and_nobody_else_by_that_rule():
    officer = {"user_id": "o1", "role": "officer", "council": "powys"}
    assert domain.officer_may_read(officer, profile())
    assert not domain.officer_may_read(dict(officer, council="flintshire"), profile())
    assert not domain.officer_may_read({"user_id": "a", "role": "admin"}, profile())
    assert not domain.officer_may_read(officer, None)


def test_a_late_status_never_moves_a_booking_back():
    assert domain.later_status(None, "confirmed")
    assert domain.later_status("requested", "confirmed")
    assert domain.later_status("confirmed", "completed")
    assert not domain.later_status("completed", "confirmed")
    assert not domain.later_status("cancelled", "confirmed")
    assert not domain.later_status("confirmed", "requested")


FEEDBACK = {"rating": 4, "rested": 5, "comment": "  Lovely  ", "would_book_again": True}


def test_feedback_is_given_once_by_the_family_after_completion():
    given, events = domain.Feedback.give(FAMILY, booking("completed"), False, FEEDBACK, NOW)
    assert (given.rating, given.rested, given.comment) == (4, 5, "Lovely")
    assert events[0].type == "feedback_given" and "family_id" not in events[0].payload
    with pytest.raises(NotAllowed) as again:
        domain.Feedback.give(FAMILY, booking("completed"), True, FEEDBACK, NOW)
    assert again.value.code == "feedback_given"
    with pytest.raises(NotAllowed) as early:
        domain.Feedback.give(FAMILY, booking("confirmed"), False, FEEDBACK, NOW)
    assert early.value.code == "not_completed"
    with pytest.raises(WrongRole):
        domain.Feedback.give(PROVIDER, booking("completed"), False, FEEDBACK, NOW)
    with pytest.raises(Invalid):
        domain.Feedback.give(FAMILY, booking("completed"), False, dict(FEEDBACK, rested=0),
                             NOW)


def _feedback(rating, rested, again=True, comment=None, at=NOW):
    return domain.Feedback("b", "f", "p1", "powys", rating, rested, comment, again, at)


def test_averages_are_exact_to_two_places_rounding_half_up():
    summary = domain.summary([_feedback(5, 1), _feedback(4, 2, False), _feedback(4, 2)])
    assert (summary["count"], summary["average_rating"], summary["average_rested"],
            summary["would_book_again_count"]) == (3, 4.33, 1.67, 2)
    assert domain.summary([_feedback(1, 1), _feedback(2, 2)])["average_rating"] == 1.5
    assert domain.average(1, 8) == 0.13  # 0.125 half up, not to even
    assert domain.summary([]) == {"count": 0, "average_rating": None,
                                  "average_rested": None, "would_book_again_count": 0,
                                  "items": []}


def test_each_feedback_is_listed_newest_first_with_no_family_named():
    summary = domain.summary([_feedback(5, 5, comment="first", at=NOW),
                              _feedback(3, 3, comment="second", at=NOW + DAY),
                              _feedback(4, 4, at=NOW - DAY)])
    assert [item["comment"] for item in summary["items"]] == ["second", "first", None]
    assert set(summary["items"][0]) == {"rating", "rested", "comment", "would_book_again", "at"}


def test_searching_families_see_an_average_only_from_five_reviews():
    assert domain.public_rating("p1", 4, 20) is None
    assert domain.public_rating("p1", 5, 21) == {"provider_id": "p1", "count": 5,
                                                 "average_rating": 4.2}


def test_who_sees_a_providers_feedback():
    assert domain.may_see_feedback(PROVIDER, "p1") is None
    assert domain.may_see_feedback(PROVIDER, "p2") is False
    assert domain.may_see_feedback({"role": "officer", "council": "powys"}, "p1") == "powys"
    assert domain.may_see_feedback({"role": "admin"}, "p1") is None
    assert domain.may_see_feedback(FAMILY, "p1") is False


def test_only_officers_answer_feedback_and_they_must_say_something():
    officer = {"user_id": "o1", "role": "officer", "council": "powys"}
    answer = domain.Response.post(officer, "p1", " Quieter rooms ", NOW)
    assert (answer.council, answer.text) == ("powys", "Quieter rooms")
    with pytest.raises(Invalid):
        domain.Response.post(officer, None, "   ", NOW)
    with pytest.raises(WrongRole):
        domain.Response.post(FAMILY, None, "x", NOW)


def test_feedback_on_a_donors_gifts_shows_only_fewer_than_5_below_5_and_names_nobody():
    at = datetime.datetime(2030, 5, 1, tzinfo=datetime.timezone.utc)
    four = [domain.Feedback("b{}".format(n), "f{}".format(n), "p1", "powys", 5, 4,
                            "Lovely", True, at) for n in range(4)]
    assert domain.gifted_feedback(four) == {
        "count": "fewer than 5", "average_rating": None, "average_rested": None,
        "would_book_again_count": None, "items": []}
    five = four + [domain.Feedback("b9", "f9", "p1", "powys", 3, 2, None, False, at)]
    shown = domain.gifted_feedback(five)
    assert (shown["count"], shown["average_rating"], shown["would_book_again_count"]) == (
        5, 4.6, 4)
    assert len(shown["items"]) == 5 and "f0" not in repr(shown["items"])
    assert domain.gifted_feedback([])["count"] == 0
