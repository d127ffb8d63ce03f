"""The waiting lists' queue rules (waiting.py) and the offer's lifecycle on the booking
aggregate (domain.py): no broker, no database."""
import pytest

from seibiant_common.contracts import bookings as ev
from seibiant_common.refusals import Invalid, NotAllowed
from services.bookings import domain, state_machine as sm, waiting

from .factories import FAMILY, HOUR, NO_GIFTS_YET, NOW, PROVIDER, TIMEOUTS, slot

REFERRER = {"user_id": "referrer-1", "role": "referrer", "council": "powys",
            "provider_id": None, "carer_ids": ["family-1"]}


def entry(id, position, places=1, status=waiting.WAITING):
    found = waiting.Entry(id, "slot-1", "family-" + id, "powys", places, position, NOW)
    found.status = status
    return found


# --- the queue ----------------------------------------------------------------------------

def test_places_that_come_free_go_down_the_line_in_order_of_position():
    line = [entry("c", 3), entry("a", 1), entry("b", 2)]
    assert [e.id for e in waiting.to_offer(2, line)] == ["a", "b"]
    assert [e.id for e in waiting.to_offer(1, line)] == ["a"]
    assert waiting.to_offer(0, line) == []


def test_one_whose_places_do_not_fit_keeps_its_place_and_the_next_that_fits_is_offered():
    line = [entry("a", 1, places=3), entry("b", 2, places=1), entry("c", 3, places=1)]
    assert [e.id for e in waiting.to_offer(2, line)] == ["b", "c"]
    assert [e.id for e in waiting.to_offer(3, line)] == ["a"]


def test_only_the_waiting_are_offered():
    line = [entry("a", 1, status=waiting.OFFERED), entry("b", 2, status=waiting.LEFT),
            entry("c", 3, status=waiting.LAPSED), entry("d", 4)]
    assert [e.id for e in waiting.to_offer(1, line)] == ["d"]


def test_a_place_in_line_counts_only_those_still_waiting_ahead():
    line = [entry("a", 1, status=waiting.OFFERED), entry("b", 2, status=waiting.LEFT),
            entry("c", 3), entry("d", 4)]
    assert [waiting.place_in_line(e, line) for e in line] == [None, None, 1, 2]


def test_joining_again_keeps_ones_place_and_after_leaving_joins_at_the_end():
    mine = entry("a", 1, places=1)
    mine.join_again(2, 9, NOW)
    assert (mine.places, mine.position, mine.status) == (2, 1, waiting.WAITING)
    mine.leave(NOW)
    assert mine.status == waiting.LEFT
    with pytest.raises(NotAllowed):
        mine.leave(NOW)
    mine.join_again(1, 9, NOW + HOUR)
    assert (mine.position, mine.status, mine.left_at) == (9, waiting.WAITING, None)


@pytest.mark.parametrize("outcome, in_line", [
    (waiting.ACCEPTED, False), (waiting.DECLINED, False), (waiting.LAPSED, False),
    (waiting.WAITING, True)])
def test_an_offers_end_takes_the_entry_out_of_the_line_unless_its_places_were_taken(
        outcome, in_line):
    mine = entry("a", 1)
    mine.offered("offer-1")
    assert mine.status == waiting.OFFERED
    mine.offer_ended(outcome, NOW)
    assert (mine.status in waiting.IN_LINE) is in_line
    assert mine.booking_id == "offer-1"


def test_a_full_bookable_slot_takes_joiners_and_one_with_places_left_says_book_it():
    waiting.check_joinable(slot(), remaining=0, places=1, now=NOW)
    waiting.check_joinable(slot(), remaining=1, places=2, now=NOW)
    with pytest.raises(NotAllowed, match="book it"):
        waiting.check_joinable(slot(), remaining=2, places=2, now=NOW)
    with pytest.raises(NotAllowed):
        waiting.check_joinable(slot(bookable=False), remaining=0, places=1, now=NOW)
    with pytest.raises(NotAllowed):
        waiting.check_joinable(slot(start=NOW), remaining=0, places=1, now=NOW)


def test_a_family_joins_for_itself_and_a_referrer_for_a_carer_on_gifted_slots_only():
    assert waiting.joiner(FAMILY, None, 1500) == "family-1"
    assert waiting.joiner(REFERRER, "family-1", 0) == "family-1"
    with pytest.raises(Invalid):
        waiting.joiner(REFERRER, "family-1", 1500)
    with pytest.raises(Invalid):
        waiting.joiner(REFERRER, "family-2", 0)
    with pytest.raises(Invalid):
        waiting.joiner(FAMILY, "family-2", 0)


def test_an_entry_is_seen_by_its_family_and_their_referrer_only():
    mine = entry("1", 1)
    assert waiting.may_see(mine, FAMILY) and waiting.may_see(mine, REFERRER)
    assert not waiting.may_see(mine, PROVIDER)
    assert not waiting.may_see(mine, dict(FAMILY, user_id="family-2"))


# --- the offer, on the booking -------------------------------------------------------------

def offer(price_pence=1500, places=1):
    return domain.Booking.offer("offer-1", "family-1", "powys", "waiting:b:e",
                                slot(price_pence), places, NOW, TIMEOUTS)


