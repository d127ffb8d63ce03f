"""A waiting list in a real browser, in Welsh and with the keyboard alone: a family finds a
gifted break full, joins its waiting list (a wrong number first), sees its place in line
(and a booking of its refused as the time filled links to that list);
when a place comes free it is offered, and the family accepts it on the booking's page
before its time is up. A referrer does the same for a carer of their centre from the carer's
page: joins, leaves, declines and accepts an offer for them. Every page is checked with axe,
and fits a 320 px phone."""
from urllib.parse import urlsplit

import requests
from playwright.sync_api import expect

from devtools.processes import wait_until
from gateway.web import i18n

from .conftest import ADMIN_PASSWORD, AXE_SCRIPT
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



def test_a_familys_booking_refused_as_the_time_filled_links_to_its_waiting_list(
        live_system, world, api):
    offer, slot, _other_token, _booked = full_gifted_slot(api, world)
    token = api.token(world["family"]["username"], world["family"]["password"])
    asked = api.post(token, "/bookings", {"slot_id": slot["id"], "places": 1}, status=202)
    refused = wait_until(lambda: (lambda b: b if b["status"] != "requested" else None)(
        _get(api, token, "/bookings/" + asked["id"])), 20, interval=0.2,
        message="the booking to be decided")
    assert refused["status"] == "rejected" and refused["reason"] == "sold_out"
    family, home = _signed_in(live_system, world["family"]["username"],
                              world["family"]["password"])
    waiting_path = "/breaks/{}/slots/{}/waiting-list".format(offer["id"], slot["id"])
    page = family.get(live_system + "/bookings/" + refused["id"], timeout=10).text
    assert "There were not enough places left." in page
    assert 'href="{}"'.format(waiting_path) in page
    assert "Join the waiting list of this time: if a place comes free, it may be offered " \
        "to you" in page
    ask = family.get(live_system + waiting_path, timeout=10).text
    assert "This time is full. Join the waiting list, and if a place comes free it may be " \
        "offered to you." in ask
    # in Welsh too
    family.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/", "csrf_token": csrf_of(home.text)})
    welsh = family.get(live_system + "/bookings/" + refused["id"], timeout=10).text
    assert i18n.Formatter("cy").gettext(
        "Join the waiting list of this time: if a place comes free, it may be offered to "
        "you").replace("'", "&#39;") in welsh
    assert 'href="{}"'.format(waiting_path) in welsh


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


def _carer_of_a_centre(api, world, name):
    """A referrer of the world's council and a carer their centre referred: (the referrer's
    account, the carer's id)."""
    referrer = {"username": name + "-" + world["suffix"], "password": "referrer-password-1"}
    api.post(api.token("admin", ADMIN_PASSWORD), "/referrers", dict(
        referrer, display_name="Rhys Referrer", council=world["council"],
        organisation="Credu " + name))
    carer = api.post(api.token(referrer["username"], referrer["password"]), "/carers", {
        "username": "carer-of-" + name + "-" + world["suffix"],
        "password": "carer-password-1", "display_name": "Cerys Carer",
        "needs": ["dementia"], "consent_statement": "They agreed."})
    return referrer, carer["id"]


def _carers_place(api, referrer, slot, carer_id):
    return _get(api, api.token(referrer["username"], referrer["password"]),
                "/slots/{}/waiting-list?family_id={}".format(slot["id"], carer_id))


def _book_for(live_system, api, worker, csrf, referrer, carer_id, slot):
    """The referrer's "Book" on the carer's page for `slot`: the booking, once decided."""
    booked = worker.post(live_system + "/referrer/carers/{}/book".format(carer_id),
                         timeout=10, data={"csrf_token": csrf, "slot_id": slot["id"]})
    path = urlsplit(booked.url).path
    assert path.startswith("/bookings/"), booked.url
    token = api.token(referrer["username"], referrer["password"])
    return wait_until(lambda: (lambda b: b if b["status"] not in ("requested",) else None)(
        _get(api, token, path)), 20, interval=0.2, message="the booking to be decided")


def _offered(api, referrer, slot, carer_id):
    return wait_until(lambda: (lambda e: e if e.get("status") == "offered" else None)(
        _carers_place(api, referrer, slot, carer_id)), 20, interval=0.2, message="the offer")


