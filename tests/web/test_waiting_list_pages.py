"""A waiting list in a real browser, in Welsh and with the keyboard alone: a family finds a
gifted break full, joins its waiting list (a wrong number first), sees its place in line;
when a place comes free it is offered, and the family accepts it on the booking's page
before its time is up. Every page is checked with axe, and fits a 320 px phone."""
import requests
from playwright.sync_api import expect

from devtools.processes import wait_until

from .conftest import AXE_SCRIPT
from .people import Person
from .test_service_pages import _signed_in, csrf_of

START = "2099-08-{:02d}T11:00:00+00:00"


def full_gifted_slot(api, world):
    """A provider's gifted offer with one time of one place, booked by another carer."""
    suffix = world["suffix"]
    answer = api.post(None, "/providers", {
        "username": "barn-" + suffix, "password": "barn-password-1", "name": "Ysgubor " + suffix,
        "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(answer["id"]), {},
             status=200)
    token = api.token("barn-" + suffix, "barn-password-1")
    offer = api.post(token, "/offers", {"title": "Tea in the barn " + suffix,
                                        "category": "hospitality_meal", "price_pence": 0,
                                        "region": world["council"]})
    [slot] = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [
        {"start": START.format(3), "end": START.format(3).replace("T11", "T13"),
         "capacity": 1}]})["items"]
    other = {"username": "other-" + suffix, "password": "other-password-1",
             "display_name": "Owain Other"}
    api.post(world["officer_token"], "/families", other)
    other_token = api.token(other["username"], other["password"])
    booked = api.post(other_token, "/bookings", {"slot_id": slot["id"], "places": 1},
                      status=202)
    wait_until(lambda: _get(api, other_token, "/bookings/" + booked["id"])["status"]
               == "confirmed", 20, interval=0.2, message="the other carer's booking")
    return offer, slot, other_token, booked


def _get(api, token, path):
    return requests.get(api.base_url + "/api/v1" + path, timeout=10,
                        headers={"Authorization": "Bearer " + token}).json()


def test_a_family_joins_a_full_breaks_waiting_list_and_accepts_the_place_offered(
        live_system, world, api, new_page, browser, pages):
    offer, slot, other_token, booked = full_gifted_slot(api, world)
    token = api.token(world["family"]["username"], world["family"]["password"])
    requests.patch(api.base_url + "/api/v1/me", json={"language": "cy"}, timeout=10,
                   headers={"Authorization": "Bearer " + token}).raise_for_status()
    waiting_path = "/breaks/{}/slots/{}/waiting-list".format(offer["id"], slot["id"])

    family = Person(new_page("cy"), pages, "cy", keyboard=True)
    family.sign_in(live_system, world["family"]["username"], world["family"]["password"])
    family.open(live_system + "/breaks/" + offer["id"])
    family.activate('main a[href="{}"]'.format(waiting_path), "waiting-list")
    family.sees("This time is full. Join the waiting list, and if a place comes free it may "
                "be offered to you.")
    family.fill("#places", "0")
    family.submit("main form")
    family.sees("Enter how many places you need, as a whole number from 1 to 100")
    family.fill("#places", "1")
    family.submit("main form", "waiting-list-joined")
    family.sees("You are number %(place)s in line", place="1")

    # a place comes free: it is offered to the family, first in line
    requests.post(api.base_url + "/api/v1/bookings/{}/cancel".format(booked["id"]), json={},
                  timeout=10, headers={"Authorization": "Bearer " + other_token}
                  ).raise_for_status()
    entry = wait_until(lambda: (lambda e: e if e["status"] == "offered" else None)(
        _get(api, token, "/slots/{}/waiting-list".format(slot["id"]))), 20, interval=0.2,
        message="the offer")
    family.open(live_system + waiting_path)
    family.activate('main a[href="/bookings/{}"]'.format(entry["booking_id"]), "offer")
    family.sees("Answer the offer")
    family.sees("Offered")
    family.submit('form[action="/bookings/{}/accept"]'.format(entry["booking_id"]))
    expect(family.page.locator("#booking-status")).to_contain_text(family._("Confirmed"),
                                                                   timeout=15000)
    family.open(live_system + waiting_path)
    family.sees("You accepted a place on this break: see your booking")

    # the waiting list's page on a phone
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    phone = Person(context.new_page(), pages, "cy")
    phone.sign_in(live_system, world["family"]["username"], world["family"]["password"])
    phone.open(live_system + waiting_path)
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()



def test_a_family_declines_the_place_offered_and_leaves_the_list(live_system, world, api):
    offer, slot, other_token, booked = full_gifted_slot(api, world)
    token = api.token(world["family"]["username"], world["family"]["password"])
    api.post(token, "/slots/{}/waiting-list".format(slot["id"]), {"places": 1})
    api.post(other_token, "/bookings/{}/cancel".format(booked["id"]), {}, status=200)
    entry = wait_until(lambda: (lambda e: e if e["status"] == "offered" else None)(
        _get(api, token, "/slots/{}/waiting-list".format(slot["id"]))), 20, interval=0.2,
        message="the offer")
    family, _home = _signed_in(live_system, world["family"]["username"],
                               world["family"]["password"])
    page = family.get(live_system + "/bookings/" + entry["booking_id"], timeout=10).text
    assert 'action="/bookings/{}/accept"'.format(entry["booking_id"]) in page
    assert 'href="/bookings/{}/cancel"'.format(entry["booking_id"]) in page
    asked = family.get(live_system + "/bookings/{}/cancel".format(entry["booking_id"]),
                       timeout=10).text
    assert "Are you sure you want to decline this place?" in asked
    declined = family.post(live_system + "/bookings/{}/cancel".format(entry["booking_id"]),
                           timeout=10, data={"csrf_token": csrf_of(asked)})
    assert "You declined the place. It goes to the next family on the waiting list." in \
        declined.text
    assert _get(api, token, "/slots/{}/waiting-list".format(slot["id"]))["status"] == \
        "declined"
    again = family.get(live_system + "/breaks/{}/slots/{}/waiting-list".format(
        offer["id"], slot["id"]), timeout=10).text
    assert "Join the waiting list" in again  # it may join again, at the end of the line
