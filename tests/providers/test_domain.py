"""The providers rules, alone: no broker, no database."""
import datetime

import pytest

from seibiant_common import refusals
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, CARE_NEEDS, REJECTION_REASONS
from services.providers import domain
from services.providers.domain import (APPROVED, OPEN, PENDING, PROVIDER_NOT_APPROVED, RELEASED,
                                       REFUSED, RESERVED, SLOT_NOT_BOOKABLE, SOLD_OUT,
                                       SUSPENDED, WITHDRAWN, NotAllowed, Invalid)

UTC = datetime.timezone.utc
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)


def at(day, hour=10, minute=0):
    return datetime.datetime(2027, 3, day, hour, minute, tzinfo=UTC)


# --- providers --------------------------------------------------------------------------

@pytest.mark.parametrize("status, action, expected", [
    (PENDING, "approve", APPROVED),
    (SUSPENDED, "approve", APPROVED),
    (APPROVED, "approve", None),
    (PENDING, "suspend", SUSPENDED),
    (APPROVED, "suspend", SUSPENDED),
    (SUSPENDED, "suspend", None),
])
def test_provider_decisions_and_their_repetition(status, action, expected):
    assert domain.provider_transition(status, action) == expected


def test_only_an_approved_provider_publishes():
    domain.check_may_publish(APPROVED)
    for status in (PENDING, SUSPENDED):
        with pytest.raises(NotAllowed) as refused:
            domain.check_may_publish(status)
        assert refused.value.code == PROVIDER_NOT_APPROVED


def test_an_offer_is_in_a_region_the_provider_serves():
    domain.check_offer_region("powys", ["powys", "ceredigion"])
    with pytest.raises(Invalid) as broken:
        domain.check_offer_region("flintshire", ["powys", "ceredigion"])
    assert "ceredigion, powys" in broken.value.errors["region"][0]


def test_an_officer_covers_the_providers_serving_their_council():
    assert domain.officer_covers("powys", ["powys", "ceredigion"])
    assert not domain.officer_covers("flintshire", ["powys"])
    assert not domain.officer_covers(None, ["powys"])


def test_roles():
    domain.require_role("officer", "officer", "admin")
    with pytest.raises(refusals.WrongRole):
        domain.require_role("family", "officer")


# --- slots ------------------------------------------------------------------------------

def test_new_slots_are_in_the_future_and_end_after_they_start():
    good = (at(2), at(2) + HOUR, 3)
    domain.check_new_slots([good], set(), NOW)
    with pytest.raises(Invalid) as broken:
        domain.check_new_slots([good, (at(3), at(3), 2), (NOW - HOUR, NOW, 2),
                                (at(4), at(4) + datetime.timedelta(days=32), 1)], set(), NOW)
    assert broken.value.errors == {"slots": {
        1: {"end": ["must be after start"]},
        2: {"start": ["must be in the future"]},
        3: {"end": ["must be at most 31 days after start"]},
    }}


def test_two_open_slots_of_an_offer_never_start_together():
    with pytest.raises(Invalid) as broken:
        domain.check_new_slots([(at(2), at(2) + HOUR, 1), (at(3), at(3) + HOUR, 1),
                                (at(3), at(3) + 2 * HOUR, 1)], {at(2)}, NOW)
    assert set(broken.value.errors["slots"]) == {0, 2}
    assert "another slot of this offer starts at" in broken.value.errors["slots"][2]["start"][0]


def test_a_publication_has_slots_but_not_too_many():
    with pytest.raises(Invalid):
        domain.check_new_slots([], set(), NOW)
    too_many = [(at(2) + n * HOUR, at(2) + (n + 1) * HOUR, 1)
                for n in range(domain.MAX_SLOTS_PER_PUBLICATION + 1)]
    with pytest.raises(Invalid) as broken:
        domain.check_new_slots(too_many, set(), NOW)
    assert "at most" in broken.value.errors["slots"][0]


