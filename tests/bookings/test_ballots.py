"""The ballot's rules alone: the draw favours carers with fewer gifted breaks in every seed,
is random among equals, and is reproducible from its seed; who may apply and when."""
import datetime
import hashlib
import itertools
import random

import pytest

from seibiant_common.refusals import Invalid, NotAllowed, WrongRole
from services.bookings import ballots
from services.bookings.ballots import ALLOWANCE_USED, LOST, WON, Entrant

UTC = datetime.timezone.utc
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SEEDS = ["seed-{}".format(n) for n in range(200)]


def entrants(gifts, places=1, left=1):
    return [Entrant("application-{:02}".format(n), places, given, left)
            for n, given in enumerate(gifts)]


def winners(drawn):
    return [d.entrant.application_id for d in drawn if d.outcome == WON]


@pytest.mark.parametrize("seed", SEEDS)
def test_carers_with_fewer_gifts_are_drawn_first_in_every_seed(seed):
    field = entrants([1] * 10 + [0] * 3 + [2] * 7)
    drawn = ballots.draw(seed, field, capacity=3)
    # the three with no gift this year win; then everyone with one, then with two
    assert sorted(winners(drawn)) == ["application-10", "application-11", "application-12"]
    assert [d.entrant.gifts for d in drawn] == sorted(e.gifts for e in field)
    assert [d.position for d in drawn] == list(range(1, 21))


def test_the_same_seed_gives_the_same_draw_whatever_order_the_entrants_come_in():
    field = entrants([0] * 12 + [1] * 8)
    first = ballots.draw("a recorded seed", field, capacity=3)
    shuffled = list(field)
    random.Random(7).shuffle(shuffled)
    assert ballots.draw("a recorded seed", shuffled, capacity=3) == first


def test_anyone_can_recompute_the_order_from_the_seed_with_sha256():
    field = entrants([0] * 5)
    drawn = ballots.draw("s33d", field, capacity=2)
    tickets = {e.application_id: hashlib.sha256(
        "s33d:{}".format(e.application_id).encode()).hexdigest() for e in field}
    assert [d.entrant.application_id for d in drawn] == sorted(tickets, key=tickets.get)
    assert [d.ticket for d in drawn] == sorted(tickets.values())


def test_among_equals_the_draw_is_random_every_one_winning_in_some_seed():
    field = entrants([0] * 6)
    won = set(itertools.chain.from_iterable(
        winners(ballots.draw(seed, field, capacity=1)) for seed in SEEDS))
    assert won == {e.application_id for e in field}


def test_places_go_down_the_order_to_whoever_still_fits_and_the_allowance_is_kept():
    field = [Entrant("a", 2, 0, 1), Entrant("b", 3, 0, 1), Entrant("c", 1, 1, 1),
             Entrant("d", 1, 0, 0)]
    for seed in SEEDS[:50]:
        drawn = {d.entrant.application_id: d.outcome
                 for d in ballots.draw(seed, field, capacity=3)}
        assert drawn["d"] == ALLOWANCE_USED  # no gift left this year: passed over
        given = sum(e.places for e in field if drawn[e.application_id] == WON)
        assert given <= 3
        # a and b cannot both win (5 places); c (a gift already) wins only what is left
        assert (drawn["a"], drawn["b"]) in ((WON, LOST), (LOST, WON))
        assert drawn["c"] == (WON if drawn["a"] == WON else LOST)


def test_no_entrant_is_no_winner():
    assert ballots.draw("seed", [], capacity=3) == []


def ballot(close_in_hours=2):
    return ballots.Ballot("slot-1", "offer-1", "provider-1", 3,
                          NOW + datetime.timedelta(hours=close_in_hours),
                          NOW + datetime.timedelta(days=5), "seed")


def test_applications_are_taken_until_the_close_for_at_most_the_slots_places():
    ballot().check_open(NOW)
    with pytest.raises(NotAllowed) as closed:
        ballot(close_in_hours=0).check_open(NOW)
    assert closed.value.code == "applications_closed"
    drawn = ballot()
    drawn.status = ballots.DRAWN
    with pytest.raises(NotAllowed):
        drawn.check_open(NOW)
    with pytest.raises(Invalid) as too_many:
        ballot().check_places(4)
    assert "places" in too_many.value.errors


def test_a_carer_applies_for_themselves_and_a_referrer_for_a_carer_of_their_centre():
    carer = {"role": "family", "user_id": "carer-1"}
    assert ballots.applicant(carer) == "carer-1"
    assert ballots.applicant(carer, "carer-1") == "carer-1"
    with pytest.raises(Invalid) as refused:
        ballots.applicant(carer, "carer-2")
    assert "family_id" in refused.value.errors
    referrer = {"role": "referrer", "user_id": "r", "carer_ids": ["carer-1"]}
    assert ballots.applicant(referrer, "carer-1") == "carer-1"
    for someone in (None, "carer-2"):  # nobody named, or another centre's carer
        with pytest.raises(Invalid) as refused:
            ballots.applicant(referrer, someone)
        assert "family_id" in refused.value.errors
    for role in ("provider", "officer", "admin"):
        with pytest.raises(WrongRole):
            ballots.applicant({"role": role, "user_id": "someone"}, "carer-1")


def test_who_sees_the_record_and_whose_names():
    record = ballot()
    mine = ballots.Application("app-1", "slot-1", "carer-1", "powys", 1, NOW)
    provider = {"role": "provider", "provider_id": "provider-1"}
    assert ballots.may_see(record, provider, False) and ballots.names(provider, record, mine)
    other_provider = {"role": "provider", "provider_id": "provider-2"}
    assert not ballots.may_see(record, other_provider, False)
    for role, seen, named in [
            ({"role": "officer", "council": "powys"}, True, True),
            ({"role": "officer", "council": "flintshire"}, True, False),
            ({"role": "referrer", "carer_ids": ["carer-1"]}, True, True),
            ({"role": "referrer", "carer_ids": ["carer-2"]}, True, False),
            ({"role": "admin"}, True, False)]:
        assert (ballots.may_see(record, role, False), ballots.names(role, record, mine)) == (
            seen, named)
    carer, stranger = ({"role": "family", "user_id": u} for u in ("carer-1", "carer-2"))
    assert ballots.may_see(record, carer, True) and ballots.names(carer, record, mine)
    assert not ballots.may_see(record, stranger, False)
    assert not ballots.names(stranger, record, mine)
