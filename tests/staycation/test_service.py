"""The staycation service on the real broker and PostgreSQL (two instances): verification
first, two-way matches, a swap from proposal to agreement with the address shown only to the
agreed partner, messages and their recorded safeguarding read, a family's swaps for its
officer (nothing for another council's), a withdrawn verification pausing listings, the
double-acceptance race, the completion timer (two instances' timers complete each ended swap
once) and reviews (refused before completion, one per family and swap even at once, hidden
until both reviewed or 14 days passed)."""
import datetime
import json

import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcProxy

from devtools.processes import wait_until
from seibiant_common.errors import Conflict, Forbidden, NotFound
from services.staycation.models import swaps
from services.staycation.service import StaycationService

TODAY = datetime.datetime.now(datetime.timezone.utc).date()
START, END = TODAY + datetime.timedelta(days=30), TODAY + datetime.timedelta(days=60)
OFFICER = {"user_id": "officer-cardiff", "role": "officer", "council": "cardiff",
           "provider_id": None}


def family(name):
    return {"user_id": name, "role": "family", "council": "cardiff", "provider_id": None}


def day(offset):
    return (START + datetime.timedelta(days=offset)).isoformat()


def stay(first, last):
    return {"start_date": day(first), "end_date": day(last)}


def home_data(name, accessibility=(), adaptations=()):
    return {"title": "Home of " + name, "region": "cardiff", "sleeps": 4, "bedrooms": 2,
            "accessibility": list(accessibility), "adaptations": list(adaptations),
            "address": "{} Secret Lane, Cardiff".format(name)}


def two_instances(make_database_url, start_service, timer_seconds):
    """Two staycation instances on one PostgreSQL database; its URL."""
    url = make_database_url("postgresql", "staycation")
    for _ in range(2):
        start_service(StaycationService, DATABASES={"staycation": url},
                      SWAP_TIMER_SECONDS=timer_seconds)
    return url


@pytest.fixture
def staycation(make_database_url, start_service, service_config):
    url = two_instances(make_database_url, start_service, 3600)
    with ServiceRpcProxy("staycation", service_config, timeout=30) as proxy:
        yield proxy, url


def listed(rpc, name, needs=(), must_haves=(), **features):
    rpc.put_my_needs(family(name), {"needs": list(needs), "must_haves": list(must_haves)})
    rpc.verify_family(OFFICER, name)
    home = rpc.list_home(family(name), home_data(name, **features))
    rpc.set_availability(family(name), home["id"],
                         {"ranges": [{"start_date": START.isoformat(),
                                      "end_date": END.isoformat()}]})
    return home


def test_an_unverified_family_is_refused_with_the_reason(staycation):
    rpc, _ = staycation
    with pytest.raises(Conflict) as refused:
        rpc.list_home(family("nobody"), home_data("nobody"))
    assert refused.value.code == "not_verified"
    with pytest.raises(Conflict) as refused:
        rpc.verify_family({**OFFICER, "council": "powys"}, "nobody")
    assert refused.value.code == "may_not_verify"
    with pytest.raises(Forbidden):
        rpc.verify_family(family("other"), "nobody")


