"""The staycation rules, pure: matching on a small world of homes and families (every reason
asserted), availability, and each step of a swap."""
import datetime
import random

import pytest

from seibiant_common.refusals import Invalid, NotAllowed, WrongRole
from seibiant_common.vocabularies import ACCESSIBILITY_FEATURES, ADAPTATIONS, HOME_FEATURES
from services.staycation import domain
from services.staycation.domain import Home, Swap, match, ranked, required

NOW = datetime.datetime(2027, 3, 1, 9, tzinfo=datetime.timezone.utc)
D = datetime.date


def actor(family):
    return {"role": "family", "user_id": family, "council": "cardiff"}


APRIL = ((D(2027, 4, 1), D(2027, 5, 1)),)


def home(family, accessibility=(), adaptations=(), ranges=APRIL):
    data = dict(title="Home of " + family, region="cardiff", sleeps=4, bedrooms=2,
                accessibility=list(accessibility), adaptations=list(adaptations),
                suits_needs=[], description="", title_cy=None, description_cy=None,
                house_rules="", pets_welcome=False, smoking=False, address="1 Secret Street")
    made, events = Home.new(actor(family), True, data, NOW)
    made.set_availability([{"start_date": s, "end_date": e} for s, e in ranges],
                          NOW.date(), NOW)
    return made


# --- matching ------------------------------------------------------------------------------

def test_required_is_the_needs_features_and_the_must_haves():
    assert required(["physical_disability", "autism"], ["hoist"]) == {
        "wheelchair_access", "level_access_shower", "quiet_space", "blackout_blinds", "hoist"}
    assert required([], []) == frozenset()


# A small world: my family (physical disability, must have a hoist) and my home (quiet,
# blackout blinds); three other homes, whose families need what is named.
MINE = required(["physical_disability"], ["hoist"])
MY_FEATURES = frozenset({"quiet_space", "blackout_blinds", "ground_floor"})


def test_a_two_way_match_names_every_reason():
    found = match(MINE, MY_FEATURES, required(["autism"], []),
                  frozenset({"wheelchair_access", "level_access_shower", "hoist", "ramp"}), "a")
    assert found.as_dict() == {
        "score": 100, "two_way": True,
        "fits_you": ["hoist", "level_access_shower", "wheelchair_access"],
        "you_fit_them": ["blackout_blinds", "quiet_space"], "missing": []}


def test_a_one_way_match_says_what_is_missing_and_for_whom():
    found = match(MINE, MY_FEATURES, required(["sensory_impairment", "dementia"], []),
                  frozenset({"wheelchair_access", "hoist"}), "b")
    assert found.fits_you == ["hoist", "wheelchair_access"]
    assert found.you_fit_them == ["ground_floor"]
    assert found.missing == [{"for": "you", "feature": "level_access_shower"},
                             {"for": "them", "feature": "sensory_room"}]
    assert found.two_way is False
    assert found.score == 100 * 3 // 5


def test_matches_rank_two_way_first_then_by_score_and_drop_no_fit():
    two_way = match(frozenset({"ramp"}), frozenset(), frozenset(), frozenset({"ramp"}), "z")
    high = match(MINE, MY_FEATURES, frozenset({"quiet_space"}),
                 frozenset({"wheelchair_access", "hoist"}), "c")
    low = match(MINE, MY_FEATURES, frozenset({"sensory_room"}), frozenset({"hoist"}), "d")
    none = match(frozenset({"ramp"}), frozenset(), frozenset({"hoist"}), frozenset(), "e")
    assert [m.home_id for m in ranked([low, none, high, two_way])] == ["z", "c", "d"]
    assert (high.score, low.score) == (75, 25)


def test_features_are_stored_as_bits_of_an_append_only_vocabulary():
    # every feature once; the positions are what homes and families store (never reordered:
    # a value added to either vocabulary goes at the end)
    assert set(HOME_FEATURES) == set(ACCESSIBILITY_FEATURES) | set(ADAPTATIONS)
    assert len(HOME_FEATURES) == len(set(HOME_FEATURES)) <= 31  # an SQL integer
    assert HOME_FEATURES[:3] == ("wheelchair_access", "hoist", "changing_places_toilet")
    assert HOME_FEATURES[-1] == "wide_doorways"
    assert domain.feature_mask(["wheelchair_access", "hoist"]) == 0b11
    assert domain.features_of(domain.feature_mask(MY_FEATURES)) == MY_FEATURES
    made = home("a", ["quiet_space"], ["hoist", "wet_room"])
    assert domain.features_of(made.features_mask) == {"quiet_space", "hoist", "wet_room"}
    made.change({"adaptations": []}, NOW)
    assert domain.features_of(made.features_mask) == {"quiet_space"}
    family = domain.Family("f")
    family.tell_needs(["autism"], ["ramp"])
    assert domain.features_of(family.requires_mask) == family.requires == {
        "quiet_space", "blackout_blinds", "ramp"}


