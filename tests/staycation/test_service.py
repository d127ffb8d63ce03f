"""The staycation service on the real broker and PostgreSQL (two instances): verification
first, two-way matches, a swap from proposal to agreement with the address shown only to the
agreed partner, messages and their recorded safeguarding read, a withdrawn verification
pausing listings, and the double-acceptance race."""
import datetime
import json

import pytest
import sqlalchemy as sa
from nameko.standalone.rpc import ServiceRpcProxy

from seibiant_common.errors import Conflict, Forbidden, NotFound
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


@pytest.fixture
def staycation(make_database_url, start_service, service_config):
    url = make_database_url("postgresql", "staycation")
    for _ in range(2):
        start_service(StaycationService, DATABASES={"staycation": url},
                      SWAP_TIMER_SECONDS=3600)
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