def test_two_way_match_proposal_agreement_and_the_address_only_for_the_partner(staycation):
    rpc, url = staycation
    mine = listed(rpc, "ann", needs=["physical_disability"],
                  accessibility=["quiet_space"], adaptations=["blackout_blinds"])
    theirs = listed(rpc, "bob", needs=["autism"],
                    accessibility=["wheelchair_access"], adaptations=["level_access_shower"])
    one_way = listed(rpc, "cat", needs=["sensory_impairment"],
                     accessibility=["wheelchair_access"], adaptations=["level_access_shower"])
    found = rpc.home_matches(family("ann"), mine["id"], day(0), day(10))["items"]
    assert [m["home"]["id"] for m in found] == [theirs["id"], one_way["id"]]
    assert found[0]["match"] == {
        "score": 100, "two_way": True, "fits_you": ["level_access_shower", "wheelchair_access"],
        "you_fit_them": ["blackout_blinds", "quiet_space"], "missing": []}
    assert found[1]["match"]["missing"] == [{"for": "them", "feature": "sensory_room"}]
    assert "Secret" not in json.dumps(found)

    swap = rpc.propose_swap(family("ann"), {"my_home_id": mine["id"],
                                            "their_home_id": theirs["id"],
                                            "my_stay": stay(1, 4), "their_stay": stay(1, 4)})
    assert swap["status"] == "proposed" and swap["partner"] is None
    rpc.post_message(family("bob"), swap["id"], {"text": "Is the garden fenced?"})
    with pytest.raises(NotFound):
        rpc.list_messages(family("cat"), swap["id"])
    assert [m["text"] for m in rpc.list_messages(family("ann"), swap["id"])["items"]] == [
        "Is the garden fenced?"]
    read = rpc.safeguarding_messages(OFFICER, swap["id"], "a concern was raised")
    assert len(read["items"]) == 1
    with sa.create_engine(url).connect() as connection:
        assert connection.execute(sa.text(
            "SELECT officer_id, reason FROM safeguarding_reads")).all() == [
            ("officer-cardiff", "a concern was raised")]

    with pytest.raises(Conflict):
        rpc.accept_swap(family("ann"), swap["id"])
    agreed = rpc.accept_swap(family("bob"), swap["id"])
    assert agreed["status"] == "agreed"
    assert agreed["partner"]["address"] == "ann Secret Lane, Cardiff"
    assert rpc.get_swap(family("ann"), swap["id"])["partner"]["address"] == (
        "bob Secret Lane, Cardiff")
    for other in (family("cat"), OFFICER):
        with pytest.raises((NotFound, Forbidden)):
            rpc.get_swap(other, swap["id"])
    assert "Secret" not in json.dumps(rpc.get_home(family("cat"), mine["id"]))
    # the agreed nights are taken: bob's home is no longer free for them
    assert theirs["id"] not in [m["home"]["id"] for m in rpc.home_matches(
        family("cat"), one_way["id"], day(1), day(4))["items"]]


def test_a_withdrawn_verification_pauses_the_family_listings(staycation):
    rpc, _ = staycation
    mine = listed(rpc, "ann")
    theirs = listed(rpc, "bob", adaptations=["ramp"])
    rpc.put_my_needs(family("ann"), {"needs": [], "must_haves": ["ramp"]})
    assert [m["home"]["id"] for m in rpc.home_matches(
        family("ann"), mine["id"], day(0), day(5))["items"]] == [theirs["id"]]
    # what bob's family requires, told after its home was listed, is what its home is
    # matched with
    rpc.put_my_needs(family("bob"), {"needs": ["sensory_impairment"], "must_haves": []})
    [found] = rpc.home_matches(family("ann"), mine["id"], day(0), day(5))["items"]
    assert found["match"]["missing"] == [{"for": "them", "feature": "sensory_room"}]
    answer = rpc.withdraw_verification(OFFICER, "bob")
    assert answer["verified"] is False
    assert rpc.list_my_homes(family("bob"))["items"][0]["status"] == "paused"
    assert rpc.home_matches(family("ann"), mine["id"], day(0), day(5))["items"] == []
    with pytest.raises(Conflict) as refused:
        rpc.propose_swap(family("bob"), {"my_home_id": theirs["id"],
                                         "their_home_id": mine["id"],
                                         "my_stay": stay(1, 3), "their_stay": stay(1, 3)})
    assert refused.value.code == "not_verified"
    rpc.verify_family(OFFICER, "bob")
    assert rpc.list_my_homes(family("bob"))["items"][0]["status"] == "listed"


def test_a_familys_swaps_newest_first_only_for_its_councils_officer_or_a_referrer_who_knows(
        staycation):
    rpc, _ = staycation
    ann, bob, cat = listed(rpc, "ann"), listed(rpc, "bob"), listed(rpc, "cat")
    first = rpc.propose_swap(family("ann"), {"my_home_id": ann["id"], "their_home_id": bob["id"],
                                             "my_stay": stay(1, 4), "their_stay": stay(6, 9)})
    rpc.post_message(family("ann"), first["id"], {"text": "Is the garden fenced?"})
    second = rpc.propose_swap(family("cat"), {"my_home_id": cat["id"],
                                              "their_home_id": ann["id"],
                                              "my_stay": stay(11, 13), "their_stay": stay(14, 16)})
    rpc.decline_swap(family("ann"), second["id"])
    found = rpc.list_family_swaps(OFFICER, "ann")
    # newest first; each stay as ann takes part in it: away, or hosting the other family
    assert found == {"next_cursor": None, "items": [
        {"id": second["id"], "status": "declined", "proposed_at": second["proposed_at"],
         "family_stay": stay(14, 16), "guest_stay": stay(11, 13)},
        {"id": first["id"], "status": "proposed", "proposed_at": first["proposed_at"],
         "family_stay": stay(1, 4), "guest_stay": stay(6, 9)}]}
    assert "Secret" not in json.dumps(found) and "garden" not in json.dumps(found)
    paged = rpc.list_family_swaps(OFFICER, "ann", limit=1)
    assert [s["id"] for s in paged["items"]] == [second["id"]]
    assert [s["id"] for s in rpc.list_family_swaps(
        OFFICER, "ann", limit=1, cursor=paged["next_cursor"])["items"]] == [first["id"]]
    assert [s["id"] for s in rpc.list_family_swaps(OFFICER, "bob")["items"]] == [first["id"]]
    # a referrer the gateway says knows the family sees them too; anyone else nothing
    referrer = {"user_id": "referrer-1", "role": "referrer", "council": "cardiff",
                "provider_id": None}
    assert len(rpc.list_family_swaps(referrer, "ann", True)["items"]) == 2
    for stranger, family_id in (({**OFFICER, "council": "powys"}, "ann"), (referrer, "ann"),
                                (OFFICER, "a-family-staycation-never-heard-of")):
        with pytest.raises(NotFound):
            rpc.list_family_swaps(stranger, family_id)
    for role in (family("ann"), {**OFFICER, "role": "provider"}):
        with pytest.raises(Forbidden):
            rpc.list_family_swaps(role, "ann")