def test_the_mask_prefilter_keeps_exactly_what_ranking_keeps():
    # every pair of small requirement and feature sets over four features, both ways
    few = ("hoist", "ramp", "quiet_space", "wet_room")
    subsets = [frozenset(f for bit, f in enumerate(few) if n >> bit & 1) for n in range(16)]
    mask = domain.feature_mask
    for mine in subsets:
        for theirs in subsets[::3]:
            for features in subsets[::5]:
                for their_features in subsets:
                    kept = bool(ranked([match(mine, features, theirs, their_features, "x")]))
                    assert domain.may_match(mask(mine), mask(features), mask(theirs),
                                            mask(their_features)) is kept


def test_the_best_chosen_on_masks_are_the_first_that_ranking_gives():
    rng = random.Random(7)
    mask = domain.feature_mask

    def some(most):
        return frozenset(rng.sample(HOME_FEATURES, rng.randint(0, most)))
    for _ in range(40):
        mine, features = some(4), some(6)
        world = [("h{:03d}".format(n), some(4), some(8)) for n in range(120)]
        expected = ranked(match(mine, features, theirs, their_features, home_id)
                          for home_id, theirs, their_features in world)
        for home_id, theirs, their_features in world:
            found = match(mine, features, theirs, their_features, home_id)
            assert domain.standing(mask(mine), mask(features), mask(theirs),
                                   mask(their_features)) == (found.two_way, found.score)
        chosen = domain.best(mask(mine), mask(features), [
            (home_id, mask(theirs), mask(their_features))
            for home_id, theirs, their_features in world], 10)
        assert [home_id for home_id, _t, _f in chosen] == [m.home_id for m in expected[:10]]


def test_free_in_sees_nights_not_blocked_by_an_agreed_swap():
    ranges = [{"start_date": D(2027, 4, 1), "end_date": D(2027, 4, 10)}]
    assert domain.free_in(ranges, [], D(2027, 4, 9), D(2027, 4, 20))
    assert not domain.free_in(ranges, [], D(2027, 4, 10), D(2027, 4, 20))
    assert not domain.free_in(ranges, [(D(2027, 4, 1), D(2027, 4, 10))],
                              D(2027, 4, 1), D(2027, 4, 20))
    assert domain.free_in(ranges, [(D(2027, 4, 1), D(2027, 4, 9))],
                          D(2027, 4, 1), D(2027, 4, 20))


def test_availability_ranges_must_not_overlap_nor_be_past():
    with pytest.raises(Invalid):
        home("f", ranges=((D(2027, 4, 1), D(2027, 4, 10)), (D(2027, 4, 9), D(2027, 4, 12))))
    with pytest.raises(Invalid):
        home("f", ranges=((D(2027, 2, 1), D(2027, 4, 10)),))


# --- verification and listing -----------------------------------------------------------

def test_an_unverified_family_is_refused_with_the_reason():
    with pytest.raises(NotAllowed) as refused:
        Home.new(actor("f"), False, {}, NOW)
    assert refused.value.code == "not_verified"
    assert "verified for swaps" in refused.value.detail


def test_who_may_verify():
    assert domain.may_verify({"role": "officer", "council": "cardiff"}, "cardiff", False)
    assert not domain.may_verify({"role": "officer", "council": "powys"}, "cardiff", True)
    assert domain.may_verify({"role": "referrer"}, "cardiff", True)
    assert not domain.may_verify({"role": "referrer"}, "cardiff", False)
    assert not domain.may_verify({"role": "family"}, "cardiff", True)


def test_a_paused_home_resumes_but_a_withdrawn_one_stays_withdrawn():
    made = home("f")
    made.pause(NOW)
    assert made.status == domain.PAUSED
    made.resume(NOW)
    assert made.status == domain.LISTED
    made.withdraw(NOW)
    made.resume(NOW)
    assert made.status == domain.WITHDRAWN
    with pytest.raises(NotAllowed):
        made.change({"title": "x"}, NOW)


# --- swaps ---------------------------------------------------------------------------------

def stay(start, end):
    return {"start_date": start, "end_date": end}


def proposed():
    mine, theirs = home("a"), home("b")
    swap, events = Swap.propose(actor("a"), True, mine, theirs,
                                stay(D(2027, 4, 5), D(2027, 4, 8)),
                                stay(D(2027, 4, 5), D(2027, 4, 8)), NOW)
    assert [e.type for e in events] == ["swap_proposed"]
    return swap, mine, theirs


