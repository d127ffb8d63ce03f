"""The fair share of gifted breaks and referrers' bookings, as the booking aggregate rules
them (no broker, no database): past the allowance a gifted request is rejected at once; a
referrer books gifted breaks only, for their own centre's carers."""
import pytest

from services.bookings import domain

from .factories import FAMILY, NO_GIFTS_YET, NOW, OFFICER, TIMEOUTS, slot

REFERRER = {"user_id": "referrer-1", "role": "referrer", "council": "powys",
            "provider_id": None, "carer_ids": ["carer-1", "carer-2"]}


def request(actor=FAMILY, price_pence=0, gifts=NO_GIFTS_YET, budget_id=None, family_id=None):
    return domain.Booking.request("b1", actor, "key", slot(price_pence), 1, budget_id, NOW,
                                  TIMEOUTS, family_id=family_id, gifts=gifts)


def test_a_gift_within_the_allowance_starts_the_saga():
    booking, events = request(gifts=domain.Gifts(allowed=2, used=1))
    assert booking.status == "requested"
    assert [event.type for event in events] == ["booking_requested"]


def test_a_gift_past_the_allowance_is_rejected_at_once_and_asks_nobody_for_anything():
    booking, events = request(gifts=domain.Gifts(allowed=1, used=1))
    assert (booking.status, booking.reason) == ("rejected", "allowance_used")
    assert [event.type for event in events] == ["booking_rejected"]
    assert events[0].payload == dict(booking.facts(), booking_id="b1", reason="allowance_used",
                                     officer_reason=None)
    assert [(t.from_status, t.to_status, t.by) for t in booking.transitions] == [
        (None, "requested", "family-1"), ("requested", "rejected", "system")]
    assert booking.step_deadline is None


def test_an_allowance_of_none_rejects_every_gift():
    booking, _ = request(gifts=domain.Gifts(allowed=0, used=0))
    assert booking.reason == "allowance_used"


def test_a_priced_booking_is_not_counted_against_the_allowance():
    booking, _ = request(price_pence=1500, budget_id="budget-1", gifts=None)
    assert booking.status == "requested"


def test_a_gift_cannot_be_requested_without_the_gifts_counted():
    with pytest.raises(ValueError):
        request(gifts=None)


@pytest.mark.parametrize("status, given_back", [
    ("rejected", True), ("cancelled", True), ("expired", True), ("completed", False),
    ("confirmed", False), ("requested", False), ("awaiting_approval", False)])
def test_undone_gifts_are_given_back_and_completed_ones_are_not(status, given_back):
    assert (status in domain.GIFTS_GIVEN_BACK) is given_back


def test_gifts_left_never_go_below_none():
    assert domain.Gifts(allowed=1, used=3).left == 0
    assert domain.Gifts(allowed=3, used=1).left == 2


def test_a_referrer_books_a_gift_for_a_carer_of_their_centre_and_is_recorded():
    booking, events = request(REFERRER, family_id="carer-2")
    assert (booking.family_id, booking.booked_by, booking.council) == (
        "carer-2", "referrer-1", "powys")
    assert booking.transitions[0].by == "referrer-1"
    assert "referrer" in booking.transitions[0].why
    assert events[0].payload["family_id"] == "carer-2"


@pytest.mark.parametrize("family_id", [None, "carer-of-another-centre"])
def test_a_referrer_books_only_for_their_own_carers(family_id):
    with pytest.raises(domain.Invalid) as refused:
        request(REFERRER, family_id=family_id)
    assert "family_id" in refused.value.errors


def test_a_referrer_books_gifted_breaks_only_and_never_with_a_budget():
    with pytest.raises(domain.Invalid) as priced:
        request(REFERRER, price_pence=1500, family_id="carer-1", gifts=None)
    assert "slot_id" in priced.value.errors
    with pytest.raises(domain.Invalid) as budgeted:
        request(REFERRER, budget_id="budget-1", family_id="carer-1")
    assert "budget_id" in budgeted.value.errors


def test_a_family_books_for_itself_only():
    with pytest.raises(domain.Invalid):
        request(family_id="someone-else")
    assert request(family_id="family-1")[0].family_id == "family-1"


def test_other_roles_do_not_book():
    with pytest.raises(domain.WrongRole):
        request(OFFICER)


def test_a_referrer_sees_the_bookings_of_their_centres_carers_only():
    mine, _ = request(REFERRER, family_id="carer-1")
    theirs, _ = request()
    assert domain.visible_to(mine, REFERRER)
    assert not domain.visible_to(theirs, REFERRER)
    assert not domain.visible_to(mine, dict(REFERRER, carer_ids=[]))