def test_racing_acceptances_of_one_home_and_dates_agree_exactly_one(staycation):
    """Six families propose to ann for the same nights of her home; she accepts all six at
    once, across two instances: one is agreed, five refused as dates_taken."""
    rpc, url = staycation
    mine = listed(rpc, "ann")
    proposals = []
    for index in range(6):
        name = "guest{}".format(index)
        theirs = listed(rpc, name)
        proposals.append(rpc.propose_swap(family(name), {
            "my_home_id": theirs["id"], "their_home_id": mine["id"],
            "my_stay": stay(2, 5), "their_stay": stay(10 + index, 12 + index)})["id"])
    calls = [rpc.accept_swap.call_async(family("ann"), swap_id) for swap_id in proposals]
    agreed, refused = [], []
    for call in calls:
        try:
            agreed.append(call.result()["id"])
        except Conflict as error:
            refused.append(error.code)
    assert len(agreed) == 1 and refused == ["dates_taken"] * 5
    with sa.create_engine(url).connect() as connection:
        assert connection.execute(sa.text(
            "SELECT count(*) FROM swaps WHERE status = 'agreed'")).scalar() == 1


# --- the completion timer and reviews --------------------------------------------------------

@pytest.fixture
def timed_staycation(make_database_url, start_service, service_config):
    """Two instances whose timers look for ended swaps every 50 ms, at once."""
    engine = sa.create_engine(two_instances(make_database_url, start_service, 0.05))
    with ServiceRpcProxy("staycation", service_config, timeout=30) as proxy:
        yield proxy, engine
    engine.dispose()


def agreed_swap(rpc, proposer, partner, first=1):
    """An agreed swap between the two families' listed homes (listed here)."""
    mine, theirs = listed(rpc, proposer), listed(rpc, partner)
    swap = rpc.propose_swap(family(proposer), {
        "my_home_id": mine["id"], "their_home_id": theirs["id"],
        "my_stay": stay(first, first + 3), "their_stay": stay(first + 5, first + 8)})
    assert rpc.accept_swap(family(partner), swap["id"])["status"] == "agreed"
    return swap


def stays_ended(engine, *swap_ids, days_ago=1):
    """The clock has moved on: the swaps' stays are over (their last ended `days_ago`)."""
    end = TODAY - datetime.timedelta(days=days_ago)
    with engine.begin() as connection:
        connection.execute(swaps.update().where(swaps.c.id.in_(swap_ids)).values(
            proposer_stay_start=end - datetime.timedelta(days=9),
            proposer_stay_end=end - datetime.timedelta(days=6),
            partner_stay_start=end - datetime.timedelta(days=3), partner_stay_end=end))


def completions(engine):
    """{swap id: how many swap_completed events its outbox holds}."""
    with engine.connect() as connection:
        return dict(connection.execute(sa.text(
            "SELECT aggregate_id, count(*) FROM outbox_messages "
            "WHERE event_type = 'swap_completed' GROUP BY aggregate_id")).all())


def completed(rpc, name, swap_id):
    return rpc.get_swap(family(name), swap_id)["status"] == "completed"


