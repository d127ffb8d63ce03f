"""The family profile's pages over HTTP (no browser): the form's errors beside the right
person's field and nothing saved, the search pre-ticking the profile's needs, the booking
form's sharing choice and its check, feedback refused before the break is over, and the
officers' pages (their read recorded); then the new pages on a 320 px phone with axe."""
import re

import requests

from devtools.processes import wait_until

from .conftest import AXE_SCRIPT, TIMEOUT_MS, Pages
from .people import Person
from .test_pages_http import _approved_offer, _error_summary, csrf_of, signed_in


def _profile(family, base_url, **answers):
    form = family.get(base_url + "/profile", timeout=10).text
    return family.post(base_url + "/profile", timeout=10, data=dict(
        {"csrf_token": csrf_of(form), "rows": "1"}, **answers))


def _api_profile(api, world):
    token = api.token(world["family"]["username"], world["family"]["password"])
    return requests.get(api.base_url + "/api/v1/me/profile", timeout=10,
                        headers={"Authorization": "Bearer " + token}).json()


def test_the_profile_form_saves_says_what_is_wrong_where_and_removes(live_system, world, api):
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    bad = _profile(family, live_system, **{
        "person-0-name": "Cerys", "person-0-dob-day": "31", "person-0-dob-month": "2",
        "person-0-dob-year": "2014", "contact-phone": "ring me"})
    _error_summary(bad, "Enter a real date of birth")
    assert 'href="#person-0-dob"' in bad.text and 'href="#contact-phone"' in bad.text
    assert 'value="Cerys"' in bad.text  # what was typed is kept
    assert _api_profile(api, world)["people"] == []  # and nothing saved

    saved = _profile(family, live_system, **{
        "person-0-name": "Cerys", "person-0-relationship": "cared_for",
        "person-0-needs": ["autism", "dementia"], "person-0-diet": "No gluten",
        "language": "cy"})
    assert saved.status_code == 200 and "Your profile is saved." in saved.text
    profile = _api_profile(api, world)
    assert [(p["name"], p["needs"], p["diet"]) for p in profile["people"]] == [
        ("Cerys", ["autism", "dementia"], "No gluten")]
    # the form shows her, and a blank person to add; the search ticks her needs
    form = family.get(live_system + "/profile", timeout=10).text
    assert 'name="rows" value="2"' in form
    search = family.get(live_system + "/breaks", timeout=10).text
    ticked = set(re.findall(r'name="needs" type="checkbox" value="([a-z_]+)" checked', search))
    assert ticked == {"autism", "dementia"}, ticked
    # removing her empties the profile
    person_id = profile["people"][0]["id"]
    form = family.get(live_system + "/profile", timeout=10).text
    removed = family.post(live_system + "/profile", timeout=10, data={
        "csrf_token": csrf_of(form), "rows": "1", "person-0-id": person_id,
        "person-0-name": "Cerys", "person-0-remove": "yes"})
    assert removed.status_code == 200 and _api_profile(api, world)["people"] == []


def test_sharing_chosen_parts_needs_a_person_and_a_part_and_is_checked_before_booking(
        live_system, world, api):
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    _profile(family, live_system, **{"person-0-name": "Cerys",
                                     "person-0-communication": "Makaton"})
    person_id = _api_profile(api, world)["people"][0]["id"]
    _, offer, slot = _approved_offer(api, world, "A night by the lake", 2000)
    form_url = "{}/breaks/{}/slots/{}/book".format(live_system, offer["id"], slot["id"])
    form = family.get(form_url, timeout=10).text
    assert "profile with the provider?" in form, form[form.find("<main"):][:3000]
    answers = {"places": "1", "budget_id": world["budget"]["id"], "share": "chosen",
               "idempotency_key": "share-" + world["suffix"], "csrf_token": csrf_of(form)}
    nothing = family.post(form_url, data=answers, timeout=10)
    _error_summary(nothing, "Choose whom to tell the provider about")
    assert "Choose what to tell the provider" in nothing.text
    check = family.post(form_url, timeout=10, data=dict(
        answers, share_people=person_id, share_sections=["communication", "diet"]))
    assert check.status_code == 200 and "Shared with the provider" in check.text
    assert "Cerys: How they communicate, What they eat" in check.text
    assert 'name="share_sections" value="diet"' in check.text  # carried to the booking
    assert "share_people={}".format(person_id) in check.text  # and to "Change"


def test_feedback_before_the_break_is_over_is_refused_on_its_page(live_system, world, api):
    _, offer, slot = _approved_offer(api, world, "A day on the farm", 1000)
    token = api.token(world["family"]["username"], world["family"]["password"])
    booking = api.post(token, "/bookings", {"slot_id": slot["id"], "places": 1,
                                            "budget_id": world["budget"]["id"]}, status=202)
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    page = family.get(live_system + "/bookings/{}/feedback".format(booking["id"]), timeout=10)
    empty = family.post(live_system + "/bookings/{}/feedback".format(booking["id"]),
                        timeout=10, data={"csrf_token": csrf_of(page.text)})
    _error_summary(empty, "Choose how good the break was")

    def early():
        return family.post(live_system + "/bookings/{}/feedback".format(booking["id"]),
                           timeout=10, data={"csrf_token": csrf_of(page.text), "rating": "4",
                                             "rested": "4", "would_book_again": "yes"})
    # families hears of the booking in its next batch of events (up to half a second later)
    wait_until(lambda: "You can tell us how the break went once it is over." in early().text,
               10, message="the early feedback to be refused on its page")


def test_an_officers_reading_of_a_profile_is_shown_to_the_family(live_system, world, api):
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    _profile(family, live_system, **{"person-0-name": "Cerys",
                                     "person-0-routines": "Bath before bed"})
    officer = signed_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
    families = officer.get(live_system + "/officer/families", timeout=10).text
    assert "/officer/families/{}/profile".format(world["family_id"]) in families
    read = officer.get(live_system + "/officer/families/{}/profile".format(
        world["family_id"]), timeout=10)
    assert read.status_code == 200 and "Bath before bed" in read.text
    reads = family.get(live_system + "/profile/reads", timeout=10).text
    assert "An officer of your council" in reads and "Olwen Officer" in reads
    feedback = officer.get(live_system + "/officer/feedback", timeout=10)
    assert feedback.status_code == 200 and "You said, we did" in feedback.text
    published = officer.post(live_system + "/officer/feedback", timeout=10, data={
        "csrf_token": csrf_of(feedback.text), "text": "We asked for quieter rooms"})
    assert "Your answer is published to the council&#39;s families." in published.text
    home = family.get(live_system + "/family", timeout=10).text
    assert "We asked for quieter rooms" in home


def test_the_profile_pages_fit_a_phone_and_pass_axe(live_system, world, api, browser, pages):
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    _profile(family, live_system, **{"person-0-name": "Cerys"})
    _, offer, slot = _approved_offer(api, world, "A long weekend away with the whole family",
                                     2000)
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    try:
        Person(page, Pages()).sign_in(live_system, world["family"]["username"],
                                      world["family"]["password"])
        for path in ("/profile", "/profile/reads", "/contact-details",
                     "/breaks/{}/slots/{}/book".format(offer["id"], slot["id"])):
            page.goto(live_system + path)
            pages.check(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 320, "{} is {} px wide at 320 px".format(path, wide)
    finally:
        context.close()
