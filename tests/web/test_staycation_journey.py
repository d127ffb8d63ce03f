"""Home swaps in a real browser: a family not yet verified is told why it cannot list; two
verified families (one in English with a mouse, one in Welsh with the keyboard alone) list
adapted homes, each finds the other as a two-way match, one proposes, they write to each
other, the other accepts, both see the other's address, and once the swap is over (its stays
moved into the past in staycation's own database, for its timer to complete it) both review
it and the reviews are on the home's page; their officer reads the swap's messages for
safeguarding, choosing it from the family's swaps. Every page is checked with axe; the main
ones fit a 320 px screen."""
import datetime
import sqlite3

import requests
from playwright.sync_api import expect

from devtools.processes import wait_until

from .conftest import AXE_SCRIPT, SYSTEM
from .people import Person

TODAY = datetime.date.today()


def day(offset):
    return TODAY + datetime.timedelta(days=offset)


def fill_date(person, name, value):
    person.fill("#{}-day".format(name), str(value.day))
    person.fill("#{}-month".format(name), str(value.month))
    person.fill("#{}-year".format(name), str(value.year))


def verify(api, world, family_id):
    """The officer verifies the family for swaps, once staycation knows its council (from the
    gateway's account_details_changed)."""
    wait_until(lambda: requests.post(
        "{}/api/v1/families/{}/swap-verification".format(api.base_url, family_id), json={},
        timeout=10, headers={"Authorization": "Bearer " + world["officer_token"]}
    ).status_code == 200, 20, interval=0.2, message="the family to be verified")


def list_home(person, base_url, title, features, address):
    """From the swaps page: the questions, the answers checked, then when it can be
    swapped; ends on the home's page. Its id."""
    person.activate('main a[href="/swaps/homes/new"]')
    person.fill("#title", title)
    person.select("#region", "powys")
    person.fill("#sleeps", "4")
    person.fill("#bedrooms", "2")
    person.fill("#description", "A bungalow with a garden.")
    for feature in features:
        person.tick('input[value="{}"]'.format(feature))
    person.fill("#address", address)
    person.submit()
    person.sees("Check your answers")
    person.sees(address)
    person.submit(screenshot="swap-home-check")  # "Confirm and list your home"
    person.sees("Your home is listed. Now say when it can be swapped.")
    fill_date(person, "range-0-start", day(20))
    fill_date(person, "range-0-end", day(50))
    person.submit()
    person.sees("When your home can be swapped is saved.")
    return person.page.url.rsplit("/", 1)[1]


