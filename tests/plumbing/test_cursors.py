"""Cursors are read in one place: a real one round-trips, every crafted one is InvalidInput
on `cursor`. No broker, no database."""
import datetime

import pytest

from seibiant_common.cursors import ID, MOMENT, decode_cursor, encode_cursor
from seibiant_common.errors import InvalidInput
from tests.crafted import CURSORS

UTC = datetime.timezone.utc


def test_a_cursor_round_trips_its_sort_key_with_the_time_in_utc():
    moment = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=datetime.timezone(
        datetime.timedelta(hours=1)))
    assert decode_cursor(encode_cursor(moment.isoformat(), "ab_c-1"), MOMENT, ID) == (
        datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC), "ab_c-1")
    assert decode_cursor(encode_cursor("user1"), ID) == ("user1",)


@pytest.mark.parametrize("cursor", CURSORS + [None, "", 5, b"WyJhIl0"])
@pytest.mark.parametrize("kinds", [(MOMENT, ID), (ID,)])
def test_a_crafted_cursor_is_invalid_input_on_cursor(cursor, kinds):
    with pytest.raises(InvalidInput) as invalid:
        decode_cursor(cursor, *kinds)
    assert list(invalid.value.errors) == ["cursor"]
