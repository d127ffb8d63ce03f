"""The demo seed through the live gateway: a small world with bookings in each reachable
state, and nothing at all the second time."""
import pytest

from tools import seed
from gateway.client import Client

from .conftest import ADMIN_PASSWORD, fresh_vhost, start_system, stop_system

pytestmark = pytest.mark.e2e  # the whole system, of its own


@pytest.fixture(scope="module")
def api(tmp_path_factory, rabbitmq):
    """An empty system of its own: the seed does nothing where there is data."""
    with fresh_vhost() as amqp_uri:
        system = start_system(amqp_uri, tmp_path_factory.mktemp("seed"))
        yield system.api
        stop_system(system)


def test_the_seed_makes_a_small_world_once(api):
    bookings = seed.seed(api.base_url, ADMIN_PASSWORD)
    states = {(b["status"], b.get("reason")) for b in bookings}
    assert states == {("confirmed", None), ("awaiting_approval", None),
                      ("rejected", "declined"), ("rejected", "insufficient_funds"),
                      ("rejected", "sold_out"), ("cancelled", None), ("completed", None)}
    officer = Client(api.base_url).signed_in("powys.officer", seed.DEMO_PASSWORD)
    # three families with budgets, a referred carer and one who asked to join
    assert len(officer.get("/families")["items"]) == 5
    referrer = Client(api.base_url).signed_in("powys.referrer", seed.DEMO_PASSWORD)
    assert [carer["username"] for carer in referrer.get("/carers")["items"]] == ["lewis.carer"]
    assert [carer["username"] for carer in referrer.get("/carers/self-referrals")["items"]] \
        == ["owen.carer"]
    carer = Client(api.base_url).signed_in("lewis.carer", seed.DEMO_PASSWORD)
    assert carer.get("/gifted-allowance")["left"] == seed.POWYS_GIFTS_A_YEAR - 1
    assert carer.get("/bookings")["items"][0]["booked_by"] == referrer.user_id
    assert len(officer.get("/providers", params={"status": "pending"})["items"]) == 0
    flintshire = Client(api.base_url).signed_in("flintshire.officer", seed.DEMO_PASSWORD)
    assert len(flintshire.get("/providers", params={"status": "pending"})["items"]) == 1
    offers = officer.get("/offers", params={"limit": 200})["items"]
    # every offer of every approved provider: each has places left in the search's window
    assert sorted(offer["title"] for offer in offers) == sorted(
        title for username, *_, provider_offers in seed.PROVIDERS
        if username not in seed.PENDING for title, *_ in provider_offers)
    # and each in Welsh too, so that the Welsh pages are Welsh
    assert all(offer["title_cy"] == seed.WELSH[offer["title"]] and
               offer["description_cy"] == seed.WELSH[offer["description"]] for offer in offers)
    # the two swap families find each other's home as a two-way match
    jones, evans = (Client(api.base_url).signed_in(name, seed.DEMO_PASSWORD)
                    for name in ("jones.family", "evans.family"))
    (home,) = jones.get("/homes")["items"]
    window = home["availability"][0]
    (found,) = jones.get("/homes/matches", params={
        "home_id": home["id"], "from": window["start_date"], "to": window["end_date"]})["items"]
    assert found["home"]["id"] == evans.get("/homes")["items"][0]["id"]
    assert found["match"]["two_way"] is True
    assert seed.seed(api.base_url, ADMIN_PASSWORD) is None
