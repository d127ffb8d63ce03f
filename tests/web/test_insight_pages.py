"""The insight pages in a real browser: an officer's charts and tables from searches and a
booking made through the API, in English and Welsh, axe-clean at 1024 and 320 px, with CSV
downloads; a provider's own figures on its home page; a family turned away."""
import datetime

import requests
from playwright.sync_api import expect

from devtools.processes import wait_until

from .conftest import AXE_SCRIPT, Pages
from .people import Person

SOON = datetime.datetime.now(datetime.timezone.utc).replace(
    hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=10)


def _demand_and_a_booking(api, world):
    """Six searches for an overnight stay nobody offers in the council, and a meal booked."""
    suffix = world["suffix"]
    provider = {"username": "inn-" + suffix, "password": "inn-password-1"}
    profile = api.post(None, "/providers", dict(provider, name="Inn " + suffix,
                                                kind="hospitality", regions=[world["council"]]))
    api.post(world["officer_token"], "/providers/{}/approve".format(profile["id"]), {},
             status=200)
    token = api.token(provider["username"], provider["password"])
    offer = api.post(token, "/offers", {"title": "Supper " + suffix, "region": world["council"],
                                        "category": "group_specialist", "price_pence": 1500})
    slot = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": SOON.isoformat(), "end": (SOON + datetime.timedelta(hours=3)).isoformat(),
        "capacity": 4}]})["items"][0]
    family = api.token(world["family"]["username"], world["family"]["password"])
    headers = {"Authorization": "Bearer " + family}
    for _ in range(6):
        requests.get(api.base_url + "/api/v1/offers", headers=headers, timeout=10, params={
            "region": world["council"], "category": "overnight_stay"}).raise_for_status()
    booking = api.post(family, "/bookings", {"slot_id": slot["id"], "places": 1,
                                             "budget_id": world["budget"]["id"]}, status=202)
    wait_until(lambda: requests.get(api.base_url + "/api/v1/bookings/" + booking["id"],
                                    headers=headers, timeout=10).json()["status"] == "confirmed",
               20, interval=0.2, message="the booking to be confirmed")
    officer = api.token(world["officer"]["username"], world["officer"]["password"])

    def figures():
        answer = requests.get(api.base_url + "/api/v1/insight", timeout=10, headers={
            "Authorization": "Bearer " + officer}).json()
        # providers writes the searches it recorded about once a second, perhaps in two
        # events: wait for all six, and for the booking
        return answer["supply_and_demand"] and any(
            row["searches"] == 6 for row in answer["unmet_demand"])
    wait_until(figures, 20, interval=0.2, message="the insight figures")
    return provider


def test_an_officer_sees_the_councils_insight_in_charts_and_tables(live_system, world, api,
                                                                    browser):
    provider = _demand_and_a_booking(api, world)
    for width, language in ((1024, "en"), (320, "en"), (1024, "cy")):
        context = browser.new_context(viewport={"width": width, "height": 800})
        context.add_init_script(script=AXE_SCRIPT)
        page = context.new_page()
        pages = Pages()
        try:
            Person(page, pages).sign_in(live_system, world["officer"]["username"],
                                        world["officer"]["password"])
            page.goto(live_system + "/officer/insight")
            if language == "cy":  # the switch on the page itself
                page.locator('form[action="/language"] button[value="cy"]').click()
                expect(page.locator("html")).to_have_attribute("lang", "cy")
                assert page.url.endswith("/officer/insight")
            pages.check(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, "the insight page is {} px wide at {} px".format(wide, width)
            chart = page.locator("svg#chart-unmet, svg[aria-labelledby^='chart-unmet']")
            assert chart.get_attribute("role") == "img"
            title = page.locator("#chart-unmet-title").text_content()
            assert title == ("Searches that found nothing" if language == "en"
                             else "Chwiliadau na ddaeth o hyd i ddim")
            unmet = page.locator("table").first.locator("tbody tr").first
            assert unmet.locator("td").last.text_content().strip() == "6"
            few = "fewer than 5" if language == "en" else "llai na 5"
            assert few in page.locator("table").nth(1).text_content()
            if width == 1024 and language == "en":
                link = page.locator("a[href^='/insight.csv?table=unmet_demand']")
                csv = page.request.get(live_system + link.get_attribute("href"))
                assert csv.headers["content-type"].startswith("text/csv")
                assert csv.text().splitlines()[0] == (
                    "month,area,kind,needs,accessibility,searches")
                assert ",{},overnight_stay,,,6".format(world["council"]) in csv.text()
        finally:
            context.close()

    # The provider's own figures on its home page.
    context = browser.new_context(viewport={"width": 320, "height": 800})
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    try:
        pages = Pages()
        Person(page, pages).sign_in(live_system, provider["username"], provider["password"])
        page.goto(live_system + "/provider")
        pages.check(page)
        assert page.locator("#chart-places-title").text_content() == (
            "Your places offered and booked")
        row = page.locator("table", has_text="Your places by month").locator("tbody tr")
        assert [cell.strip() for cell in row.locator("td").all_text_contents()][2:] == [
            "4", "fewer than 5", "0"]
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 320
    finally:
        context.close()


def test_a_family_is_not_shown_insight(live_system, world):
    browser = requests.Session()
    page = browser.get(live_system + "/sign-in", timeout=10).text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    browser.post(live_system + "/sign-in", timeout=10, data={
        "username": world["family"]["username"], "password": world["family"]["password"],
        "csrf_token": token})
    for path in ("/officer/insight", "/insight.csv?table=unmet_demand"):
        assert browser.get(live_system + path, timeout=10).status_code == 403
