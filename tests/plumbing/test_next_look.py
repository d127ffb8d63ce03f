"""`seibiant_common.timers.NextLook`: when a timer must read the database."""
import datetime

import pytest

from seibiant_common.database import Store, make_engine
from seibiant_common.timers import NextLook

from . import notes_service

NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.timezone.utc)
MINUTE = datetime.timedelta(minutes=1)


def test_the_first_tick_looks_then_none_until_the_soonest_due_or_the_ceiling():
    look = NextLook(ceiling=10 * MINUTE)
    assert look.due(NOW)
    look.looked(NOW, NOW + 3 * MINUTE)
    assert not look.due(NOW + 3 * MINUTE - datetime.timedelta(microseconds=1))
    assert look.due(NOW + 3 * MINUTE)
    look.looked(NOW + 3 * MINUTE, None)  # nothing due at all: the ceiling
    assert not look.due(NOW + 12 * MINUTE)
    assert look.due(NOW + 13 * MINUTE)
    look.looked(NOW + 13 * MINUTE, NOW + 60 * MINUTE)
    assert look.due(NOW + 23 * MINUTE)  # the ceiling comes before what it found


def test_something_made_due_here_wakes_it_even_in_the_middle_of_a_look():
    look = NextLook(ceiling=10 * MINUTE)
    assert look.due(NOW)
    look.looked(NOW, None)
    look.due_by(NOW + 2 * MINUTE)
    assert not look.due(NOW + MINUTE) and look.due(NOW + 2 * MINUTE)
    # committed after the look read, told before the look ended: the look's answer, which
    # could not see it, does not overrule it
    look.due_by(NOW + 4 * MINUTE)
    look.looked(NOW + 2 * MINUTE, NOW + 8 * MINUTE)
    assert not look.due(NOW + 4 * MINUTE - datetime.timedelta(seconds=1))
    assert look.due(NOW + 4 * MINUTE)


def test_a_unit_of_work_tells_the_timer_what_it_made_due_once_it_has_committed(tmp_path):
    engine = make_engine("sqlite:///{}".format(tmp_path / "notes.sqlite3"))
    notes_service.metadata.create_all(engine)
    store = Store(engine, *notes_service.TABLES, look_ceiling=10 * MINUTE)
    look = store.next_look("chores")
    assert look.due(NOW)
    look.looked(NOW, None)  # nothing due: the next look at the ceiling
    soon = NOW + MINUTE
    with pytest.raises(ValueError):
        with store.unit_of_work() as uow:
            uow.due_by("chores", soon)
            raise ValueError("rolled back: nothing was made due")
    assert not look.due(soon)
    with store.unit_of_work() as uow:
        uow.due_by("chores", soon)
        assert not look.due(soon)  # a read now could not see it yet
    assert look.due(soon)
    engine.dispose()