def test_a_proposal_needs_both_homes_free_and_listed():
    mine, theirs = home("a"), home("b")
    with pytest.raises(Invalid) as refused:
        Swap.propose(actor("a"), True, mine, theirs, stay(D(2027, 5, 5), D(2027, 5, 8)),
                     stay(D(2027, 4, 5), D(2027, 4, 8)), NOW)
    assert "my_stay" in refused.value.errors
    with pytest.raises(Invalid):
        Swap.propose(actor("a"), True, theirs, mine, stay(D(2027, 4, 5), D(2027, 4, 8)),
                     stay(D(2027, 4, 5), D(2027, 4, 8)), NOW)
    theirs.pause(NOW)
    with pytest.raises(NotAllowed):
        Swap.propose(actor("a"), True, mine, theirs, stay(D(2027, 4, 5), D(2027, 4, 8)),
                     stay(D(2027, 4, 5), D(2027, 4, 8)), NOW)
    with pytest.raises(NotAllowed):
        Swap.propose(actor("a"), False, mine, home("b"), stay(D(2027, 4, 5), D(2027, 4, 8)),
                     stay(D(2027, 4, 5), D(2027, 4, 8)), NOW)


def test_only_the_partner_accepts_and_dates_taken_refuse():
    swap, mine, theirs = proposed()
    with pytest.raises(NotAllowed):
        swap.accept(actor("a"), True, [mine, theirs], [], NOW)
    with pytest.raises(NotAllowed) as refused:
        swap.accept(actor("b"), True, [mine, theirs],
                    [(theirs.id, D(2027, 4, 7), D(2027, 4, 9))], NOW)
    assert refused.value.code == "dates_taken"
    assert not swap.may_see_address(actor("a"))
    assert [e.type for e in swap.accept(actor("b"), True, [mine, theirs], [], NOW)] == [
        "swap_agreed"]
    assert swap.may_see_address(actor("a")) and swap.may_see_address(actor("b"))
    assert not swap.may_see_address(actor("c"))
    with pytest.raises(NotAllowed):
        swap.decline(actor("b"), NOW)


def test_cancel_only_before_the_first_stay_and_complete_after_the_last():
    swap, mine, theirs = proposed()
    swap.accept(actor("b"), True, [mine, theirs], [], NOW)
    started = datetime.datetime(2027, 4, 5, tzinfo=datetime.timezone.utc)
    with pytest.raises(NotAllowed):
        swap.cancel(actor("a"), started)
    assert swap.complete(datetime.datetime(2027, 4, 7, tzinfo=datetime.timezone.utc)) == []
    ended = datetime.datetime(2027, 4, 8, tzinfo=datetime.timezone.utc)
    assert [e.type for e in swap.complete(ended)] == ["swap_completed"]
    assert swap.complete(ended) == []
    assert swap.status == domain.COMPLETED


def test_messages_only_between_the_two_while_it_lives():
    swap, mine, theirs = proposed()
    domain.check_message(swap, actor("b"), "hello")
    with pytest.raises(NotAllowed):
        domain.check_message(swap, actor("c"), "hello")
    with pytest.raises(Invalid):
        domain.check_message(swap, actor("a"), " ")
    swap.decline(actor("b"), NOW)
    with pytest.raises(NotAllowed):
        domain.check_message(swap, actor("a"), "hello")


def test_a_message_is_told_as_who_wrote_never_what():
    swap, mine, theirs = proposed()
    message = domain.Message("m1", swap.id, "b", "our address is secret", NOW)
    event = domain.message_posted(swap, message)
    assert event.type == "swap_message_posted"
    assert event.payload == {"swap_id": swap.id, "message_id": "m1",
                             "proposer_family_id": "a", "partner_family_id": "b", "by": "b",
                             "at": NOW}


def test_reviews_after_completion_shown_when_both_or_after_14_days():
    swap, mine, theirs = proposed()
    with pytest.raises(NotAllowed):
        domain.check_review(swap, actor("a"), False)
    swap.accept(actor("b"), True, [mine, theirs], [], NOW)
    ended = datetime.datetime(2027, 4, 8, tzinfo=datetime.timezone.utc)
    swap.complete(ended)
    domain.check_review(swap, actor("a"), False)
    with pytest.raises(NotAllowed):
        domain.check_review(swap, actor("a"), True)
    with pytest.raises(WrongRole):
        domain.check_review(swap, {"role": "officer"}, False)
    assert not domain.reviews_shown(swap, 1, ended + datetime.timedelta(days=13))
    assert domain.reviews_shown(swap, 1, ended + datetime.timedelta(days=14))
    assert domain.reviews_shown(swap, 2, ended)
