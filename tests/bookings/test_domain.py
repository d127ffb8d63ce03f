"""The saga's rules in the booking aggregate: requests, answers, compensation, timeouts,
who sees what (no broker, no database)."""
import dataclasses

import pytest

from seibiant_common.vocabularies import REJECTION_REASONS
from services.bookings import domain
from services.bookings.domain import Event

from .factories import (
    BOTH, FAMILY, FUNDS, HOUR, NO_GIFTS_YET, NOW, OFFICER, PLACES, PROVIDER, TIMEOUTS,
    booking_in, new, reserved, slot, state_of,
)

LATER = NOW + 100 * HOUR


def told(booking, event_type, payload):
    """The event, with the facts every status event says of its booking (for
    notifications), and no officer's words unless the payload gives them."""
    extra = {"officer_reason": None} if event_type == "booking_rejected" else {}
    return Event(event_type, dict(booking.facts(), **dict(extra, **payload)))


def types(events):
    return [event.type for event in events]


# --- requesting -------------------------------------------------------------------------

def test_a_request_snapshots_the_slot_and_asks_providers_and_budgets_at_once():
    booking, events = domain.Booking.request("b1", FAMILY, "key", slot(1500), 3, "budget-1", NOW,
                                         TIMEOUTS)
    assert (booking.status, booking.step_attempts) == ("requested", 0)
    assert booking.missing_answers() == ["providers", "budgets"]
    assert (booking.offer_id, booking.provider_id, booking.category) == (
        "offer-1", "provider-1", "overnight_stay")
    assert (booking.unit_price_pence, booking.total_pence) == (1500, 4500)
    assert booking.council == "powys" and booking.family_id == "family-1"
    assert booking.step_deadline == NOW + TIMEOUTS.step
    assert events == [Event("booking_requested", {
        "booking_id": "b1", "family_id": "family-1", "council": "powys", "slot_id": "slot-1",
        "places": 3, "budget_id": "budget-1", "amount_pence": 4500,
        "category": "overnight_stay", "break_start": NOW + 24 * HOUR,
        "break_end": NOW + 30 * HOUR, "provider_id": "provider-1", "offer_id": "offer-1",
        "share_profile": None})]


def test_a_request_passes_the_familys_consent_on_and_tells_it_apart_by_its_fingerprint():
    shared = {"people": ["p1"], "sections": ["needs"]}
    booking, events = domain.Booking.request("b1", FAMILY, "key", slot(1500), 3, "budget-1", NOW,
                                             TIMEOUTS, share_profile=shared)
    assert events[0].payload["share_profile"] == shared
    assert domain.same_request(booking, "slot-1", 3, "budget-1", shared)
    assert not domain.same_request(booking, "slot-1", 3, "budget-1")
    unshared, _ = domain.Booking.request("b2", FAMILY, "key", slot(1500), 3, "budget-1", NOW,
                                         TIMEOUTS)
    # a request sharing nothing keeps the fingerprint it had before sharing existed
    assert unshared.request_fingerprint == domain.fingerprint(
        {"slot_id": "slot-1", "places": 3, "budget_id": "budget-1"})


def test_a_booking_without_a_budget_waits_for_no_money():
    booking, events = domain.Booking.request("b1", FAMILY, "key", slot(0), 1, None, NOW,
                                             TIMEOUTS, gifts=NO_GIFTS_YET)
    assert booking.missing_answers() == ["providers"]
    assert events[0].payload["budget_id"] is None and events[0].payload["amount_pence"] == 0


def test_only_a_family_requests():
    with pytest.raises(domain.WrongRole):
        domain.Booking.request("b1", OFFICER, "key", slot(), 1, "budget-1", NOW, TIMEOUTS)


