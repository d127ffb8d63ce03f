"""Input parsing: bad input is refused naming the field (no broker, no database)."""
import datetime

import pytest

from seibiant_common.errors import InvalidInput
from services.providers import schemas
from services.providers.schemas import parse
from tests.crafted import OUT_OF_RANGE_DATES

OFFER = {"title": "Quiet café afternoon", "category": "hospitality_meal", "price_pence": 0,
         "region": "powys", "accessibility": ["wheelchair_access"], "supports_needs": ["autism"]}


def errors_of(schema, data):
    with pytest.raises(InvalidInput) as refused:
        parse(schema, data)
    return refused.value.errors


def test_a_good_offer_is_parsed_with_defaults():
    offer = parse(schemas.CreateOfferSchema(), OFFER)
    assert offer["description"] == "" and offer["title_cy"] is None


@pytest.mark.parametrize("change, field", [
    ({"category": "spa_day"}, "category"),
    ({"accessibility": ["wheelchair_access", "jacuzzi"]}, "accessibility"),
    ({"supports_needs": ["boredom"]}, "supports_needs"),
    ({"price_pence": 12.5}, "price_pence"),
    ({"price_pence": 1200.0}, "price_pence"),
    ({"price_pence": True}, "price_pence"),
    ({"price_pence": "1200"}, "price_pence"),
    ({"price_pence": -1}, "price_pence"),
    ({"region": "Powys"}, "region"),
    ({"accessibility": ["hoist", "hoist"]}, "accessibility"),
    ({"title": ""}, "title"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_offers_are_refused_naming_the_field(change, field):
    assert set(errors_of(schemas.CreateOfferSchema(), dict(OFFER, **change))) == {field}


def test_an_unknown_feature_names_its_position_and_the_allowed_values():
    errors = errors_of(schemas.CreateOfferSchema(), dict(OFFER, accessibility=["hoist", "lift"]))
    assert list(errors["accessibility"]) == [1]
    assert "wheelchair_access" in errors["accessibility"][1][0]


@pytest.mark.parametrize("change, field", [
    ({"kind": "hotel"}, "kind"),
    ({"regions": []}, "regions"),
    ({"regions": ["north wales"]}, "regions"),
    ({"accessibility": ["stairs"]}, "accessibility"),
    ({"name": None}, "name"),
])
def test_bad_registrations_are_refused_naming_the_field(change, field):
    registration = {"user_id": "u1", "name": "Tŷ Gwyn B&B", "kind": "hospitality",
                    "regions": ["powys"]}
    parse(schemas.RegisterProviderSchema(), registration)
    assert set(errors_of(schemas.RegisterProviderSchema(), dict(registration, **change))) == {field}


SLOT = {"start": "2027-03-06T10:00:00+00:00", "end": "2027-03-06T16:00:00+00:00", "capacity": 5}


@pytest.mark.parametrize("change, field", [
    ({"capacity": -1}, "capacity"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 2.0}, "capacity"),
    ({"start": "2027-03-06T10:00:00"}, "start"),
    ({"end": "next tuesday"}, "end"),
    ({"start": "1969-12-31T23:59:59+00:00"}, "start"),
    ({"end": "2200-01-01T00:00:00+00:00"}, "end"),
    ({"end": "9999-12-31T23:59:59-23:59"}, "end"),
])
def test_bad_slots_are_refused_naming_the_field(change, field):
    errors = errors_of(schemas.PublishSlotsSchema(), {"slots": [SLOT, dict(SLOT, **change)]})
    assert errors == {"slots": {1: {field: errors["slots"][1][field]}}}


PATTERN = {"start_date": "2027-03-06", "weekdays": ["saturday"], "start_time": "10:00",
           "end_time": "16:00", "weeks": 12, "capacity": 5}


def test_a_pattern_is_parsed():
    pattern = parse(schemas.PublishSlotsSchema(), {"pattern": PATTERN})["pattern"]
    assert pattern["start_time"] == datetime.time(10) and pattern["nights"] == 0
    assert pattern["time_zone"] == "UTC"  # unless given


@pytest.mark.parametrize("change, field", [
    ({"weekdays": ["caturday"]}, "weekdays"),
    ({"weekdays": []}, "weekdays"),
    ({"start_time": "10:00+01:00"}, "start_time"),
    ({"weeks": 0}, "weeks"),
    ({"capacity": -3}, "capacity"),
    ({"nights": 1.5}, "nights"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
] + [({"start_date": day}, "start_date") for day in OUT_OF_RANGE_DATES])
def test_bad_patterns_are_refused_naming_the_field(change, field):
    errors = errors_of(schemas.PublishSlotsSchema(), {"pattern": dict(PATTERN, **change)})
    assert list(errors["pattern"]) == [field]


def test_slots_or_a_pattern_but_not_both_nor_neither():
    assert "slots" in errors_of(schemas.PublishSlotsSchema(), {})
    assert "slots" in errors_of(schemas.PublishSlotsSchema(), {"slots": [SLOT], "pattern": PATTERN})


def test_search_filters():
    filters = parse(schemas.SearchSchema(), {"from": "2027-03-01T00:00:00+00:00", "region": None})
    assert filters["window_from"].year == 2027 and filters["region"] is None
    assert set(errors_of(schemas.SearchSchema(), {"accessibility": ["lift"], "max_price_pence": 9.5,
                                                  "to": "2027-03-01"})) == {
        "accessibility", "max_price_pence", "to"}
    assert "limit" in errors_of(schemas.PageSchema(), {"limit": 500})


def test_an_actor_must_have_a_known_role():
    assert parse(schemas.ActorSchema(), {"user_id": "u", "role": "officer", "council": "powys",
                                        "username": "extra is ignored"})["provider_id"] is None
    assert "role" in errors_of(schemas.ActorSchema(), {"user_id": "u", "role": "king"})
