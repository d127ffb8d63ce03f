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


def test_a_donors_impact_counts_places_nights_and_carers_by_year_and_offer():
    def at(year, month, day, hour=10):
        return datetime.datetime(year, month, day, hour, tzinfo=datetime.timezone.utc)
    stay, meal = "offer-stay", "offer-meal"
    gifts = [domain.Gift(stay, "carer-{}".format(n), 1, at(2030, 6, 1), at(2030, 6, 3))
             for n in range(5)]
    gifts += [domain.Gift(stay, "carer-0", 2, at(2031, 1, 5), at(2031, 1, 6)),
              domain.Gift(meal, "carer-1", 1, at(2030, 7, 1), at(2030, 7, 1, 14)),
              domain.Gift(meal, "carer-9", 1, at(2030, 7, 1), None)]  # end never heard
    offered = [domain.Offered(stay, 10, at(2030, 6, 1)), domain.Offered(meal, 4, at(2030, 7, 1)),
               domain.Offered(stay, 3, at(2031, 1, 5))]
    answer = domain.impact(gifts, offered)
    fewer = domain.FEWER_THAN_5
    assert [year["year"] for year in answer["years"]] == [2031, 2030]  # newest first
    new, old = answer["years"]
    assert {k: old[k] for k in ("places_offered", "places_given", "nights_given",
                                "carers_reached")} == {
        "places_offered": 14, "places_given": 7, "nights_given": 10, "carers_reached": 6}
    assert old["offers"] == [
        {"offer_id": meal, "places_offered": 4, "places_given": fewer, "nights_given": fewer,
         "carers_reached": fewer},
        {"offer_id": stay, "places_offered": 10, "places_given": 5, "nights_given": 10,
         "carers_reached": 5}]
    assert (new["places_given"], new["nights_given"], new["carers_reached"]) == (
        fewer, fewer, fewer)
    assert answer["total"] == {"places_offered": 17, "places_given": 9, "nights_given": 12,
                               "carers_reached": 6}
    assert domain.impact([], []) == {"years": [], "total": {
        "places_offered": 0, "places_given": 0, "nights_given": 0, "carers_reached": 0}}


def test_a_donors_impact_is_its_own_and_its_councils_officers_and_referrers():
    def actor(role, council=None, provider_id=None):
        return {"user_id": "u", "role": role, "council": council, "provider_id": provider_id}
    councils = ["powys", "ceredigion"]
    assert domain.may_see_impact(actor("provider", provider_id="p1"), "p1", councils)
    assert not domain.may_see_impact(actor("provider", provider_id="p2"), "p1", councils)
    for role in ("officer", "referrer"):
        assert domain.may_see_impact(actor(role, "ceredigion"), "p1", councils)
        assert not domain.may_see_impact(actor(role, "flintshire"), "p1", councils)
    assert domain.may_see_impact(actor("admin"), "p1", councils)
    with pytest.raises(WrongRole):
        domain.may_see_impact(actor("family", "powys"), "p1", councils)