def test_a_priced_offer_needs_a_budget_but_a_gifted_one_does_not():
    with pytest.raises(domain.Invalid) as refused:
        domain.Booking.request("b1", FAMILY, "key", slot(1500), 1, None, NOW, TIMEOUTS)
    assert "budget_id" in refused.value.errors
    booking, _ = domain.Booking.request("b1", FAMILY, "key", slot(0), 1, None, NOW, TIMEOUTS,
                                        gifts=NO_GIFTS_YET)
    assert booking.total_pence == 0 and booking.budget_id is None


@pytest.mark.parametrize("unbookable", [slot(bookable=False), slot(start=NOW),
                                        slot(start=NOW - HOUR)])
def test_a_slot_that_cannot_be_booked_is_refused_at_once(unbookable):
    with pytest.raises(domain.NotAllowed) as refused:
        domain.Booking.request("b1", FAMILY, "key", unbookable, 1, "budget-1", NOW, TIMEOUTS)
    assert refused.value.code == "slot_not_bookable"


def test_a_request_is_recognised_by_its_body():
    booking = new(places=2)
    assert domain.same_request(booking, "slot-1", 2, "budget-1")
    assert not domain.same_request(booking, "slot-1", 3, "budget-1")
    assert not domain.same_request(booking, "slot-2", 2, "budget-1")
    assert not domain.same_request(booking, "slot-1", 2, None)


# --- the saga's answers -----------------------------------------------------------------

@pytest.mark.parametrize("first,second", [("places", "funds"), ("funds", "places")])
def test_a_booking_is_confirmed_once_places_and_money_have_both_answered(first, second):
    answers = {
        "places": lambda b: b.places_reserved(1500, NOW + HOUR, TIMEOUTS),
        "funds": lambda b: b.funds_held("auto", NOW + HOUR, TIMEOUTS)}
    booking = new(places=2)
    assert answers[first](booking) == []
    assert (booking.status, booking.step_deadline) == ("requested", NOW + TIMEOUTS.step)
    assert booking.missing_answers() == [{"places": "providers", "funds": "budgets"}[second]]
    events = answers[second](booking)
    assert booking.status == "confirmed" and booking.step_deadline is None
    assert events == [told(booking, "booking_confirmed", {"booking_id": "booking-1"})]
    assert booking.transitions[-1].by == {"places": "providers", "funds": "budgets"}[second]


def test_a_gifted_break_without_a_budget_is_confirmed_once_places_are_reserved():
    booking = new(price_pence=0, budget_id=None)
    events = booking.places_reserved(0, NOW, TIMEOUTS)
    assert booking.status == "confirmed"
    assert types(events) == ["booking_confirmed"]


def test_a_gifted_break_charged_to_a_budget_still_waits_for_budgets():
    booking = new(price_pence=0, budget_id="budget-1")
    assert booking.places_reserved(0, NOW, TIMEOUTS) == []
    assert booking.missing_answers() == ["budgets"]
    assert types(booking.funds_held("auto", NOW, TIMEOUTS)) == ["booking_confirmed"]


@pytest.mark.parametrize("waiting", [BOTH, PLACES])
def test_a_price_changed_since_the_request_rejects_and_gives_everything_back(waiting):
    booking = booking_in("requested", waiting, price_pence=1500)
    events = booking.places_reserved(2000, NOW, TIMEOUTS)
    assert (booking.status, booking.reason) == ("rejected", "price_changed")
    assert events == [told(booking, "booking_rejected", {"booking_id": "booking-1",
                                                 "reason": "price_changed"})]


@pytest.mark.parametrize("reason,shown", [
    ("sold_out", "sold_out"), ("slot_not_bookable", "slot_not_bookable"),
    ("provider_not_approved", "provider_not_approved"), ("on_fire", "slot_not_bookable")])
@pytest.mark.parametrize("waiting", [BOTH, PLACES])
def test_a_refused_reservation_rejects_with_a_reason_from_the_list(reason, shown, waiting):
    booking = booking_in("requested", waiting)
    events = booking.reservation_refused(reason, NOW)
    assert (booking.status, booking.reason) == ("rejected", shown)
    assert shown in REJECTION_REASONS
    assert events == [told(booking, "booking_rejected",
                           {"booking_id": "booking-1", "reason": shown})]
    assert reason in booking.transitions[-1].why


