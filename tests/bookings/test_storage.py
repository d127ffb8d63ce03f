"""What bookings' use cases leave in PostgreSQL when another instance commits in the middle
of one of them (no broker needed): the interleaving is made, not waited for, by committing
the other instance's unit of work just before the use case's next statement."""
import datetime
import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from seibiant_common.database import Store, make_engine
from seibiant_common.errors import Conflict
from seibiant_common.migrations import upgrade
from services.bookings import application, balloting
from services.bookings.models import PLUMBING_TABLES, bookings
from services.bookings.service import MIGRATIONS

from .factories import FAMILY, NOW, TIMEOUTS

START = NOW + datetime.timedelta(days=30)


@pytest.fixture
def store(make_database_url):
    engine = make_engine(make_database_url("postgresql", "bookings_storage"))
    upgrade(engine, MIGRATIONS)
    yield Store(engine, *PLUMBING_TABLES)
    engine.dispose()


def publish_ballot_slot(store, slot_id):
    """providers' slots_published of a gifted ballot slot, as bookings' handler keeps it."""
    slots = [{"id": slot_id, "start": START, "end": START + datetime.timedelta(days=2),
              "capacity": 3, "allocation": "ballot",
              "applications_close_at": START - datetime.timedelta(days=7)}]
    with store.unit_of_work() as uow:
        application.slots_published(uow, "offer-1", "provider-1", "overnight_stay", 0, slots)
        balloting.slots_published(uow, "offer-1", "provider-1", slots)


def request_with_publication_before(store, statement, slot_id):
    """A carer's request for `slot_id` as the service's first unit of work makes it, the
    slot's publication committed by another instance just before the request's statement
    number `statement` (counted from 0) -> (outcome, whether the publication came in time)."""
    sent = itertools.count()
    published = []

    def before(connection, cursor, text, parameters, context, executemany):
        if not published and next(sent) == statement:
            published.append(True)  # first: the publication's own statements are not counted
            publish_ballot_slot(store, slot_id)

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        with store.unit_of_work() as uow:
            outcome = application.request_known_slot(uow, FAMILY, {
                "idempotency_key": "key-" + slot_id, "slot_id": slot_id, "places": 1,
                "budget_id": None, "family_id": None}, NOW, TIMEOUTS)
    except Conflict as refused:
        outcome = refused
    finally:
        event.remove(store.engine, "before_cursor_execute", before)
    return outcome, bool(published)


def test_a_ballot_slot_published_in_the_middle_of_a_request_is_never_booked_first_come(store):
    """Whichever statement of the request the publication (a slot and its ballot, committed
    together) comes before, the request either knows nothing of the slot yet (None: the
    service asks providers, whose answer says it is a ballot slot) or refuses it as one."""
    for statement in itertools.count():
        slot_id = "slot-{}".format(statement)
        outcome, in_time = request_with_publication_before(store, statement, slot_id)
        if not in_time:
            break  # the request sent fewer statements: every place has been tried
        assert outcome is None or (isinstance(outcome, Conflict)
                                   and outcome.code == "by_ballot"), (statement, outcome)
    assert statement > 0
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(bookings)).scalar() == 0