def test_an_offer_holds_its_places_for_the_offer_time_and_announces_itself():
    booking, events = offer()
    assert booking.status == "offered"
    assert booking.offer_expires_at == NOW + TIMEOUTS.offer
    [event] = events
    assert event.type == ev.BOOKING_OFFERED
    assert (event.payload["slot_id"], event.payload["places"],
            event.payload["offer_expires_at"]) == ("slot-1", 1, NOW + TIMEOUTS.offer)
    # never past the break's start
    soon, _ = domain.Booking.offer("offer-2", "family-1", "powys", "k",
                                   slot(start=NOW + 2 * HOUR), 1, NOW, TIMEOUTS)
    assert soon.offer_expires_at == NOW + 2 * HOUR


def test_the_lifecycle_gains_offered_to_requested_expired_or_cancelled():
    assert sm.TRANSITIONS["offered"] == {"requested", "expired", "cancelled"}
    assert "offered" in sm.CANCELLABLE and "offered" in sm.STATUSES


def test_an_accepted_priced_offer_is_a_request_with_its_budget_and_its_places_held():
    booking, _ = offer()
    booking.places_reserved(1500, NOW, TIMEOUTS)
    assert booking.status == "offered"  # held, still waiting for the family
    with pytest.raises(Invalid, match="budget_id"):
        booking.accept(FAMILY, None, None, NOW, TIMEOUTS)
    [event] = booking.accept(FAMILY, "budget-1", None, NOW + HOUR, TIMEOUTS)
    assert (event.type, event.payload["budget_id"]) == (ev.BOOKING_REQUESTED, "budget-1")
    assert (booking.status, booking.missing_answers()) == (
        "requested", ["providers", "budgets"])
    # providers answers the request with the places it holds already; the money held
    # confirms it
    assert booking.places_reserved(1500, NOW + HOUR, TIMEOUTS) == []
    [confirmed] = booking.funds_held("auto", NOW + HOUR, TIMEOUTS)
    assert confirmed.type == ev.BOOKING_CONFIRMED


def test_an_accepted_gift_counts_against_the_allowance():
    booking, _ = offer(price_pence=0)
    [event] = booking.accept(FAMILY, None, domain.Gifts(allowed=1, used=1), NOW, TIMEOUTS)
    assert (booking.status, booking.reason, event.type) == (
        "rejected", "allowance_used", ev.BOOKING_REJECTED)
    booking, _ = offer(price_pence=0)
    [event] = booking.accept(REFERRER, None, NO_GIFTS_YET, NOW, TIMEOUTS)
    assert (booking.status, event.type) == ("requested", ev.BOOKING_REQUESTED)


def test_an_offer_is_accepted_only_by_its_family_in_time_and_only_once():
    booking, _ = offer()
    with pytest.raises(Invalid):
        booking.accept(dict(FAMILY, user_id="family-2"), "budget-1", None, NOW, TIMEOUTS)
    with pytest.raises(NotAllowed, match="ran out"):
        booking.accept(FAMILY, "budget-1", None, NOW + TIMEOUTS.offer, TIMEOUTS)
    booking.accept(FAMILY, "budget-1", None, NOW, TIMEOUTS)
    with pytest.raises(NotAllowed):
        booking.accept(FAMILY, "budget-1", None, NOW, TIMEOUTS)


def test_an_unanswered_offer_expires_once_its_time_is_up_and_gives_its_places_back():
    booking, _ = offer()
    assert booking.offer_timed_out(NOW + TIMEOUTS.offer - HOUR) == []
    [event] = booking.offer_timed_out(NOW + TIMEOUTS.offer)
    assert (booking.status, event.type, event.payload["reason"]) == (
        "expired", ev.BOOKING_OFFER_EXPIRED, None)
    assert booking.offer_timed_out(NOW + 2 * TIMEOUTS.offer) == []
    # a reservation that raced the expiry is given back again
    [again] = booking.places_reserved(1500, NOW + TIMEOUTS.offer, TIMEOUTS)
    assert again.type == ev.BOOKING_OFFER_EXPIRED


def test_an_offer_whose_places_were_taken_first_expires_sold_out():
    booking, _ = offer()
    [event] = booking.reservation_refused("sold_out", NOW)
    assert (booking.status, booking.reason, event.type) == (
        "expired", "sold_out", ev.BOOKING_OFFER_EXPIRED)


def test_declining_an_offer_cancels_it_by_the_family():
    booking, _ = offer()
    [event] = booking.cancel(FAMILY, NOW)
    assert (booking.status, booking.cancelled_by, event.type, event.payload["offer_declined"]) \
        == ("cancelled", "family", ev.BOOKING_CANCELLED, True)
    booking, _ = offer()
    [event] = booking.decline_offer("family-1", NOW)
    assert booking.status == "cancelled" and booking.decline_offer("family-1", NOW) == []
    assert event.payload["offer_declined"] is True


def test_an_offer_is_no_gift_counted_until_accepted():
    assert "offered" in domain.NOT_COUNTED_AS_GIFTS
