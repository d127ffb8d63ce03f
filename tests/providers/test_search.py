"""Search on both database engines: the filters, the window, availability, order and pages."""
import pytest

from devtools.processes import wait_until
from seibiant_common.errors import InvalidInput
from services.providers import search

from .conftest import OFFICER, iso, later


def build(world):
    """Five offers; `E`'s provider is suspended, `B`'s first slot is sold out and `D`'s
    first slot withdrawn. Returns {letter: offer id} and {letter: [slot ids]}."""
    rpc = world.rpc
    _, first = world.provider(regions=("powys",))
    _, second = world.provider(regions=("ceredigion", "powys"))
    suspended, third = world.provider(regions=("powys",))
    offers = {
        "A": world.offer(first, title="Quiet café afternoon", title_cy="Prynhawn tawel yn y caffi",
                         category="hospitality_meal", price_pence=0,
                         accessibility=["wheelchair_access", "changing_places_toilet"],
                         supports_needs=["autism"]),
        "B": world.offer(first, title="Overnight short break", description="1:1 care",
                         title_cy="Seibiant dros nos", description_cy="Gŵyl fach",
                         category="overnight_stay", price_pence=12000,
                         accessibility=["wheelchair_access", "hoist"],
                         supports_needs=["autism", "complex_health"]),
        "C": world.offer(second, title="Beach 100% fun_day", region="ceredigion",
                         category="hospitality_activity", price_pence=500,
                         accessibility=["sensory_friendly"]),
        "D": world.offer(second, title="Saturday club", category="group_specialist",
                         price_pence=3000, supports_needs=["learning_disability"]),
        "E": world.offer(third, title="Quiet café too", price_pence=0),
    }
    slots = {
        "A": world.slots(first, offers["A"]["id"], (later(5), 2), (later(10), 2)),
        "B": world.slots(first, offers["B"]["id"], (later(2), 1), (later(6), 3), (later(40), 1)),
        "C": world.slots(second, offers["C"]["id"], (later(3), 5)),
        "D": world.slots(second, offers["D"]["id"], (later(4), 2), (later(8), 2)),
        "E": world.slots(third, offers["E"]["id"], (later(1), 5)),
    }
    assert rpc.reserve_places("sells-out-b", slots["B"][0]["id"], 1)["status"] == "reserved"
    rpc.reserve_places("one-of-a", slots["A"][0]["id"], 1)
    rpc.withdraw_slot(second, slots["D"][0]["id"])
    rpc.suspend_provider(OFFICER, suspended["id"], "inspection")
    return ({letter: offer["id"] for letter, offer in offers.items()},
            {letter: [slot["id"] for slot in found] for letter, found in slots.items()})


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_search(world_of, kind, monkeypatch):
    world = world_of(kind)
    offers, slots = build(world)
    check(world, offers, slots)
    # The same answers when the page is found by walking the slots (as with many offers),
    # a few slots at a time.
    monkeypatch.setattr(search, "FEW_OFFERS", 0)
    monkeypatch.setattr(search, "WALK_STEP", 2)
    check(world, offers, slots)


