"""Every endpoint over real HTTP against the live services on the real broker."""
import csv
import io

import pytest

from gateway.client import ApiError

from .world import PASSWORD, World, soon


@pytest.fixture(scope="module")
def world(api):
    return World(api.base_url)


def test_a_provider_publishes_a_family_books_and_it_is_confirmed_within_the_rules(world):
    booking = world.book(world.family, world.slot["id"], world.budget["id"], places=2)
    assert booking["status"] == "requested"
    done = world.family.wait_for_booking(booking["id"], {"confirmed", "rejected"})
    assert done["status"] == "confirmed", done
    assert done["total_pence"] == 8000 and done["offer_id"] == world.offer["id"]
    budget = world.family.get("/budgets/" + world.budget["id"])
    assert (budget["held_pence"], budget["available_pence"]) == (8000, 192000)
    offer = world.family.get("/offers/" + world.offer["id"])
    assert [s["remaining"] for s in offer["slots"] if s["id"] == world.slot["id"]] == [1]
