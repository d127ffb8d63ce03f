"""Phone-sized screens in a real browser: tables scroll inside themselves, a search's results
come before its filters, and a keyboard reaches them without going through every filter; an
officer verifies a family for home swaps and withdraws it with the keyboard alone on a phone.
The tests share one world with one booking (made once for the module), which they only read
but for that verification, withdrawn again by its test."""
import pytest
import requests

from .conftest import AXE_SCRIPT, Pages, make_world
from .people import Person

from devtools.processes import wait_until


@pytest.fixture(scope="module")
def world(api):
    return make_world(api)


@pytest.fixture(scope="module")
def offer(api, world):
    """A provider approved, its offer, and a booking of it confirmed (a hold in the
    history)."""
    return _a_booking(api, world)


def _a_booking(api, world):
    suffix = world["suffix"]
    provider = api.post(None, "/providers", {
        "username": "club-" + suffix, "password": "club-password-1",
        "name": "Youth club " + suffix, "kind": "short_break", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    token = api.token("club-" + suffix, "club-password-1")
    offer = api.post(token, "/offers", {
        "title": "Specialist youth club evening with trained staff " + suffix,
        "category": "group_specialist", "price_pence": 1500, "region": world["council"]})
    slot = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2099-06-05T17:00:00+00:00", "end": "2099-06-05T20:00:00+00:00",
        "capacity": 4}]})["items"][0]
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    booking = api.post(family_token, "/bookings", {
        "slot_id": slot["id"], "places": 1, "budget_id": world["budget"]["id"]}, status=202)
    wait_until(lambda: requests.get(
        api.base_url + "/api/v1/bookings/" + booking["id"], timeout=10,
        headers={"Authorization": "Bearer " + family_token}).json()["status"] == "confirmed",
        20, interval=0.2, message="the booking to be confirmed")
    return offer


def _sign_in(page, base_url, world):
    Person(page, Pages()).sign_in(base_url, world["family"]["username"],
                                  world["family"]["password"])


def test_tables_and_the_search_fit_a_phone(live_system, world, offer, browser, pages):
    for width in (320, 375):
        context = browser.new_context(viewport={"width": width, "height": 740})
        context.add_init_script(script=AXE_SCRIPT)
        page = context.new_page()
        try:
            _sign_in(page, live_system, world)
            for path in ("/bookings", "/budgets/{}/statement".format(world["budget"]["id"]),
                         "/swaps", "/swaps/needs", "/breaks?region=" + world["council"]):
                page.goto(live_system + path)
                pages.check(page)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, "{} is {} px wide at {} px".format(path, wide, width)
            # the results are on the first screen; the filters wait behind "Show filters"
            heading = page.locator("#results-heading").bounding_box()
            assert heading["y"] < 740, heading
            assert not page.locator("#q").is_visible()
            page.locator("summary", has_text="Show filters").click()
            assert page.locator("#q").is_visible()
        finally:
            context.close()


def test_a_keyboard_reaches_the_results_without_the_filters(live_system, world, offer, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    try:
        _sign_in(page, live_system, world)
        page.goto(live_system + "/breaks?region=" + world["council"])
        for _ in range(15):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == "#results":
                break
        else:
            raise AssertionError("no way to the results in the first 15 tab stops")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == \
            "/breaks/" + offer["id"]
    finally:
        context.close()


def test_the_officers_pages_fit_a_phone(live_system, world, offer, browser, pages):
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    budget, family = world["budget"]["id"], world["family_id"]
    try:
        Person(page, Pages()).sign_in(live_system, world["officer"]["username"],
                                      world["officer"]["password"])
        for path in ("/officer/families/" + family, "/officer/monitoring",
                     "/officer/families/new", "/officer/families/{}/budgets/new".format(family),
                     "/officer/budgets/{}/adjust".format(budget),
                     "/officer/budgets/{}/suspend".format(budget),
                     "/officer/families/{}/swaps/verify".format(family),
                     "/officer/families/{}/swaps/withdraw".format(family),
                     "/officer/families/{}/swap-messages".format(family),
                     "/officer/providers/approved",
                     "/providers/{}/impact".format(offer["provider_id"])):
            page.goto(live_system + path)
            pages.check(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            culprits = page.evaluate("""[...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > 330)
                .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
            assert wide <= 320, "{} is {} px wide at 320 px: {}".format(path, wide, culprits)
    finally:
        context.close()


def test_an_officer_verifies_a_family_for_swaps_and_withdraws_it_by_keyboard_on_a_phone(
        live_system, world, browser, pages):
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    family_page = "/officer/families/" + world["family_id"]
    officer = Person(page, pages, keyboard=True)

    def fits():
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 320, "{} is {} px wide at 320 px".format(page.url, wide)

    try:
        officer.sign_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
        officer.open(live_system + family_page)
        fits()
        officer.activate('main a[href="{}/swaps/verify"]'.format(family_page))
        fits()
        officer.submit()  # not ticked: the error, beside the box
        assert page.locator(".govuk-error-summary").is_visible()
        officer.sees("Confirm that you know the family and have checked that it is safe for "
                     "them to swap homes")
        fits()
        # staycation may not know the family's council yet: then it refuses, and the
        # officer asks again
        for _ in range(50):
            officer.tick("#confirm")
            officer.submit()
            if page.locator("#home-swaps").count():
                break
            assert page.locator("#refusal").count(), page.url
        officer.sees("%(name)s is verified for home swaps. They can list their home and "
                     "propose swaps.", name="Ffion Family")
        assert "Verified by you on " in page.locator("main").inner_text()
        fits()
        officer.activate('main a[href="{}/swaps/withdraw"]'.format(family_page))
        assert "Verified by you on " in page.locator("main").inner_text()
        fits()
        officer.submit()
        officer.sees("%(name)s is no longer verified for home swaps. Their listed homes are "
                     "paused until they are verified again.", name="Ffion Family")
        officer.sees("Not verified for home swaps")
    finally:
        context.close()
