"""An answer of the saga that went to the dead letters is not lost: the step's retry asks
again, and the request asked again is answered again."""
import contextlib

import pytest
import sqlalchemy as sa

from seibiant_common import dead_letters
from devtools.processes import wait_until

pytestmark = pytest.mark.postgres


def dead_lettered(saga, event_type):
    return [letter for letter in dead_letters.list_dead_letters(saga.config["AMQP_URI"],
                                                                "bookings")
            if letter["event_type"] == event_type]


@contextlib.contextmanager
def row_locked(saga, service, table, row_id):
    """Holds the row's lock in the service's database: whatever would change it waits."""
    engine = sa.create_engine(saga.databases[service])
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT 1 FROM {} WHERE id = :id FOR UPDATE".format(
                table)), {"id": row_id})
            yield
    finally:
        engine.dispose()


def test_a_dead_lettered_answer_is_healed_by_the_step_retry(start_saga):
    saga = start_saga("postgresql", STEP_TIMEOUT_SECONDS=1, STEP_MAX_RETRIES=5)
    world = saga.world()
    provider, parent = world.provider(), world.family()
    slot_id = world.slot_of(provider)
    budget_id = world.budget(parent)

    with contextlib.ExitStack() as outage:
        # providers cannot reserve the slot's places until bookings' database is down.
        with row_locked(saga, "providers", "slots", slot_id):
            booking_id = world.book(parent, slot_id, places=1, budget_id=budget_id)["id"]
            wait_until(lambda: saga.query("SELECT count(*) FROM outbox_messages "
                                          "WHERE sent_at IS NULL") == [(0,)], 10,
                       message="the request published")
            outage.enter_context(saga.database_outage("bookings"))
        # Every attempt at handling providers' answer fails, and it is dead-lettered.
        letters = wait_until(lambda: dead_lettered(saga, "places_reserved"), 30,
                             message="the answer dead-lettered")
        assert letters[0]["body"]["payload"]["booking_id"] == booking_id
        assert letters[0]["attempts"] == saga.config["EVENT_MAX_ATTEMPTS"]

    # The database is back: with no operator replaying anything, the next retry of the
    # reserve step is answered again and the saga goes on.
    booking = world.settled(booking_id, timeout=30)
    assert booking["status"] == "confirmed", booking["transitions"]
    assert letters[0]["event_id"] in {  # still there: it was not replayed
        letter["event_id"] for letter in dead_lettered(saga, "places_reserved")}
    assert world.places_taken(slot_id) == 1
    assert world.balance(budget_id)["held_pence"] == 1500