@pytest.mark.parametrize("reason,shown", [
    ("insufficient_funds", "insufficient_funds"), ("budget_inactive", "budget_inactive"),
    ("outside_budget_period", "outside_budget_period"),
    ("budget_not_found", "budget_not_found"), ("frozen", "budget_inactive")])
@pytest.mark.parametrize("waiting", [BOTH, FUNDS])
def test_a_refused_hold_rejects_and_releases_the_places(reason, shown, waiting):
    booking = booking_in("requested", waiting)
    events = booking.hold_refused(reason, NOW)
    assert (booking.status, booking.reason) == ("rejected", shown)
    assert shown in REJECTION_REASONS
    assert types(events) == ["booking_rejected"]


def test_an_approval_waits_with_a_deadline_and_is_then_confirmed():
    booking = booking_in("requested", FUNDS)
    events = booking.approval_required(NOW, TIMEOUTS)
    assert events == [told(booking, "booking_awaiting_approval", {
        "booking_id": booking.id, "approval_deadline": NOW + TIMEOUTS.approval})]
    assert (booking.status, booking.approval_deadline) == (
        "awaiting_approval", NOW + TIMEOUTS.approval)
    # budgets may announce it twice (funds_held "required" and approval_required)
    assert booking.funds_held("required", NOW, TIMEOUTS) == []
    events = booking.spend_approved("officer-1", "within plan", NOW)
    assert booking.status == "confirmed" and booking.approval_deadline is None
    assert types(events) == ["booking_confirmed"]
    assert "within plan" in booking.transitions[-1].why


def test_a_hold_needing_approval_waits_for_the_places_before_awaiting_approval():
    booking = new()
    assert booking.funds_held("required", NOW, TIMEOUTS) == []
    assert booking.approval_required(NOW, TIMEOUTS) == []
    assert booking.status == "requested" and booking.missing_answers() == ["providers"]
    later = NOW + HOUR
    assert types(booking.places_reserved(1500, later, TIMEOUTS)) == [
        "booking_awaiting_approval"]
    assert (booking.status, booking.approval_deadline, booking.step_deadline) == (
        "awaiting_approval", later + TIMEOUTS.approval, None)


@pytest.mark.parametrize("before", [[], ["funds_held"], ["funds_held", "approval_required"]])
def test_an_officers_approval_that_overtakes_the_places_confirms_when_they_come(before):
    booking = new()
    for answer in before:
        getattr(booking, answer)(*(["required"] if answer == "funds_held" else []), NOW,
                                 TIMEOUTS)
    assert booking.spend_approved("officer-1", "fine", NOW) == []
    assert booking.missing_answers() == ["providers"]
    # the announcements the approval overtook change nothing now
    assert booking.funds_held("required", NOW, TIMEOUTS) == []
    assert booking.approval_required(NOW, TIMEOUTS) == []
    assert types(booking.places_reserved(1500, NOW, TIMEOUTS)) == ["booking_confirmed"]


def test_an_officers_decline_before_the_places_rejects_at_once():
    booking = booking_in("requested", BOTH)
    booking.approval_required(NOW, TIMEOUTS)
    assert types(booking.spend_declined("officer-1", "no", NOW)) == ["booking_rejected"]
    assert (booking.status, booking.reason) == ("rejected", "declined")


def test_a_declined_spend_rejects_declined_and_releases_everything():
    booking = booking_in("awaiting_approval")
    events = booking.spend_declined("officer-1", "not in the plan", NOW)
    assert (booking.status, booking.reason) == ("rejected", "declined")
    assert events == [told(booking, "booking_rejected", {
        "booking_id": "booking-1", "reason": "declined", "officer_reason": "not in the plan"})]
    assert booking.decline_reason == "not in the plan"  # for the family's booking page


