"""A carers' centre in a real browser: a referrer refers a carer with the keyboard
alone and books a gifted break for them; the carer signs in (in the Welsh they chose) and
books a gifted break of their own, seeing how many are left. Every page is checked with axe,
and the referrer's pages fit a 320 px screen."""
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD, AXE_SCRIPT
from .people import Person

START = "2099-07-{:02d}T11:00:00+00:00"


def centre(api, world):
    """A referrer of the world's council, an allowance of two gifts, and a provider's gifted
    offer with two times."""
    suffix = world["suffix"]
    referrer = {"username": "referrer-" + suffix, "password": "referrer-password-1"}
    api.post(api.token("admin", ADMIN_PASSWORD), "/referrers", dict(
        referrer, display_name="Rhys Referrer", council=world["council"],
        organisation="Credu"))
    answer = api.post(None, "/providers", {
        "username": "cafe-" + suffix, "password": "cafe-password-1", "name": "Caffi " + suffix,
        "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(answer["id"]), {},
             status=200)
    token = api.token("cafe-" + suffix, "cafe-password-1")
    offer = api.post(token, "/offers", {"title": "Lunch for a carer " + suffix,
                                        "category": "hospitality_meal", "price_pence": 0,
                                        "region": world["council"]})
    slots = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [
        {"start": START.format(day), "end": START.format(day).replace("T11", "T13"),
         "capacity": 3} for day in (1, 8)]})["items"]
    api.allow_gifts(world, 2)
    return referrer, offer, slots


def test_a_referrer_refers_a_carer_who_signs_in_and_books_a_gifted_break(
        live_system, world, api, new_page, pages, browser):
    referrer, offer, slots = centre(api, world)
    carer = {"username": "carer-" + world["suffix"], "password": "carer-password-1"}

    worker = Person(new_page(), pages, "en", keyboard=True)
    worker.sign_in(live_system, referrer["username"], referrer["password"])
    worker.sees("No carers yet.")
    worker.activate('main a[href="/referrer/carers/new"]')
    worker.submit('form[action="/referrer/carers/new"]')  # nothing filled in: every error
    worker.sees("Enter the carer's name")
    worker.sees("Enter what the carer agreed to")
    worker.fill("#display_name", "Gwen Lewis")
    worker.tick('input[name="needs"][value="dementia"]')
    worker.choose_radio("language", "cy")
    worker.fill("#consent_statement", "Agreed in person at the centre.")
    worker.fill("#username", carer["username"])
    worker.fill("#password", carer["password"])
    worker.submit('form[action="/referrer/carers/new"]', "referrer-carer")
    worker.sees("%(name)s can now sign in with their username, and book gifted breaks.",
                name="Gwen Lewis")
    worker.sees("%(left)s of %(allowed)s in 12 months", left=2, allowed=2)
    # a gifted break booked on the carer's behalf
    worker.activate('form:has(input[value="{}"]) button[type=submit]'.format(slots[0]["id"]))
    expect(worker.page.locator("#booking-status")).to_contain_text(worker._("Confirmed"),
                                                                   timeout=15000)
    worker.activate('nav a[href="/referrer"]')
    worker.sees("Gwen Lewis")

    person = Person(new_page(), pages, "cy")
    person.sign_in(live_system, carer["username"], carer["password"])
    person.sees("Gifted breaks left")
    person.sees("%(left)s of %(allowed)s in 12 months", left=1, allowed=2)
    person.open("{}/breaks/{}/slots/{}/book".format(live_system, offer["id"], slots[1]["id"]))
    person.submit("main form")
    person.sees("Check your answers before booking")
    person.submit("main form")
    expect(person.page.locator("#booking-status")).to_contain_text(person._("Confirmed"),
                                                                   timeout=15000)
    person.open(live_system + "/family")
    person.sees("%(left)s of %(allowed)s in 12 months", left=0, allowed=2)

    # the referrer's pages on a phone
    context = browser.new_context(viewport={"width": 320, "height": 740})
    context.add_init_script(script=AXE_SCRIPT)
    phone = context.new_page()
    try:
        Person(phone, pages).sign_in(live_system, referrer["username"], referrer["password"])
        carer_page = phone.locator("main td a").first.get_attribute("href")
        for path in ("/referrer", carer_page, carer_page + "/swaps/verify",
                     carer_page + "/swaps/withdraw", "/referrer/carers/new",
                     "/referrer/self-referrals", "/bookings"):
            phone.goto(live_system + path)
            pages.check(phone)
            wide = phone.evaluate("document.documentElement.scrollWidth")
            assert wide <= 320, "{} is {} px wide at 320 px".format(path, wide)
    finally:
        context.close()


def test_a_carer_asks_to_join_and_books_once_a_referrer_has_verified_them(
        live_system, world, api, new_page, pages):
    referrer, offer, slots = centre(api, world)
    carer = {"username": "joiner-" + world["suffix"], "password": "joiner-password-1"}

    person = Person(new_page(), pages, "en", keyboard=True)
    person.open(live_system + "/")
    person.activate('main a[href="/join"]')
    person.submit('form[action="/join"]')  # nothing filled in: every error, the box too
    person.sees("Tick the box to agree that a carers' centre may check your request")
    person.fill("#council", world["council"])
    person.fill("#display_name", "Tomos Owen")
    person.tick('input[name="consent"]')
    person.fill("#username", carer["username"])
    person.fill("#password", carer["password"])
    person.submit('form[action="/join"]')
    person.sees("You have asked to join. A carers' centre of your council will check your "
                "request; you can book breaks once it has.")
    book = "{}/breaks/{}/slots/{}/book".format(live_system, offer["id"], slots[0]["id"])
    person.open(book)
    person.submit("main form")
    person.submit("main form")  # confirmed: refused, in words
    person.sees("A carers' centre has not checked your request to join yet. You can book "
                "once it has.")

    worker = Person(new_page(), pages, "en")
    worker.sign_in(live_system, referrer["username"], referrer["password"])
    worker.activate('nav a[href="/referrer/self-referrals"]')
    worker.sees("Tomos Owen")
    worker.activate('main section:has-text("Tomos Owen") button[type=submit]')
    worker.sees("%(name)s is verified: they are a carer of your centre and can book.",
                name="Tomos Owen")

    person.open(book)
    person.submit("main form")
    person.submit("main form")
    expect(person.page.locator("#booking-status")).to_contain_text(person._("Confirmed"),
                                                                   timeout=15000)
