"""The "Messages we sent you" page of each person told things, and the contact details page
where a person says where and how to be told: linked from the navigation and the header, in
their language, axe-clean."""
import requests
from playwright.sync_api import expect

from devtools.processes import wait_until

from .people import Person


def patch_me(api, token, body):
    answer = requests.patch(api.base_url + "/api/v1/me", json=body, timeout=10,
                            headers={"Authorization": "Bearer " + token})
    assert answer.status_code == 200, answer.text


def get_me(api, token):
    return requests.get(api.base_url + "/api/v1/me", timeout=10,
                        headers={"Authorization": "Bearer " + token}).json()


def told(api, token, event_type):
    answer = requests.get(api.base_url + "/api/v1/me/notifications", timeout=10,
                          headers={"Authorization": "Bearer " + token})
    return [m for m in answer.json()["items"] if m["event_type"] == event_type]


def test_the_officer_and_the_family_read_what_they_were_sent(live_system, world, api,
                                                              new_page, pages):
    suffix = world["suffix"]
    officer_token = world["officer_token"]
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    # accounts made without an address: told nothing until the person chooses a channel
    patch_me(api, officer_token, {"email": "officer-{}@council.example".format(suffix),
                                  "notify_by": ["email"]})
    # the family gives theirs on the contact details page (PATCH /me's rules, in words)
    family = Person(new_page(), pages)
    family.sign_in(live_system, world["family"]["username"], world["family"]["password"])
    family.activate('.seibiant-account a[href="/contact-details"]',
                    screenshot="contact-details")
    assert family.heading() == "Your contact details"
    family.fill("#email", "not an address")
    family.tick("#notify_by")  # by email
    family.submit('form[action="/contact-details"]', screenshot="contact-details-error")
    summary = family.page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(family._(
        "Enter an email address in the right form, like name@example.com"))
    assert summary.locator('a[href="#email"]').count() == 1
    assert family.page.locator("#email").input_value() == "not an address"  # kept
    assert get_me(api, family_token)["email"] is None  # and nothing changed
    family.fill("#email", "family-{}@home.example".format(suffix))
    family.choose_radio("language", "cy")
    family.submit('form[action="/contact-details"]')
    family = Person(family.page, pages, language="cy")  # the pages follow the choice
    family.sees("Your contact details are saved.")
    assert family.heading() == "Eich manylion cyswllt"
    chosen = get_me(api, family_token)
    assert (chosen["email"], chosen["notify_by"], chosen["language"]) == (
        "family-{}@home.example".format(suffix), ["email"], "cy")
    provider = api.post(None, "/providers", {
        "username": "hotel-" + suffix, "password": "hotel-password-1",
        "name": "Hotel " + suffix, "kind": "hospitality", "regions": [world["council"]]})
    api.post(officer_token, "/providers/{}/approve".format(provider["id"]), {}, status=200)
    token = api.token("hotel-" + suffix, "hotel-password-1")
    offer = api.post(token, "/offers", {  # over the plan's £50 without asking: waits
        "title": "Seaside hotel", "category": "overnight_stay", "price_pence": 9000,
        "region": world["council"]})
    [slot] = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2031-07-01T14:00:00+00:00", "end": "2031-07-02T10:00:00+00:00",
        "capacity": 2}]})["items"]
    api.post(family_token, "/bookings", {"slot_id": slot["id"], "places": 1,
                                         "budget_id": world["budget"]["id"]}, status=202)
    [waiting] = wait_until(lambda: told(api, officer_token, "approval_required"), 30,
                           message="the officer's message")
    wait_until(lambda: told(api, family_token, "approval_required"), 30,
               message="the family's message")

    officer = Person(new_page(), pages)
    officer.sign_in(live_system, world["officer"]["username"], world["officer"]["password"])
    officer.activate('nav a[href="/messages"]', screenshot="messages-officer")
    assert officer.heading() == "Messages we sent you"
    assert officer.page.locator('.seibiant-account a[href="/contact-details"]').count() == 1
    officer.sees("A spend is waiting for your approval")
    # why it waits is a list, not lines starting with "* "
    reasons = officer.page.locator("main .govuk-inset-text ul.govuk-list--bullet li")
    assert reasons.count() == 1 and not reasons.first.inner_text().startswith("*")
    assert waiting["to"] in officer.page.locator("main").inner_text()

    family.activate('nav a[href="/messages"]', screenshot="messages-family")
    assert family.heading() == "Negeseuon a anfonwyd atoch"
    family.sees("Your booking is waiting for the council")
