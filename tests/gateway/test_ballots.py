"""Ballots through the public API, on the live system: a provider publishes a gifted slot
by ballot, carers apply and withdraw until the close, and the draw's record is seen by whom
it is for, naming only the carers each reader may know. The authorisation matrix covers
every new route (referrers of another centre or council, families, providers, officers,
admin): nothing leaks."""
import datetime

import pytest

from devtools.processes import wait_until

from .test_carers import CarersWorld
from .world import close_ballot_applications, soon

# Far enough to apply and be refused a few times on any machine: the test then closes the
# applications itself, in bookings' own database, and the draw follows.
CLOSE_HOURS = 1


class BallotWorld(CarersWorld):
    def ballot_slot(self, capacity, close_in=datetime.timedelta(hours=CLOSE_HOURS), day=20):
        close = datetime.datetime.now(datetime.timezone.utc) + close_in
        return self.gift_provider.post("/offers/{}/slots".format(self.gift["id"]), {"slots": [{
            "start": soon(day), "end": soon(day, 14), "capacity": capacity,
            "allocation": "ballot", "applications_close_at": close.isoformat()}]})["items"][0]


@pytest.fixture(scope="module")
def world(live):
    world = BallotWorld(live.api.base_url)
    world.bookings_database = live.config["DATABASES"]["bookings"]
    return world


def apply(client, slot, places=1, expect=None):
    return client.request("POST", "/slots/{}/applications".format(slot["id"]),
                          json={"places": places}, expect=expect)


def ballot(client, slot, expect=None):
    return client.request("GET", "/slots/{}/ballot".format(slot["id"]), expect=expect)


