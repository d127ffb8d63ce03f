"""One span of time everywhere (seibiant_common.times): 1970 to 2199 in UTC, edges included,
and the services' input schemas hold to it. No broker, no database."""
import datetime

import pytest

from gateway import schemas as gateway_schemas
from seibiant_common import times
from seibiant_common.errors import InvalidInput
from seibiant_common.schemas import parse
from services.budgets import schemas as budgets_schemas
from services.providers import schemas as providers_schemas
from tests.crafted import EDGE_MOMENTS, OUT_OF_RANGE_DATES

TAKEN = {"1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z"}


def test_the_span_and_its_edges():
    assert times.in_range(datetime.datetime(1970, 1, 1, 1, tzinfo=datetime.timezone(
        datetime.timedelta(hours=1)))) == times.EARLIEST
    assert times.day_in_range(times.FIRST_DAY) and times.day_in_range(times.LAST_DAY)
    assert not times.day_in_range(datetime.date(9999, 12, 31))
    with pytest.raises(ValueError):
        times.in_range(datetime.datetime(2026, 1, 1))  # naive


def _load(schema, data):
    try:
        parse(schema, data)
        return True
    except InvalidInput:
        return False


@pytest.mark.parametrize("moment", EDGE_MOMENTS)
def test_every_time_the_services_and_the_gateway_take_is_in_the_span(moment):
    budget = {"family_id": "f1", "allocated_pence": 1, "allowed_categories": [],
              "auto_approve_limit_pence": 0, "period_start": "1970-01-01T00:00:00Z",
              "period_end": moment}
    if moment == "1970-01-01T00:00:00Z":  # the period must end after it starts
        budget.update(period_start=moment, period_end="2199-12-31T23:59:59Z")
    taken = [
        _load(budgets_schemas.CreateBudgetSchema(), budget),
        _load(budgets_schemas.MonitoringReturnQuerySchema(), {"as_of": moment}),
        _load(providers_schemas.SearchSchema(), {"from": moment}),
        _load(providers_schemas.PublishSlotsSchema(), {"slots": [{
            "start": moment, "end": moment, "capacity": 1}]}),
        _load(gateway_schemas.NewSlotSchema(), {"start": moment, "end": moment,
                                                "capacity": 1}),
    ]
    assert taken == [moment in TAKEN] * len(taken)


@pytest.mark.parametrize("day", OUT_OF_RANGE_DATES + ["1970-01-01", "2199-12-31"])
def test_a_pattern_starts_on_a_day_in_the_span(day):
    pattern = {"start_date": day, "weekdays": ["monday"], "start_time": "10:00",
               "end_time": "11:00", "weeks": 1, "capacity": 1}
    taken = [_load(providers_schemas.PublishSlotsSchema(), {"pattern": pattern}),
             _load(gateway_schemas.SlotPatternSchema(), pattern)]
    assert taken == [day in ("1970-01-01", "2199-12-31")] * 2
