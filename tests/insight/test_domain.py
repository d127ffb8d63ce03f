"""The insight rules, with no broker: the small-group rule, the quantiles, the window, and
facts that do not depend on the order their events came in."""
import datetime
import itertools

import pytest

from seibiant_common.refusals import Invalid, WrongRole
from services.insight import domain

AT = datetime.datetime(2030, 5, 10, 9, tzinfo=datetime.timezone.utc)


def test_a_grouping_of_one_to_four_families_shows_fewer_than_5():
    assert [domain.shown(7, families) for families in (0, 1, 4, 5, 6)] == [
        7, "fewer than 5", "fewer than 5", 7, 7]
    assert [domain.shown_searches(n) for n in (0, 1, 4, 5)] == [0, "fewer than 5",
                                                                 "fewer than 5", 5]
    assert domain.full_percent(10, 5, 5) == 50
    assert domain.full_percent(10, 3, 3) is None and domain.full_percent(0, 0, 0) is None


def test_quantiles_interpolate_between_ranks():
    assert domain.percentile([10, 1, 3, 2, 4], 0.5) == 3
    assert domain.percentile([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert domain.percentile([5], 0.9) == 5
    hours = datetime.timedelta(hours=1)
    assert domain.approval_times([hours] * 3, 3, 3, 0) == {
        "decided": "fewer than 5", "approved": "fewer than 5", "declined": "fewer than 5",
        "median_hours": None, "p90_hours": None}


def test_the_window_defaults_to_twelve_months_and_ninety_days_ahead_and_keeps_its_order():
    window = domain.window(None, None, datetime.date(2030, 2, 14))
    assert (window.first_day, window.last_day) == (datetime.date(2029, 3, 1),
                                                   datetime.date(2030, 5, 15))
    assert window.end == datetime.datetime(2030, 5, 16, tzinfo=datetime.timezone.utc)
    # a window ending in the past reaches back twelve months from its end
    window = domain.window(None, datetime.date(2029, 7, 4), datetime.date(2030, 2, 14))
    assert window.first_day == datetime.date(2028, 8, 1)
    with pytest.raises(Invalid) as refused:
        domain.window(datetime.date(2030, 2, 2), datetime.date(2030, 2, 1), AT.date())
    assert set(refused.value.errors) == {"to"}


def test_who_sees_what():
    assert domain.scope_of({"role": "officer", "council": "powys"}).council == "powys"
    assert domain.scope_of({"role": "admin", "council": None}) == domain.Scope()
    assert domain.scope_of({"role": "provider", "provider_id": "p1"}).tables == ("provider",)
    with pytest.raises(WrongRole):
        domain.scope_of({"role": "family", "council": "powys"})


def test_a_bookings_facts_are_the_same_whatever_order_its_events_came_in():
    lessons = [
        ("booking_requested", {"family_id": "f", "council": "powys", "slot_id": "s",
                               "category": "overnight_stay", "places": 2, "amount_pence": 10,
                               "break_start": AT}),
        ("places_reserved", {"offer_id": "o", "provider_id": "p", "unit_price_pence": 5}),
        ("booking_confirmed", {}), ("booking_cancelled", {}), ("places_released", {}),
        ("funds_captured", {"amount_pence": 10}),
    ]
    seen = set()
    for order in itertools.permutations(lessons):
        facts = domain.BookingFacts("b")
        for event_type, fields in order:
            facts.learn(event_type, fields, AT)
        seen.add(tuple(getattr(facts, name) for name in domain.BOOKING_FACTS))
    assert len(seen) == 1
