"""An officer's journey in a real browser, with the keyboard alone and axe on every page: the
officer creates a family and its budget (question pages, then check your answers), the family
signs in and books, the officer tops the budget up and adjusts it, sees its history, and
suspends it; a suspended budget refuses new bookings (`budget_inactive`)."""
import datetime
import uuid

import requests

from devtools.processes import wait_until
from tests.gateway.world import soon

from .people import Person


def bookable_slot(api, world):
    """An approved provider of the council with an overnight stay of £40 a place."""
    suffix = world["suffix"]
    provider = api.post(None, "/providers", {
        "username": "provider-" + suffix, "password": "provider-password-1",
        "name": "Tŷ Tawel " + suffix, "kind": "short_break", "regions": [world["council"]],
        "description": "Quiet rooms."})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    token = api.token("provider-" + suffix, "provider-password-1")
    offer = api.post(token, "/offers", {"title": "A night away", "category": "overnight_stay",
                                        "price_pence": 4000, "region": world["council"]})
    slot = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [
        {"start": soon(20), "end": soon(21), "capacity": 5}]})["items"][0]
    return offer, slot


def booking_status(api, token, booking_id, statuses):
    answers = []

    def settled():
        answers.append(requests.get(api.base_url + "/api/v1/bookings/" + booking_id,
                                    headers={"Authorization": "Bearer " + token},
                                    timeout=10).json())
        return answers[-1]["status"] in statuses
    wait_until(settled, 20, message="the booking settled")
    return answers[-1]


def test_an_officer_sets_up_a_family_who_books_and_then_runs_the_budget(
        live_system, api, world, new_page, pages):
    offer, slot = bookable_slot(api, world)
    officer = Person(new_page(), pages, keyboard=True)
    officer.sign_in(live_system, world["officer"]["username"], world["officer"]["password"])
    officer.activate('main a[href="/officer/families/new"]')
    officer.submit('main form')  # nothing answered: each question says what it needs
    officer.sees("Enter the family's name")
    username = "newfamily-" + uuid.uuid4().hex[:8]
    officer.fill("#display_name", "Teulu Newydd")
    officer.fill("#username", username)
    officer.fill("#password", "new-family-password")
    officer.tick('input[name="needs"][value="autism"]')
    officer.choose_radio("language", "cy")
    officer.submit('main form')
    officer.sees("Check your answers before creating the family")
    officer.submit('main form')
    officer.sees("Teulu Newydd can now sign in. Now give them a budget.")

    start = datetime.date.today() - datetime.timedelta(days=10)
    end = start + datetime.timedelta(days=364)
    officer.fill("#allocated", "500")
    for name, day in (("period_start", start), ("period_end", end)):
        officer.fill("#{}-day".format(name), str(day.day))
        officer.fill("#{}-month".format(name), str(day.month))
        officer.fill("#{}-year".format(name), str(day.year))
    officer.tick('input[name="allowed_categories"][value="overnight_stay"]')
    officer.fill("#auto_approve_limit", "100")
    officer.submit('main form')
    officer.sees("Check your answers before creating the budget")
    officer.submit('main form')
    officer.sees("The budget is ready. The family can book breaks with it.")
    family_url = officer.page.url

    family = Person(new_page(), pages, language="cy")  # the language chosen for them
    family.sign_in(live_system, username, "new-family-password")
    family.open("{}/breaks/{}/slots/{}/book".format(live_system, offer["id"], slot["id"]))
    family.fill("#places", "1")
    family.submit("main form")
    family.submit("main form")  # confirm the answers
    booking_id = family.page.url.rsplit("/", 1)[1]
    family_token = api.token(username, "new-family-password")
    assert booking_status(api, family_token, booking_id, {"confirmed"})["total_pence"] == 4000

    officer.open(family_url)
    officer.activate('main a[href$="/top-up"]')
    officer.fill("#amount", "25.50")
    officer.fill("#reason", "Summer holidays")
    officer.submit("main form")
    officer.sees("The budget is topped up.")
    officer.activate('main a[href$="/adjust"]')
    officer.choose_radio("direction", "take_back")
    officer.fill("#amount", "1000")  # more than is left after the booking's hold
    officer.fill("#reason", "Overpaid")
    officer.submit("main form")
    officer.sees("There is not enough money left in the budget.")
    officer.fill("#amount", "100")
    officer.submit("main form")
    officer.sees("The budget is adjusted.")
    history = officer.page.locator("main table").first
    for words in ("Summer holidays", "Overpaid", "£25.50", "-£100.00"):
        assert words in history.inner_text(), words
    officer.activate('main a[href$="/suspend"]')
    officer.fill("#reason", "Safeguarding review")
    officer.submit("main form")
    officer.sees("The budget is suspended. It will not pay for new bookings.")

    family.open("{}/breaks/{}/slots/{}/book".format(live_system, offer["id"], slot["id"]))
    family.sees("You have no active budget to pay for this break.")
    budget_id = requests.get(api.base_url + "/api/v1/budgets", timeout=10, headers={
        "Authorization": "Bearer " + family_token}).json()["items"][0]["id"]
    refused = api.post(family_token, "/bookings", {"slot_id": slot["id"], "places": 1,
                                                   "budget_id": budget_id}, status=202)
    rejected = booking_status(api, family_token, refused["id"], {"rejected"})
    assert rejected["reason"] == "budget_inactive"