def test_a_referrer_joins_a_full_breaks_waiting_list_for_their_carer_and_leaves_it(
        live_system, world, api):
    offer, slot, other_token, booked = full_gifted_slot(api, world)
    referrer, carer_id = _carer_of_a_centre(api, world, "centre")
    carer_page = live_system + "/referrer/carers/" + carer_id
    waiting_path = "/referrer/carers/{}/breaks/{}/slots/{}/waiting-list".format(
        carer_id, offer["id"], slot["id"])
    worker, home = _signed_in(live_system, referrer["username"], referrer["password"])
    csrf = csrf_of(home.text)
    # booked for the carer as the time fills up: refused, and its waiting list offered
    refused = _book_for(live_system, api, worker, csrf, referrer, carer_id, slot)
    assert refused["status"] == "rejected" and refused["reason"] == "sold_out"
    page = worker.get(live_system + "/bookings/" + refused["id"], timeout=10).text
    assert "There were not enough places left." in page
    assert 'href="{}"'.format(waiting_path) in page
    assert "Join the waiting list of this time for Cerys Carer" in page
    assert "Waiting lists" not in worker.get(carer_page, timeout=10).text  # not on it yet
    ask = worker.get(live_system + waiting_path, timeout=10).text
    assert "This time is full. Join the waiting list for Cerys Carer, and if a place comes " \
        "free it may be offered to them." in ask
    assert 'href="/referrer/carers/{}"'.format(carer_id) in ask  # back to the carer
    joined = worker.post(live_system + waiting_path, timeout=10, data={"csrf_token": csrf})
    assert urlsplit(joined.url).path == waiting_path
    assert "Cerys Carer is on the waiting list. We will tell them if a place is offered to " \
        "them, and you can answer it for them here." in joined.text
    assert "Cerys Carer is number 1 in line" in joined.text
    # the same entry as the API's, for one place, and on the carer's page
    place = _carers_place(api, referrer, slot, carer_id)
    assert (place["status"], place["place_in_line"], place["places"]) == ("waiting", 1, 1)
    page = worker.get(carer_page, timeout=10).text
    section = page[page.index('id="waiting-lists"'):]
    assert "Number 1 in line" in section and 'href="{}"'.format(waiting_path) in section
    # in Welsh too
    worker.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/", "csrf_token": csrf})
    welsh = worker.get(live_system + waiting_path, timeout=10).text
    assert i18n.Formatter("cy").gettext("%(name)s is number %(place)s in line",
                                        name="Cerys Carer", place="1") in welsh
    worker.post(live_system + "/language", timeout=10, data={
        "language": "en", "next": "/", "csrf_token": csrf})
    # another centre of the council sees nothing of it
    other, _carer = _carer_of_a_centre(api, world, "elsewhere")
    stranger, stranger_home = _signed_in(live_system, other["username"], other["password"])
    assert stranger.get(live_system + waiting_path, timeout=10).status_code == 404
    assert stranger.post(live_system + waiting_path + "/leave", timeout=10, data={
        "csrf_token": csrf_of(stranger_home.text)}).status_code == 404
    assert _carers_place(api, referrer, slot, carer_id)["status"] == "waiting"
    # left
    left = worker.post(live_system + waiting_path + "/leave", timeout=10,
                       data={"csrf_token": csrf})
    assert "Cerys Carer has left the waiting list." in left.text
    assert "Join the waiting list for them" in left.text
    assert _carers_place(api, referrer, slot, carer_id)["status"] == "left"
    assert "Waiting lists" not in worker.get(carer_page, timeout=10).text