def test_only_a_declined_spend_has_a_decline_reason():
    booking = booking_in("awaiting_approval")
    assert booking.decline_reason is None
    booking.spend_approved("officer-1", "in the plan", NOW)
    assert booking.decline_reason is None


def test_who_cancelled_is_said_by_role_for_a_statement():
    assert booking_in("confirmed").cancelled_by is None
    for actor, role in ((FAMILY, "family"), (PROVIDER, "provider")):
        booking = booking_in("confirmed")
        [cancelled] = booking.cancel(actor, NOW)
        assert booking.cancelled_by == role
        assert cancelled.payload["offer_declined"] is False  # a booking, not an offer
    withdrawn = booking_in("confirmed")
    withdrawn.slot_withdrawn(NOW)
    assert withdrawn.cancelled_by == "system"


@pytest.mark.parametrize("status", ["rejected", "cancelled", "expired"])
@pytest.mark.parametrize("answer", [
    lambda b: b.places_reserved(1500, NOW, TIMEOUTS),
    lambda b: b.funds_held("auto", NOW, TIMEOUTS),
    lambda b: b.approval_required(NOW, TIMEOUTS),
    lambda b: b.spend_approved("officer-1", "ok", NOW),
])
def test_something_taken_for_an_undone_booking_is_given_back_again(status, answer):
    """A reservation or a hold that raced the compensation: the booking stays as it is and
    announces again that it is undone, so providers and budgets release what they took."""
    booking = booking_in(status)
    undone = booking.undone_event()
    before = state_of(booking)
    assert answer(booking) == [undone]
    assert state_of(booking) == before
    assert undone.type == "booking_" + status
    assert undone.payload["booking_id"] == "booking-1"


def test_the_undone_events_carry_the_contract_payloads():
    facts = {"family_id": "family-1", "council": "powys", "provider_id": "provider-1",
             "offer_id": "offer-1", "slot_start": NOW + 24 * HOUR, "slot_end": NOW + 30 * HOUR,
             "places": 2, "amount_pence": 3000}
    assert booking_in("rejected").undone_event().payload == dict(
        facts, booking_id="booking-1", reason="sold_out", officer_reason=None)
    assert booking_in("cancelled").undone_event().payload == dict(
        facts, booking_id="booking-1", by="family-1", offer_declined=False)
    assert booking_in("expired").undone_event().payload == dict(facts, booking_id="booking-1")


# --- people -----------------------------------------------------------------------------

def test_the_provider_may_cancel_but_not_once_the_break_has_started():
    booking = booking_in("confirmed")
    with pytest.raises(domain.NotAllowed) as refused:
        booking.cancel(PROVIDER, booking.slot_start)
    assert refused.value.code == "already_started"
    events = booking.cancel(PROVIDER, NOW)
    assert events == [told(booking, "booking_cancelled", {
        "booking_id": "booking-1", "by": "provider-user-1", "offer_declined": False})]


def test_completion_charges_all_or_less_but_never_more_and_not_before_the_start():
    booking = booking_in("confirmed")
    with pytest.raises(domain.NotAllowed) as refused:
        booking.complete(PROVIDER, None, booking.slot_start - HOUR)
    assert refused.value.code == "not_started"
    with pytest.raises(domain.Invalid) as invalid:
        booking.complete(PROVIDER, booking.total_pence + 1, booking.slot_start)
    assert "final_amount_pence" in invalid.value.errors
    assert booking.status == "confirmed"
    events = booking.complete(PROVIDER, 1000, booking.slot_start)
    assert (booking.status, booking.final_amount_pence) == ("completed", 1000)
    assert events == [Event("booking_completed", dict(
        booking.facts(), booking_id="booking-1", final_amount_pence=1000))]


def test_completion_without_an_amount_charges_the_total():
    booking = booking_in("confirmed")
    assert booking.complete(PROVIDER, None, LATER)[0].payload["final_amount_pence"] == 3000


