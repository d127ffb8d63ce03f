"""What donors gave (`GET /providers/{id}/impact`), on the live system: a known sequence of
gifted bookings (one cancelled, beside a priced offer) gives exact figures by year and
offer, counted by insight from the events; a grouping of fewer than 5 carers shows "fewer
than 5", and no carer is named anywhere in the answer."""
import datetime
import json

import pytest

from devtools.processes import wait_until

from .test_carers import CarersWorld
from .world import soon


@pytest.fixture(scope="module")
def world(api):
    return CarersWorld(api.base_url)


def test_a_donors_impact_counts_the_gifts_made_by_year_and_offer_naming_nobody(world):
    world.council_officer.request("PUT", "/councils/{}/gifted-allowance".format(
        world.council), json={"breaks_per_12_months": 5}, expect=[200])
    donor = world.new_provider([world.council], approve_by=world.council_officer)
    stay = world.new_offer(donor, "hospitality_meal", 0, world.council)
    meal = world.new_offer(donor, "hospitality_meal", 0, world.council)
    priced = world.new_offer(donor, "hospitality_meal", 1200, world.council)
    [two_nights] = donor.post("/offers/{}/slots".format(stay["id"]), {"slots": [
        {"start": soon(10), "end": soon(12), "capacity": 10}]})["items"]
    [lunch] = world.new_slots(donor, meal["id"], 4, days=(11,))
    [paid] = world.new_slots(donor, priced["id"], 4, days=(11,))

    carers = [world.refer() for _ in range(6)]
    made = [world.book(carer, two_nights["id"], None) for carer in carers[:5]]
    made += [world.book(carer, lunch["id"], None) for carer in carers[:2]]
    undone = world.book(carers[5], two_nights["id"], None, places=2)
    for carer, booking in zip(carers[:5] + carers[:2] + [carers[5]], made + [undone],
                              strict=True):
        assert carer.wait_for_booking(booking["id"], {"confirmed"})["status"] == "confirmed"
    carers[5].post("/bookings/{}/cancel".format(undone["id"]), {})
    carers[5].wait_for_booking(undone["id"], {"cancelled"})
    assert paid["remaining"] == 4  # a priced slot: not a gift, counted nowhere here

    year = datetime.datetime.fromisoformat(soon(10)).year
    fewer = "fewer than 5"
    expected_total = {"places_offered": 14, "places_given": 7, "nights_given": 10,
                      "carers_reached": 5}
    path = "/providers/{}/impact".format(donor.provider_id)

    def counted():
        answer = donor.get(path)
        return answer if answer["total"] == expected_total else None
    answer = wait_until(counted, 30, interval=0.3, message="insight to count the gifts")
    assert answer["provider_id"] == donor.provider_id
    [this_year] = answer["years"]
    assert this_year["year"] == year
    assert {key: this_year[key] for key in expected_total} == expected_total
    by_offer = {row["offer_id"]: row for row in this_year["offers"]}
    assert set(by_offer) == {stay["id"], meal["id"]}  # the priced offer gives nothing
    assert by_offer[stay["id"]] == {
        "offer_id": stay["id"], "title": stay["title"], "places_offered": 10,
        "places_given": 5, "nights_given": 10, "carers_reached": 5}
    assert by_offer[meal["id"]] == {
        "offer_id": meal["id"], "title": meal["title"], "places_offered": 4,
        "places_given": fewer, "nights_given": fewer, "carers_reached": fewer}
    assert answer["feedback"] == {"count": 0, "average_rating": None,
                                  "average_rested": None, "would_book_again_count": 0,
                                  "items": []}
    text = json.dumps(answer)
    for carer in carers:
        assert carer.user_id not in text and carer.record["display_name"] not in text

    # the same for its council's officer and referrers, and an admin
    for reader in (world.council_officer, world.referrer, world.other_centre, world.admin):
        assert reader.get(path)["total"] == expected_total
    # nobody else's: another council's referrer and officer, another provider: not found;
    # a carer: forbidden
    for stranger in (world.far_referrer, world.officer, world.gift_provider):
        stranger.request("GET", path, expect=[404])
    carers[0].request("GET", path, expect=[403])
    world.admin.request("GET", "/providers/no-such-provider/impact", expect=[404])