def test_a_weekly_pattern_every_saturday_for_twelve_weeks():
    slots = domain.expand_pattern(
        start_date=datetime.date(2027, 3, 1), weekdays=["saturday"],
        start_time=datetime.time(10), end_time=datetime.time(16), weeks=12, capacity=4)
    assert len(slots) == 12
    assert slots[0] == (at(6), at(6, 16), 4)
    assert slots[-1][0] == at(6) + datetime.timedelta(weeks=11)
    assert all(start.weekday() == 5 and start.tzinfo == UTC for start, _end, _cap in slots)


def test_a_pattern_in_uk_time_stays_at_ten_on_the_clock_when_summer_time_ends():
    # British Summer Time ends on Sunday 31 October 2027: 10:00 is 09:00 UTC before, 10:00 after.
    slots = domain.expand_pattern(
        start_date=datetime.date(2027, 10, 16), weekdays=["saturday"],
        start_time=datetime.time(10), end_time=datetime.time(16), weeks=4, capacity=4,
        time_zone="Europe/London")
    assert [(start.day, start.hour, end.hour) for start, end, _cap in slots] == [
        (16, 9, 15), (23, 9, 15), (30, 9, 15), (6, 10, 16)]
    assert all(start.tzinfo == UTC for start, _end, _cap in slots)


def test_an_overnight_pattern_ends_the_next_morning():
    slots = domain.expand_pattern(
        start_date=datetime.date(2027, 3, 5), weekdays=["friday", "saturday"],
        start_time=datetime.time(18), end_time=datetime.time(10), nights=1, weeks=2,
        capacity=2)
    assert [start.day for start, _end, _cap in slots] == [5, 6, 12, 13]
    assert slots[0][1] == at(6, 10)


def test_a_pattern_whose_end_is_not_after_its_start_is_refused():
    with pytest.raises(Invalid) as broken:
        domain.expand_pattern(start_date=datetime.date(2027, 3, 1), weekdays=["monday"],
                              start_time=datetime.time(16), end_time=datetime.time(10),
                              weeks=1, capacity=1)
    assert "end_time" in broken.value.errors["pattern"]


def test_a_pattern_may_not_make_too_many_slots():
    with pytest.raises(Invalid) as broken:
        domain.expand_pattern(start_date=datetime.date(2027, 3, 1), weekdays=list(domain.WEEKDAYS),
                              start_time=datetime.time(10), end_time=datetime.time(11),
                              weeks=104, capacity=1)
    assert "weeks" in broken.value.errors["pattern"]


def test_a_pattern_may_not_run_past_2199():
    last_day = dict(start_date=datetime.date(2199, 12, 31), weekdays=["tuesday"],
                    start_time=datetime.time(10), end_time=datetime.time(11), capacity=1)
    assert len(domain.expand_pattern(weeks=1, **last_day)) == 1
    with pytest.raises(Invalid) as broken:
        domain.expand_pattern(weeks=2, **dict(last_day, weekdays=["tuesday", "monday"]))
    assert broken.value.errors == {"pattern": {"weeks": ["the pattern runs past 2199"]}}


def test_a_pattern_starting_in_the_past_is_refused_under_its_own_fields():
    slots = domain.expand_pattern(start_date=datetime.date(2027, 2, 22), weekdays=["monday"],
                                  start_time=datetime.time(10), end_time=datetime.time(11),
                                  weeks=3, capacity=1)
    with pytest.raises(Invalid) as broken:
        domain.check_pattern_slots(slots, set(), NOW)
    message, = broken.value.errors["pattern"]["start_date"]
    assert message.startswith("the occurrence at 2027-02-22T10:00:00+00:00")
    with pytest.raises(Invalid) as broken:
        domain.check_pattern_slots(slots[1:], {at(8)}, NOW)
    assert "another slot" in broken.value.errors["pattern"]["start_date"][0]