def test_a_withdrawn_slot_cancels_a_live_booking_by_the_system():
    booking = booking_in("awaiting_approval")
    events = booking.slot_withdrawn(NOW)
    assert booking.status == "cancelled"
    assert events == [told(booking, "booking_cancelled",
                           {"booking_id": "booking-1", "by": "system", "offer_declined": False})]


# --- time -------------------------------------------------------------------------------

@pytest.mark.parametrize("waiting,missing", [(BOTH, "providers and budgets"),
                                             (FUNDS, "budgets"), (PLACES, "providers")])
def test_late_answers_are_asked_for_again_then_rejected_timed_out(waiting, missing):
    booking = booking_in("requested", waiting)
    assert booking.step_timed_out(booking.step_deadline - HOUR / 3600, TIMEOUTS) == []
    for attempt in range(1, TIMEOUTS.max_retries + 1):
        late = booking.step_deadline
        # both are asked again: the one that answered answers the same again
        assert booking.step_timed_out(late, TIMEOUTS) == [booking._request_event()]
        assert (booking.status, booking.step_attempts, booking.step_deadline) == (
            "requested", attempt, late + TIMEOUTS.step)
    events = booking.step_timed_out(booking.step_deadline, TIMEOUTS)
    assert (booking.status, booking.reason) == ("rejected", "timed_out")
    assert "no answer from {} after 3 tries".format(missing) in booking.transitions[-1].why
    assert events == [told(booking, "booking_rejected", {"booking_id": "booking-1",
                                                 "reason": "timed_out"})]


def test_a_repeated_answer_after_a_retry_changes_nothing():
    booking = reserved(new())
    booking.step_timed_out(booking.step_deadline, TIMEOUTS)
    before = state_of(booking)
    assert booking.places_reserved(1500, NOW, TIMEOUTS) == []
    assert state_of(booking) == before
    assert types(booking.funds_held("auto", NOW, TIMEOUTS)) == ["booking_confirmed"]


def test_an_approval_that_waits_too_long_expires_and_releases_everything():
    booking = booking_in("awaiting_approval")
    deadline = booking.approval_deadline
    assert booking.approval_timed_out(deadline - HOUR) == []
    events = booking.approval_timed_out(deadline)
    assert booking.status == "expired"
    assert events == [told(booking, "booking_expired", {"booking_id": "booking-1"})]


def test_the_timeouts_are_configuration_not_rules():
    short = dataclasses.replace(TIMEOUTS, approval=HOUR)
    booking = booking_in("requested", FUNDS)
    booking.approval_required(NOW, short)
    assert booking.approval_deadline == NOW + HOUR


# --- who sees what ----------------------------------------------------------------------

@pytest.mark.parametrize("actor,sees", [
    (FAMILY, True), (dict(FAMILY, user_id="family-2"), False),
    (PROVIDER, True), (dict(PROVIDER, provider_id="provider-2"), False),
    (OFFICER, True), (dict(OFFICER, council="flintshire"), False),
    ({"user_id": "admin", "role": "admin", "council": None, "provider_id": None}, False),
    (dict(PROVIDER, provider_id=None), False),
])
def test_a_booking_is_seen_by_its_family_its_provider_and_its_councils_officers(actor, sees):
    assert domain.visible_to(new(), actor) is sees


def test_the_timer_looks_again_at_the_soonest_deadline_or_one_shortest_timeout_later():
    soon = NOW + TIMEOUTS.step / 2
    assert domain.next_look(NOW, None, TIMEOUTS) == NOW + min(TIMEOUTS.step, TIMEOUTS.approval)
    assert domain.next_look(NOW, soon, TIMEOUTS) == soon
    assert domain.next_look(NOW, NOW - HOUR, TIMEOUTS) == NOW - HOUR  # late: look at once
    assert domain.next_look(NOW, NOW + 1000 * HOUR, TIMEOUTS) == NOW + min(
        TIMEOUTS.step, TIMEOUTS.approval)