def test_two_families_swap_homes_from_matching_to_reviews(live_system, world, api, new_page,
                                                          pages, browser):
    suffix = world["suffix"]
    other = {"username": "other-" + suffix, "password": "other-password-1",
             "display_name": "Gwyn Family", "needs": ["physical_disability"],
             "language": "cy"}
    other_id = api.post(world["officer_token"], "/families", other)["id"]
    verify(api, world, other_id)

    ann = Person(new_page(), pages, "en")
    ann.sign_in(live_system, world["family"]["username"], world["family"]["password"])
    ann.activate('main a[href="/swaps"]')
    ann.sees("Your family needs to be verified first")  # not verified yet: no listing
    assert ann.page.locator('main a[href="/swaps/homes/new"]').count() == 0
    ann.open(live_system + "/swaps/homes/new")
    ann.sees("Ask your carers' centre or your council to verify your family for home swaps.")
    verify(api, world, world["family_id"])

    # Ann's family needs a quiet space and blackout blinds (autism)
    ann.open(live_system + "/swaps/needs")
    ann.tick('input[name="needs"][value="autism"]')
    ann.submit()
    ann.sees("What your family needs of a home is saved.")
    ann_home = list_home(ann, live_system, "Bungalow with a wet room",
                         ["wheelchair_access", "level_access_shower"], "1 Hoist Row, Llandod")

    gwyn = Person(new_page("cy"), pages, "cy", keyboard=True)
    gwyn.sign_in(live_system, other["username"], other["password"])
    gwyn.open(live_system + "/swaps/needs")  # wheelchair access and a level access shower
    gwyn.tick('input[name="needs"][value="physical_disability"]')
    gwyn.submit()
    gwyn_home = list_home(gwyn, live_system, "Quiet cottage",
                          ["quiet_space", "blackout_blinds"], "2 Quiet Lane, Brecon")

    # each finds the other as a two-way match, with why
    ann.open(live_system + "/swaps/homes/{}/matches".format(ann_home), "swap-matches")
    card = ann.page.locator(".seibiant-match", has_text="Quiet cottage")
    expect(card).to_contain_text("Two-way match")
    expect(card).to_contain_text("Blackout blinds")
    expect(card).to_contain_text("Level access shower")
    gwyn.open(live_system + "/swaps/homes/{}/matches".format(gwyn_home))
    expect(gwyn.page.locator(".seibiant-match", has_text="Bungalow with a wet room")
           ).to_contain_text(gwyn._("Two-way match"))
    gwyn.open(live_system + "/swaps/homes/" + ann_home)  # a home's page: never its address
    gwyn.sees("Bungalow with a wet room")
    expect(gwyn.page.locator("main")).not_to_contain_text("1 Hoist Row")

    # Ann proposes, at the same time both ways
    ann.activate('.seibiant-match:has-text("Quiet cottage") a[href*="/propose"]')
    for prefix in ("mine", "theirs"):
        fill_date(ann, prefix + "-start", day(25))
        fill_date(ann, prefix + "-end", day(32))
    ann.submit(screenshot="swap-propose")
    ann.sees("Your proposal is sent. The other family will accept or decline it.")
    swap_path = ann.page.url.split(live_system, 1)[1].split("#")[0]
    ann.fill("#text", "Is the garden fenced?")
    ann.submit('form[action$="/messages"]')
    ann.sees("Your message is sent.")

    gwyn.open(live_system + "/swaps")
    gwyn.activate('main a[href="{}"]'.format(swap_path))
    gwyn.sees("Is the garden fenced?")
    gwyn.fill("#text", "Yes, all round.")
    gwyn.submit('form[action$="/messages"]')
    expect(gwyn.page.locator("#messages ~ .seibiant-message").last).to_contain_text(
        "Yes, all round.")
    gwyn.submit('form[action$="/accept"]', "swap-agreed")
    gwyn.sees("You have agreed to the swap. You can now see the other family's address and "
              "how to reach them.")
    gwyn.sees("1 Hoist Row, Llandod")
    ann.open(live_system + swap_path)
    ann.sees("2 Quiet Lane, Brecon")
    ann.sees("Yes, all round.")
    assert ann.page.locator('form[action$="/accept"]').count() == 0  # only the asked accept

    # the swap is over: its stays moved into the past, the timer completes it
    swap_id = swap_path.rsplit("/", 1)[1]
    with sqlite3.connect(str(SYSTEM["folder"] / "staycation.db")) as db:
        db.execute("UPDATE swaps SET proposer_stay_start = ?, proposer_stay_end = ?, "
                   "partner_stay_start = ?, partner_stay_end = ? WHERE id = ?",
                   (day(-8).isoformat(), day(-1).isoformat(), day(-8).isoformat(),
                    day(-1).isoformat(), swap_id))
    token = api.token(world["family"]["username"], world["family"]["password"])
    wait_until(lambda: requests.get(
        live_system + "/api/v1" + swap_path, timeout=10,
        headers={"Authorization": "Bearer " + token}).json()["status"] == "completed",
        20, interval=0.2, message="the swap to be completed")

    ann.open(live_system + swap_path)
    ann.choose_radio("home_rating", "5")
    ann.choose_radio("guests_rating", "4")
    ann.fill("#comment", "A lovely quiet cottage.")
    ann.submit('form[action$="/reviews"]')
    ann.sees("Thank you for your review. It is shown once the other family has reviewed "
             "too, or after 14 days.")
    gwyn.open(live_system + swap_path)
    gwyn.choose_radio("home_rating", "4")
    gwyn.choose_radio("guests_rating", "5")
    gwyn.submit('form[action$="/reviews"]')
    gwyn.sees("You have reviewed this swap. Thank you.")
    gwyn.open(live_system + "/swaps/homes/" + gwyn_home, "swap-home")  # both reviewed: shown
    gwyn.sees("A lovely quiet cottage.")

    # Ann's pages on a phone
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    phone = context.new_page()
    try:
        Person(phone, pages).sign_in(live_system, world["family"]["username"],
                                     world["family"]["password"])
        for path in ("/swaps", "/swaps/needs", "/swaps/homes/new", swap_path,
                     "/swaps/homes/" + ann_home, "/swaps/homes/{}/edit".format(ann_home),
                     "/swaps/homes/{}/availability".format(ann_home),
                     "/swaps/homes/{}/matches".format(ann_home),
                     "/swaps/homes/{}/propose".format(gwyn_home)):
            phone.goto(live_system + path)
            pages.check(phone)
            wide = phone.evaluate("document.documentElement.scrollWidth")
            assert wide <= 320, "{} is {} px wide at 320 px".format(path, wide)
    finally:
        context.close()

    # their officer reads the swap's messages for safeguarding, on a phone
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    officer = Person(context.new_page(), pages)

    def fits():
        wide = officer.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 320, "{} is {} px wide at 320 px".format(officer.page.url, wide)

    try:
        officer.sign_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
        officer.open(live_system + "/officer/families/" + world["family_id"])
        fits()  # with the family's swaps listed
        officer.activate('a[href$="/swap-messages?swap_id={}"]'.format(swap_id))
        fits()
        expect(officer.page.locator("#swap_id")).to_have_value(swap_id)  # chosen, not typed
        officer.fill("#reason", "Ann asked us to check the messages.")
        officer.submit("main form")
        officer.sees("Is the garden fenced?")
        officer.sees("Yes, all round.")
        fits()
    finally:
        context.close()