def test_a_ballot_from_application_to_draw_with_no_leak(world):
    slot = world.ballot_slot(capacity=2)
    assert (slot["allocation"], slot["remaining"]) == ("ballot", 2)
    assert slot["applications_close_at"]
    mine, centres, far = world.refer(), world.refer(world.other_centre), world.refer()

    made = apply(mine, slot, expect=[201])
    assert made.headers["Location"].endswith("/slots/{}/ballot".format(slot["id"]))
    assert (made.json()["places"], made.json()["status"]) == (1, "applied")
    assert apply(mine, slot, 2, expect=[200]).json()["places"] == 2  # again: changed
    apply(centres, slot, expect=[201])
    apply(far, slot, expect=[201])
    path = "/slots/{}/applications".format(slot["id"])
    assert far.request("DELETE", path, expect=[204]).status_code == 204
    far.request("DELETE", path, expect=[404])  # nothing left to withdraw
    apply(far, slot, expect=[200])  # applying again after a withdrawal: the same one

    # only families apply; bad input names its field; nothing but a ballot takes them
    for someone in (world.gift_provider, world.council_officer, world.admin):
        apply(someone, slot, expect=[403])
    # a referrer applies only for a carer of their centre, naming them
    assert "family_id" in apply(world.referrer, slot, expect=[422]).json()["errors"]
    assert "family_id" in world.other_centre.request(
        "POST", "/slots/{}/applications".format(slot["id"]),
        json={"places": 1, "family_id": mine.user_id}, expect=[422]).json()["errors"]
    for_them = world.refer()
    made = world.referrer.request("POST", "/slots/{}/applications".format(slot["id"]),
                                  json={"places": 1, "family_id": for_them.user_id},
                                  expect=[201]).json()
    assert made["family_id"] == for_them.user_id
    assert ballot(for_them, slot).json()["mine"]["id"] == made["id"]  # theirs
    world.other_centre.request("DELETE", "/slots/{}/applications".format(slot["id"]),
                               params={"family_id": for_them.user_id}, expect=[422])
    world.referrer.request("DELETE", "/slots/{}/applications".format(slot["id"]),
                           params={"family_id": for_them.user_id}, expect=[204])
    for places in (0, 3, "1"):
        assert "places" in apply(mine, slot, places, expect=[422]).json()["errors"]
    first_come = world.gift_slot()
    assert apply(mine, first_come, expect=[409]).json()["code"] == "not_a_ballot"
    apply(mine, {"id": "0" * 32}, expect=[404])
    booked = mine.request("POST", "/bookings", json={"slot_id": slot["id"], "places": 1},
                          expect=[409])
    assert booked.json()["code"] == "by_ballot"

    # before the draw: no seed, no entrants; a carer sees their own application
    before = ballot(world.gift_provider, slot).json()
    assert (before["status"], before["seed"], before["entries"], before["applicants"]) == (
        "open", None, [], 3)
    assert ballot(mine, slot).json()["mine"]["places"] == 2
    stranger = world.refer()
    for outsider in (stranger, world.provider, world.family, world.far_family):
        ballot(outsider, slot, expect=[404])  # not theirs: as if there were none

    close_ballot_applications(world.bookings_database, slot["id"])
    drawn = wait_until(lambda: (lambda r: r if r["status"] == "drawn" else None)(
        ballot(world.gift_provider, slot).json()), 30, message="the draw")
    assert drawn["seed"] and len(drawn["entries"]) == 3
    assert [e["position"] for e in drawn["entries"]] == [1, 2, 3]
    assert sum(e["places"] for e in drawn["entries"] if e["outcome"] == "won") <= 2
    assert apply(centres, slot, expect=[409]).json()["code"] == "applications_closed"
    assert centres.request("DELETE", path, expect=[409]).json()["code"] == \
        "applications_closed"

    carers = {mine.user_id: mine, centres.user_id: centres, far.user_id: far}

    def named(reader):
        record = ballot(reader, slot).json()
        assert record["seed"] == drawn["seed"]
        for entry in record["entries"]:
            if entry["family_id"] is None:  # anonymised: nothing that says who
                assert entry["display_name"] is None and entry["booking_id"] is None
            else:
                assert entry["display_name"] == carers[entry["family_id"]].record[
                    "display_name"]
        return {e["family_id"] for e in record["entries"]} - {None}

    everyone = set(carers)
    assert named(world.gift_provider) == everyone
    assert named(world.council_officer) == everyone  # their council's carers
    assert named(world.officer) == set()  # another council's officer
    assert named(world.referrer) == {mine.user_id, far.user_id}  # their centre's
    assert named(world.colleague) == {mine.user_id, far.user_id}
    assert named(world.other_centre) == {centres.user_id}
    assert named(world.far_referrer) == set()
    assert named(world.admin) == set()
    assert named(mine) == {mine.user_id}
    assert ballot(mine, slot).json()["mine"]["outcome"] in ("won", "lost")
    for outsider in (stranger, world.provider, world.family):
        ballot(outsider, slot, expect=[404])

    # the winners' bookings went through the saga
    for entry in ballot(world.gift_provider, slot).json()["entries"]:
        if entry["outcome"] == "won":
            booking = carers[entry["family_id"]].wait_for_booking(
                entry["booking_id"], {"confirmed", "rejected"})
            assert booking["status"] == "confirmed"


def test_a_ballot_needs_a_gifted_offer_and_a_close_before_the_slot(world):
    priced = world.gift_provider.request(
        "POST", "/offers/{}/slots".format(world.priced["id"]), json={"slots": [{
            "start": soon(30), "end": soon(30, 14), "capacity": 2, "allocation": "ballot",
            "applications_close_at": soon(29)}]}, expect=[422]).json()
    assert "allocation" in str(priced["errors"])
    late = world.gift_provider.request(
        "POST", "/offers/{}/slots".format(world.gift["id"]), json={"slots": [{
            "start": soon(30), "end": soon(30, 14), "capacity": 2, "allocation": "ballot",
            "applications_close_at": soon(31)}]}, expect=[422]).json()
    assert "applications_close_at" in str(late["errors"])
    world.gift_provider.request(
        "POST", "/offers/{}/slots".format(world.gift["id"]), json={"slots": [{
            "start": soon(30), "end": soon(30, 14), "capacity": 2, "allocation": "raffle"}]},
        expect=[422])