def check(world, offers, slots):
    letter_of = {offer_id: letter for letter, offer_id in offers.items()}

    def found(filters=None, limit=50, cursor=None):
        page = world.rpc.search(filters or {}, limit, cursor)
        return "".join(letter_of[item["id"]] for item in page["items"])

    # Soonest available slot first; B's sold-out slot and D's withdrawn one do not count,
    # and the suspended provider's E is not there at all.
    assert found() == "CABD"
    everything = {item["id"]: item for item in world.rpc.search({})["items"]}
    b = everything[offers["B"]]
    assert [slot["id"] for slot in b["slots"]] == slots["B"][1:]
    assert b["provider_name"] == "Tŷ Gwyn" and b["title_cy"] == "Seibiant dros nos"
    assert b["more_slots"] is False
    a = everything[offers["A"]]
    assert [(slot["start"], slot["remaining"]) for slot in a["slots"]] == [
        (iso(later(5)), 1), (iso(later(10)), 2)]

    assert found({"region": "powys"}) == "ABD"
    assert found({"region": "ceredigion"}) == "C"
    assert found({"category": "overnight_stay"}) == "B"
    assert found({"accessibility": ["wheelchair_access"]}) == "AB"
    assert found({"accessibility": ["wheelchair_access", "hoist"]}) == "B"
    assert found({"accessibility": ["hearing_loop"]}) == ""
    assert found({"needs": ["autism"]}) == "AB"
    assert found({"needs": ["autism", "complex_health"]}) == "B"
    assert found({"max_price_pence": 500}) == "CA"
    assert found({"max_price_pence": 0}) == "A"
    assert found({"q": "CAFÉ"}) == found({"q": "cafe"}) == found({"q": "caffi tawel"}) == "A"
    assert found({"q": "gwyl"}) == "B"  # Welsh description, without its circumflex
    assert found({"q": "100%"}) == found({"q": "fun_day"}) == "C"
    # LIKE's wildcards are plain characters: "1:1" and "cafe afternoon" would match them.
    assert found({"q": "1%1"}) == found({"q": "e_a"}) == ""
    assert found({"region": "powys", "max_price_pence": 5000, "needs": ["learning_disability"],
                  "q": "club"}) == "D"

    window = world.rpc.search({"from": iso(later(5, 0)), "to": iso(later(7, 0))})["items"]
    assert [(letter_of[item["id"]], [slot["start"] for slot in item["slots"]])
            for item in window] == [("A", [iso(later(5))]), ("B", [iso(later(6))])]
    assert found({"from": iso(later(9, 0))}) == "AB"
    assert found({"from": iso(later(-30)), "to": iso(later(3, 12))}) == "C"  # never the past

    pages, cursor = [], None
    while True:
        page = world.rpc.search({}, 1, cursor)
        pages.append("".join(letter_of[item["id"]] for item in page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == ["C", "A", "B", "D"]
    first = world.rpc.search({"region": "powys"}, 2)
    assert found({"region": "powys"}, 2, first["next_cursor"]) == "D"


def recorded_searches(world):
    """The searches the service has written, in `searches_made` events, oldest first."""
    return [search for event in world.outbox("searches_made")
            for search in event["payload"]["searches"]]


def test_a_new_search_is_recorded_with_what_it_found_and_never_who(world_of):
    world = world_of("postgresql")
    offers, _slots = build(world)
    assert recorded_searches(world) == []  # build searches nothing
    first = world.rpc.search({"region": "powys", "needs": ["autism", "autism"],
                              "q": "Quiet CAFÉ"}, 1, None, "powys")
    assert [item["id"] for item in first["items"]] == [offers["A"]]
    world.rpc.search({"accessibility": ["hearing_loop"]})
    # A later page is the same search, not another one.
    world.rpc.search({"region": "powys"}, 1, world.rpc.search({"region": "powys"}, 1)[
        "next_cursor"])
    # Written together, within a second or so, as one event (a search itself writes nothing).
    recorded = wait_until(lambda: len(recorded_searches(world)) == 3 and recorded_searches(
        world), 10, message="the searches written")
    assert len(world.outbox("searches_made")) < 3  # one, or two if a write fell between
    assert len({search.pop("search_id") for search in recorded}) == 3
    assert all(search.pop("searched_at") for search in recorded)
    assert recorded[0] == {
        "region": "powys", "category": None, "from": None, "to": None, "accessibility": [],
        "needs": ["autism"], "max_price_pence": None, "words": ["quiet", "cafe"],
        "offers_found": 1, "more_found": False, "council": "powys"}
    assert (recorded[1]["accessibility"], recorded[1]["offers_found"],
            recorded[1]["more_found"], recorded[1]["council"]) == (
        ["hearing_loop"], 0, False, None)
    assert [(found["offers_found"], found["more_found"]) for found in recorded[2:]] == [(1, True)]
    # nothing in it says who searched
    assert not {"user_id", "family_id", "actor"} & set(recorded[0])
    # What insight needs of a publication: the offer's area, each slot's places.
    published = next(event["payload"] for event in world.outbox("slots_published")
                     if event["payload"]["offer_id"] == offers["C"])
    assert published["region"] == "ceredigion"
    assert [slot["capacity"] for slot in published["slots"]] == [5]


def test_a_searcher_council_that_is_no_council_slug_is_refused(world_of):
    world = world_of("sqlite")
    with pytest.raises(InvalidInput) as refused:
        world.rpc.search({}, 10, None, "Not A Slug!")
    assert "council" in refused.value.errors