def test_a_referrer_declines_the_place_offered_to_their_carer(live_system, world, api):
    offer, slot, other_token, booked = full_gifted_slot(api, world)
    api.allow_gifts(world, 2)
    referrer, carer_id = _carer_of_a_centre(api, world, "centre")
    worker, home = _signed_in(live_system, referrer["username"], referrer["password"])
    csrf = csrf_of(home.text)
    waiting_path = "/referrer/carers/{}/breaks/{}/slots/{}/waiting-list".format(
        carer_id, offer["id"], slot["id"])
    worker.post(live_system + waiting_path, timeout=10, data={"csrf_token": csrf})
    api.post(other_token, "/bookings/{}/cancel".format(booked["id"]), {}, status=200)
    entry = _offered(api, referrer, slot, carer_id)
    booking_path = "/bookings/" + entry["booking_id"]
    # where the referrer sees it: the waiting list's page, the carer's page, the booking's
    assert 'href="{}"'.format(booking_path) in worker.get(
        live_system + waiting_path, timeout=10).text
    page = worker.get(live_system + "/referrer/carers/" + carer_id, timeout=10).text
    section = page[page.index('id="waiting-lists"'):]
    assert "A place is offered: answer by" in section
    assert 'href="{}"'.format(booking_path) in section
    offered = worker.get(live_system + booking_path, timeout=10).text
    assert "is offered to Cerys Carer from the waiting list" in offered
    assert 'action="{}/accept"'.format(booking_path) in offered
    assert 'href="{}/cancel"'.format(booking_path) in offered
    asked = worker.get(live_system + booking_path + "/cancel", timeout=10).text
    assert "Are you sure you want to decline this place?" in asked
    assert "Cerys Carer leaves the list" in asked
    declined = worker.post(live_system + booking_path + "/cancel", timeout=10,
                           data={"csrf_token": csrf})
    assert urlsplit(declined.url).path == booking_path
    assert "You declined the place for them. It goes to the next family on the waiting " \
        "list." in declined.text
    # as the API declines it for a referrer: the carer left the list, the offer cancelled
    assert _carers_place(api, referrer, slot, carer_id)["status"] == "left"
    assert _get(api, api.token(referrer["username"], referrer["password"]),
                booking_path)["status"] == "cancelled"
    # answered already: asking again goes back to the booking, which says how it stands
    again = worker.post(live_system + booking_path + "/cancel", timeout=10,
                        data={"csrf_token": csrf}, allow_redirects=False)
    assert again.status_code == 302 and urlsplit(again.headers["Location"]).path == \
        booking_path
    accepted = worker.post(live_system + booking_path + "/accept", timeout=10,
                           data={"csrf_token": csrf})
    assert accepted.status_code == 409
    assert "This place is no longer offered to you." in accepted.text


def test_a_referrer_accepts_the_place_offered_to_their_carer_and_the_pages_fit_a_phone(
        live_system, world, api, browser, pages):
    offer, slot, other_token, booked = full_gifted_slot(api, world)
    api.allow_gifts(world, 2)
    referrer, carer_id = _carer_of_a_centre(api, world, "centre")
    carer_page = "/referrer/carers/" + carer_id
    waiting_path = "{}/breaks/{}/slots/{}/waiting-list".format(carer_page, offer["id"],
                                                               slot["id"])
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    worker = Person(context.new_page(), pages, keyboard=True)

    def fits():
        wide = worker.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 320, "{} is {} px wide at 320 px".format(worker.page.url, wide)

    try:
        worker.sign_in(live_system, referrer["username"], referrer["password"])
        worker.open(live_system + carer_page)
        # a gifted break booked for the carer is refused: the time is full
        session, home = _signed_in(live_system, referrer["username"], referrer["password"])
        refused = _book_for(live_system, api, session, csrf_of(home.text), referrer,
                            carer_id, slot)
        worker.open(live_system + "/bookings/" + refused["id"])
        fits()
        worker.activate('main a[href="{}"]'.format(waiting_path))
        fits()
        worker.submit("main form")
        worker.sees("%(name)s is number %(place)s in line", name="Cerys Carer", place="1")
        fits()
        worker.open(live_system + carer_page)  # its "Waiting lists" section
        fits()
        api.post(other_token, "/bookings/{}/cancel".format(booked["id"]), {}, status=200)
        entry = _offered(api, referrer, slot, carer_id)
        booking_path = "/bookings/" + entry["booking_id"]
        worker.open(live_system + carer_page)
        worker.activate('#waiting-lists ~ div a[href="{}"]'.format(booking_path))
        worker.sees("Answer the offer")
        fits()
        worker.open(live_system + booking_path + "/cancel")  # asked, not declined
        fits()
        worker.open(live_system + booking_path)
        worker.submit('form[action="{}/accept"]'.format(booking_path))
        worker.sees("You accepted the place for them. We are now booking it.")
        expect(worker.page.locator("#booking-status")).to_contain_text(
            worker._("Confirmed"), timeout=15000)
        assert _carers_place(api, referrer, slot, carer_id)["status"] == "accepted"
        worker.open(live_system + waiting_path)
        worker.sees("%(name)s has a place on this break: see the booking", name="Cerys Carer")
        fits()
    finally:
        context.close()