def test_capacity_never_goes_below_the_places_taken():
    domain.check_capacity_change(capacity=3, reserved=3, slot_status=OPEN, slot_start=at(2),
                                 now=NOW)
    with pytest.raises(Invalid) as broken:
        domain.check_capacity_change(capacity=2, reserved=3, slot_status=OPEN,
                                     slot_start=at(2), now=NOW)
    assert broken.value.errors == {"capacity": ["cannot be below the 3 places already reserved"]}
    with pytest.raises(NotAllowed) as refused:
        domain.check_capacity_change(capacity=5, reserved=0, slot_status=WITHDRAWN,
                                     slot_start=at(2), now=NOW)
    assert refused.value.code == "slot_withdrawn"
    with pytest.raises(NotAllowed) as refused:
        domain.check_capacity_change(capacity=5, reserved=0, slot_status=OPEN,
                                     slot_start=NOW, now=NOW)
    assert refused.value.code == "slot_started"


def test_a_slot_is_withdrawn_once_and_not_after_it_started():
    assert domain.withdrawal_needed(slot_status=OPEN, slot_start=at(2), now=NOW)
    assert not domain.withdrawal_needed(slot_status=WITHDRAWN, slot_start=at(2), now=NOW)
    with pytest.raises(NotAllowed):
        domain.withdrawal_needed(slot_status=OPEN, slot_start=NOW - HOUR, now=NOW)


# --- places -----------------------------------------------------------------------------

def refusal(**overrides):
    state = dict(provider_status=APPROVED, slot_status=OPEN, slot_start=at(2), capacity=5,
                 reserved=3, places=2, now=NOW)
    state.update(overrides)
    return domain.refusal_reason(**state)


def test_places_are_reserved_up_to_the_capacity_and_no_further():
    assert refusal() is None
    assert refusal(places=3) == SOLD_OUT
    assert refusal(reserved=5, places=1) == SOLD_OUT


def test_reasons_for_refusing_places():
    assert refusal(provider_status=SUSPENDED) == PROVIDER_NOT_APPROVED
    assert refusal(provider_status=PENDING, slot_status=WITHDRAWN) == PROVIDER_NOT_APPROVED
    assert refusal(slot_status=WITHDRAWN) == SLOT_NOT_BOOKABLE
    assert refusal(slot_start=NOW) == SLOT_NOT_BOOKABLE
    assert refusal(slot_start=NOW - HOUR, places=100) == SLOT_NOT_BOOKABLE


def answer(slot=True, provider_status=APPROVED, places=2):
    offer = domain.Offer.new(
        id="offer-1", provider_id="provider-1", title="Quiet cottage", description="",
        title_cy=None, description_cy=None, category="overnight_stay", price_pence=4500,
        region="powys", accessibility=[], supports_needs=[], created_by="user-1",
        created_at=NOW)
    found = domain.Slot(id="slot-1", offer_id=offer.id, starts_at=at(2), ends_at=at(3),
                        capacity=5, reserved=3, status=OPEN, created_at=NOW) if slot else None
    return domain.Reservation.answer(
        booking_id="booking-1", slot_id="slot-1", places=places, slot=found,
        offer=offer if slot else None, provider_status=provider_status if slot else None,
        now=NOW)


def test_reserved_places_keep_the_price_category_and_times_of_the_moment():
    reserved = answer()
    assert (reserved.status, reserved.reason) == (RESERVED, None)
    assert (reserved.offer_id, reserved.provider_id, reserved.category) == (
        "offer-1", "provider-1", "overnight_stay")
    assert (reserved.unit_price_pence, reserved.total_pence) == (4500, 9000)
    assert (reserved.slot_start, reserved.slot_end, reserved.created_at) == (at(2), at(3), NOW)


@pytest.mark.parametrize("arguments, reason", [
    ({"slot": False}, SLOT_NOT_BOOKABLE),
    ({"places": 3}, SOLD_OUT),
    ({"provider_status": SUSPENDED}, PROVIDER_NOT_APPROVED),
])
def test_refused_places_keep_the_reason_and_no_price(arguments, reason):
    refused = answer(**arguments)
    assert (refused.status, refused.reason) == (REFUSED, reason)
    assert (refused.offer_id, refused.total_pence, refused.slot_start) == (None, None, None)


