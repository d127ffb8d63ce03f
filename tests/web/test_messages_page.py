"""The "Messages we sent you" page of each person told things: linked from the navigation,
in their language, axe-clean."""
import requests

from devtools.processes import wait_until

from .people import Person


def patch_me(api, token, body):
    answer = requests.patch(api.base_url + "/api/v1/me", json=body, timeout=10,
                            headers={"Authorization": "Bearer " + token})
    assert answer.status_code == 200, answer.text


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
    patch_me(api, family_token, {"email": "family-{}@home.example".format(suffix),
                                 "language": "cy", "notify_by": ["email"]})
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
    officer.sees("A spend is waiting for your approval")
    # why it waits is a list, not lines starting with "* "
    reasons = officer.page.locator("main .govuk-inset-text ul.govuk-list--bullet li")
    assert reasons.count() == 1 and not reasons.first.inner_text().startswith("*")
    assert waiting["to"] in officer.page.locator("main").inner_text()

    family = Person(new_page("cy"), pages, language="cy")
    family.sign_in(live_system, world["family"]["username"], world["family"]["password"])
    family.activate('nav a[href="/messages"]', screenshot="messages-family")
    assert family.heading() == "Negeseuon a anfonwyd atoch"
    family.sees("Your booking is waiting for the council")