def test_two_timers_complete_each_ended_agreed_swap_once(timed_staycation):
    rpc, engine = timed_staycation
    ended = [agreed_swap(rpc, "host{}".format(n), "guest{}".format(n))["id"]
             for n in range(6)]
    running = agreed_swap(rpc, "ann", "bob")["id"]  # its stays are still to come
    mine, theirs = listed(rpc, "cat"), listed(rpc, "dan")
    proposed = rpc.propose_swap(family("cat"), {  # never agreed
        "my_home_id": mine["id"], "their_home_id": theirs["id"],
        "my_stay": stay(1, 3), "their_stay": stay(1, 3)})["id"]
    stays_ended(engine, proposed, *ended)
    wait_until(lambda: all(completed(rpc, "host{}".format(n), swap_id)
                           for n, swap_id in enumerate(ended)), 30,
               message="the ended swaps completed")
    assert completions(engine) == {swap_id: 1 for swap_id in ended}
    answer = rpc.get_swap(family("host0"), ended[0])
    assert answer["completed_at"] and answer["partner"]["address"] == "guest0 Secret Lane, Cardiff"

    # one more swap ends later: by the time the timers have completed it they have looked
    # again and again, and the first six are still completed once each
    stays_ended(engine, running)
    wait_until(lambda: completed(rpc, "ann", running), 30, message="the later swap completed")
    assert completions(engine) == dict({swap_id: 1 for swap_id in ended}, **{running: 1})
    assert rpc.get_swap(family("cat"), proposed)["status"] == "proposed"


def review(rpc, name, swap_id, rating=5, comment=None):
    return rpc.review_swap(family(name), swap_id, {"home_rating": rating,
                                                   "guests_rating": rating,
                                                   "comment": comment})


def test_reviews_come_after_completion_once_each_and_show_when_both_or_after_14_days(
        timed_staycation):
    rpc, engine = timed_staycation
    swap = agreed_swap(rpc, "ann", "bob")
    with pytest.raises(Conflict) as refused:
        review(rpc, "ann", swap["id"])
    assert refused.value.code == "not_completed"
    stays_ended(engine, swap["id"])
    wait_until(lambda: completed(rpc, "ann", swap["id"]), 30, message="the swap completed")
    ann_home, bob_home = swap["proposer_home_id"], swap["partner_home_id"]

    given = review(rpc, "ann", swap["id"], 4, "Lovely wet room")
    assert (given["home_id"], given["family_id"], given["home_rating"]) == (bob_home, "ann", 4)
    with pytest.raises(Conflict) as refused:
        review(rpc, "ann", swap["id"], 1, "again")
    assert refused.value.code == "review_given"
    with pytest.raises((NotFound, Forbidden)):
        review(rpc, "eve", swap["id"])
    # hidden while only one family has reviewed: neither answers the other's
    listed(rpc, "eve")
    for reader in (family("eve"), family("bob"), family("ann")):
        assert rpc.home_reviews(reader, bob_home)["items"] == []
    review(rpc, "bob", swap["id"], 5, "Kind guests")
    [of_bob_home] = rpc.home_reviews(family("eve"), bob_home)["items"]
    assert (of_bob_home["family_id"], of_bob_home["comment"]) == ("ann", "Lovely wet room")
    [of_ann_home] = rpc.home_reviews(family("eve"), ann_home)["items"]
    assert (of_ann_home["family_id"], of_ann_home["comment"]) == ("bob", "Kind guests")

    # one family reviews, the other never does: shown 14 days after completion
    later = agreed_swap(rpc, "cat", "dan")
    stays_ended(engine, later["id"])
    wait_until(lambda: completed(rpc, "cat", later["id"]), 30, message="completed")
    review(rpc, "cat", later["id"], 3, "Fine")
    assert rpc.home_reviews(family("eve"), later["partner_home_id"])["items"] == []
    with engine.begin() as connection:
        connection.execute(sa.text(  # 14 days have passed since it completed
            "UPDATE swaps SET completed_at = completed_at - interval '14 days 1 minute' "
            "WHERE id = :swap"), {"swap": later["id"]})
    [shown] = rpc.home_reviews(family("eve"), later["partner_home_id"])["items"]
    assert shown["comment"] == "Fine"

    # one family's twenty reviews sent at once, across the two instances: one is kept (a
    # check before the insert alone let a second through: a unique violation, not a refusal)
    calls = [rpc.review_swap.call_async(family("dan"), later["id"], {
        "home_rating": rating, "guests_rating": rating, "comment": str(rating)})
        for rating in [1, 2, 3, 4, 5] * 4]
    kept, refused = [], []
    for call in calls:
        try:
            kept.append(call.result()["comment"])
        except Conflict as error:
            refused.append(error.code)
    assert len(kept) == 1 and refused == ["review_given"] * 19
    with engine.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT comment FROM reviews WHERE swap_id = :swap AND family_id = 'dan'"),
            {"swap": later["id"]}).scalars().all() == kept