def test_every_refusal_is_a_booking_rejection_reason():
    assert set(domain.REFUSAL_REASONS) <= set(REJECTION_REASONS)


def test_remaining_places():
    assert domain.remaining(5, 3) == 2
    assert domain.remaining(2, 3) == 0  # capacity is never set below reserved, but be safe


def test_a_booking_is_released_at_most_once():
    assert domain.places_to_release(RESERVED) == RELEASED
    assert domain.places_to_release(RELEASED) is None
    assert domain.places_to_release(REFUSED) is None
    # A release before the request leaves a mark so the late request reserves nothing.
    assert domain.places_to_release(None) == RELEASED


# --- search -----------------------------------------------------------------------------

def test_vocabulary_masks_have_a_bit_per_value():
    assert domain.accessibility_mask([]) == 0
    assert domain.accessibility_mask([ACCESSIBILITY_FEATURES[0]]) == 1
    both = domain.accessibility_mask(["hoist", "quiet_space"])
    assert both & domain.accessibility_mask(["hoist"]) == domain.accessibility_mask(["hoist"])
    assert both & domain.accessibility_mask(["hearing_loop"]) == 0
    assert domain.needs_mask(["autism", "dementia"]) != domain.needs_mask(["autism"])


def test_the_stored_bit_positions_never_move():
    # Offers store masks by position: the vocabularies may only grow at the end.
    assert ACCESSIBILITY_FEATURES[:8] == (
        "wheelchair_access", "hoist", "changing_places_toilet", "quiet_space",
        "sensory_friendly", "ground_floor", "hearing_loop", "assistance_dogs")
    assert CARE_NEEDS[:8] == (
        "complex_health", "challenging_behaviour", "autism", "learning_disability",
        "physical_disability", "sensory_impairment", "dementia", "mental_health")
    assert len(ACCESSIBILITY_FEATURES) <= 31 and len(CARE_NEEDS) <= 31  # an INTEGER column


def test_search_text_ignores_case_and_accents_in_english_and_welsh():
    text = domain.searchable_text("Caffi'r Ŵyl", None, "Seibiant   GWYLIAU", "Café")
    assert text == "caffi'r wyl seibiant gwyliau cafe"
    assert domain.search_terms("  ŴYL  café ") == ["wyl", "cafe"]
    with pytest.raises(Invalid):
        domain.search_terms(" ".join(["word"] * 11))


def test_the_window_ends_after_it_starts():
    domain.check_window(NOW, None)
    domain.check_window(NOW, NOW + HOUR)
    with pytest.raises(Invalid) as broken:
        domain.check_window(NOW, NOW)
    assert broken.value.errors == {"to": ["must be after from"]}


def test_the_rules_import_neither_nameko_nor_sqlalchemy():
    import subprocess
    import sys
    code = ("import sys, services.providers.domain; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nameko', 'sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- how a slot's places are given ------------------------------------------------------

def test_a_ballot_is_for_a_gifted_slot_whose_applications_close_before_it_starts():
    slots = [(at(10), at(10, 16), 3)] * 5
    fine = (domain.BALLOT, at(5))
    domain.check_allocations([fine, (domain.FIRST_COME, None)], slots[:2], 0, NOW)
    with pytest.raises(Invalid) as refused:
        domain.check_allocations(
            [(domain.BALLOT, None), (domain.BALLOT, NOW - HOUR), (domain.BALLOT, at(10)),
             (domain.FIRST_COME, at(5)), fine], slots, 0, NOW)
    assert refused.value.errors == {"slots": {
        0: {"applications_close_at": ["required for a ballot"]},
        1: {"applications_close_at": ["must be in the future"]},
        2: {"applications_close_at": ["must be before the slot starts"]},
        3: {"applications_close_at": ["only a ballot has applications"]}}}
    with pytest.raises(Invalid) as priced:
        domain.check_allocations([fine], slots[:1], 900, NOW)
    assert priced.value.errors == {"slots": {0: {
        "allocation": ["a ballot is for gifted offers (price 0) only"]}}}
