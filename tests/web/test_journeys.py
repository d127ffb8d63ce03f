"""The three journeys end to end in a real browser against the live system: a provider
registers and publishes a slot, an officer approves the provider, a family finds and books
the slot, the officer approves the spend, and the family sees the booking confirmed. In
English, in Welsh, and with the keyboard alone; axe-core checks every page on the way."""
import datetime

import pytest
from playwright.sync_api import expect

from gateway.web import labels
from gateway.web.i18n import local_moment
from devtools.processes import wait_until

from .conftest import AXE_SCRIPT
from .people import Person

LIVE_TIMEOUT_MS = 20000
WELSH_TITLE = "Seibiant mewn gwesty gyda swper"
# The Welsh journey checks every page as the English one does, but writes only the Welsh
# screenshots docs/web.md shows (a full-page screenshot takes a quarter of a second or more)
WELSH_SCREENSHOTS = {"family-statement-cancelled-cy"}


def break_day():
    """A Saturday a few weeks ahead (always in the future, never near a clock change)."""
    day = datetime.date.today() + datetime.timedelta(days=21)
    return day + datetime.timedelta(days=(5 - day.weekday()) % 7)


def choose_language(person, language):
    if language != "en":
        person.activate('form[action="/language"] button[value="{}"]'.format(language))
        expect(person.page.locator("html")).to_have_attribute("lang", language)


def provider_registers_and_publishes(person, base_url, world, shots):
    suffix = world["suffix"]
    region = world["council"]  # a council area: the officer of that council approves
    person.open(base_url + "/", shots and "start")
    choose_language(person, person.words.language)
    person.activate('main a[href="/providers/register"]', shots and "provider-register")
    person.fill("#name", "Caffi Cwtch " + suffix)
    person.choose_radio("kind", "hospitality")
    person.tick('input[name="regions"][value="{}"]'.format(region))
    person.tick('input[name="accessibility"][value="wheelchair_access"]')
    person.tick('input[name="supports_needs"][value="autism"]')
    person.fill("#description", "A quiet café with a garden.")
    person.fill("#contact_email", "cwtch@example.org")
    person.fill("#contact_phone", "01686 123456")
    person.fill("#username", "provider-" + suffix)
    person.fill("#password", "provider-password-1")
    person.submit('form[action="/providers/register"]', shots and "provider-home")
    person.sees("Your offers")
    return {"name": "Caffi Cwtch " + suffix, "region": region}


def officer_approves_provider(person, base_url, world, provider, shots):
    person.open(base_url + "/sign-in")
    choose_language(person, person.words.language)
    person.fill("#username", world["officer"]["username"])
    person.fill("#password", world["officer"]["password"])
    person.submit('form[action="/sign-in"]', shots and "officer-home")
    person.activate('nav a[href="/officer/providers"]', shots and "officer-providers")
    section = 'section:has(h2:text-is("{}"))'.format(provider["name"])
    person.activate(section + " button[type=submit]")
    person.sees("%(name)s is approved.", name=provider["name"])


def provider_publishes_slot(person, base_url, provider, day, shots):
    person.activate('main a[href="/provider/offers/new"]', shots and "provider-new-offer")
    # a mistake first: the errors are summarised and shown beside their fields, and what was
    # typed is kept
    person.fill("#price", "eighty")
    person.submit('form[action="/provider/offers/new"]', shots and "provider-offer-errors")
    summary = person.page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(person._("Enter the price in pounds, like 45 or 12.50 "
                                             "(0 for a gifted break)"))
    expect(person.page.locator("#title-error")).to_have_text(
        person._("Error") + ": " + person._("Enter a title"))
    expect(person.page.locator("#price")).to_have_value("eighty")
    expect(person.page.locator("#region")).to_have_value(provider["region"])
    assert person.page.title().startswith(person._("Error:"))
    person.fill("#title", "Hotel break with dinner")
    person.fill("#title_cy", WELSH_TITLE)
    person.select("#category", "hospitality_stay")
    person.fill("#price", "80")
    person.tick('input[name="accessibility"][value="wheelchair_access"]')
    person.submit('form[action="/provider/offers/new"]')
    person.sees("Your offer is saved. Now add the times families can book.")
    one = 'form:has(input[name="kind"][value="one"])'
    person.fill("#one-date-day", str(day.day))
    person.fill("#one-date-month", str(day.month))
    person.fill("#one-date-year", str(day.year))
    person.fill("#one-start_time", "10:00")
    person.fill("#one-end_time", "16:00")
    person.fill("#one-capacity", "4")
    person.submit(one, shots and "provider-offer")
    person.sees(person.words.ngettext("%(num)d time published.", "%(num)d times published.", 1))
    expect(person.page.locator("main table")).to_contain_text(
        person.words.when(local_moment(day, datetime.time(10, 0))))
    # and a repeating pattern: the two Saturdays after it
    later = day + datetime.timedelta(days=7)
    person.fill("#pattern-date-day", str(later.day))
    person.fill("#pattern-date-month", str(later.month))
    person.fill("#pattern-date-year", str(later.year))
    person.tick('form:has(input[name="kind"][value="pattern"]) input[value="saturday"]')
    person.fill("#pattern-start_time", "10:00")
    person.fill("#pattern-end_time", "12:00")
    person.fill("#pattern-weeks", "2")
    person.fill("#pattern-capacity", "3")
    person.submit('form:has(input[name="kind"][value="pattern"])')
    person.sees(person.words.ngettext("%(num)d time published.", "%(num)d times published.", 2))
    expect(person.page.locator("main table tbody tr")).to_have_count(3)
    for week in (0, 1):  # 10:00 on UK clocks each week, summer time or not
        expect(person.page.locator("main table")).to_contain_text(person.words.when(
            local_moment(later + datetime.timedelta(weeks=week), datetime.time(10, 0))))


def family_finds_and_books(person, base_url, world, provider, shots):
    person.open(base_url + "/sign-in", shots and "sign-in")
    choose_language(person, person.words.language)
    person.fill("#username", world["family"]["username"])
    person.fill("#password", world["family"]["password"])
    person.submit('form[action="/sign-in"]', shots and "family-budget")
    person.sees("Available to spend")
    person.activate('main a[href$="/statement"]', shots and "family-statement")
    person.activate('nav a[href="/breaks"]', shots and "family-search")
    person.select("#region", provider["region"])
    person.tick('input[name="accessibility"][value="wheelchair_access"]')
    person.tick('input[name="affordable"]')
    person.submit("form.seibiant-filters", shots and "family-results")
    expect(person.page.locator("#results-heading")).to_have_text(
        person.words.ngettext("%(num)d break found", "%(num)d breaks found", 1))
    expect(person.page.locator("main")).to_contain_text(
        WELSH_TITLE if person.words.language == "cy" else "Hotel break with dinner")
    # the council area by its name in the page's language (Ynys Môn on a Welsh page)
    expect(person.page.locator("main article")).to_contain_text(
        person._(labels.COUNCIL_AREAS[provider["region"]]))
    person.activate("main article h3 a", shots and "family-offer")
    person.activate('main table a[href*="/book"]', shots and "family-book")
    person.fill("#places", "2")
    person.choose_radio("budget_id", world["budget"]["id"])
    # check your answers: the total, and why the council must approve it first (a hotel stay
    # is not in this plan, and £160 is over its £50)
    person.submit("main form", shots and "family-check-answers")
    person.sees("Check your answers before booking")
    main = person.page.locator("main")
    expect(main).to_contain_text(person.words.money(16000))
    expect(main).to_contain_text(person._("The council must approve this spend"))
    expect(main).to_contain_text(person._("The kind of break is not in the agreed plan."))
    expect(main).to_contain_text(person._(
        "The cost is over the limit agreed for spending without asking."))
    person.submit("main form")
    status = person.page.locator("#booking-status")
    # the page follows the saga live (JavaScript) until an officer must decide
    expect(status).to_contain_text(person._("Waiting for approval"), timeout=LIVE_TIMEOUT_MS)
    person.check(shots and "family-booking-waiting")
    return person.page.url


def officer_approves_spend(person, base_url, provider, shots):
    person.activate('nav a[href="/officer/approvals"]', shots and "officer-approvals")
    person.sees("Spends waiting for approval")
    section = person.page.locator("section.seibiant-approval").first
    expect(section).to_contain_text(person.words.money(16000))
    expect(section).to_contain_text("Ffion Family")
    person.fill("section.seibiant-approval textarea", "Agreed: a carer's break")
    person.activate('section.seibiant-approval button[value="approve"]')
    person.sees("Spend approved.")
    person.activate('nav a[href="/officer/families"]', shots and "officer-families")
    filename, csv = person.download('main a[href$="/statement.csv"]')
    assert filename.endswith(".csv")
    assert "16000" in csv, csv


def family_sees_confirmed(person, booking_url, shots):
    # back on the booking's page, the status changes live when the officer approves
    expect(person.page.locator("#booking-status")).to_contain_text(
        person._("Confirmed"), timeout=LIVE_TIMEOUT_MS)
    person.open(booking_url, shots and "family-booking-confirmed")
    person.sees("Your break is booked.")
    person.sees("What happens next")  # the confirmation: who, how to reach them, cancelling
    expect(person.page.locator('main a[href="mailto:cwtch@example.org"]')).to_be_visible()
    expect(person.page.locator('main a[href="tel:01686123456"]')).to_be_visible()
    person.page.emulate_media(media="print")  # printed: the content, no way around or buttons
    for hidden in ("header", "nav", "footer", "main .govuk-button", ".seibiant-language"):
        expect(person.page.locator(hidden).first).to_be_hidden()
    expect(person.page.locator("main h1")).to_be_visible()
    person.page.emulate_media(media="screen")
    person.activate('nav a[href="/bookings"]', shots and "family-bookings")
    expect(person.page.locator("main table")).to_contain_text(person._("Confirmed"))
    person.activate('nav a[href="/family"]')
    person.sees("Held for bookings")
    expect(person.page.locator("main")).to_contain_text(person.words.money(16000))


def provider_cannot_deliver_early(person, base_url):
    person.activate('nav a[href="/bookings"]', "provider-bookings")
    person.activate('main table a[href^="/bookings/"]')
    # not offered before the break starts, and said when it will be
    expect(person.page.locator('form[action$="/complete"]')).to_have_count(0)
    person.sees("You can mark a break as delivered once it has started.")


def family_cancels(person, booking_url, world_family_name, shots):
    person.open(booking_url)
    person.activate('main a[href$="/cancel"]', shots and "family-cancel")
    person.sees("Are you sure you want to cancel this booking?")
    person.submit('form[action$="/cancel"]')
    person.sees("The booking is cancelled. Any money held for it is back in the budget.")
    expect(person.page.locator("#booking-status")).to_contain_text(person._("Cancelled"))
    # the statement names the break and who cancelled, in the page's language
    person.activate('nav a[href="/family"]')
    person.activate('main a[href$="/statement"]')
    cancelled = person._("Cancelled by %(name)s.", name=world_family_name)

    def released():  # budgets releases the hold once it hears of the cancellation
        person.page.reload()
        return cancelled in person.page.locator("main").inner_text()

    wait_until(released, 20, interval=0.2, message="the hold's release on the statement")
    person.check(shots and "family-statement-cancelled")
    expect(person.page.locator("main table")).to_contain_text(
        WELSH_TITLE if person.words.language == "cy" else "Hotel break with dinner")


def run_journeys(live_system, world, new_page, pages, language, keyboard, shots):
    day = break_day()
    if language == "cy":
        pages.screenshots = WELSH_SCREENSHOTS
    provider_page, officer_page, family_page = (new_page() for _ in range(3))
    provider = Person(provider_page, pages, language, keyboard)
    officer = Person(officer_page, pages, language, keyboard)
    family = Person(family_page, pages, language, keyboard)
    details = provider_registers_and_publishes(provider, live_system, world, shots)
    officer_approves_provider(officer, live_system, world, details, shots)
    provider.page.reload()
    provider_publishes_slot(provider, live_system, details, day, shots)
    booking_url = family_finds_and_books(family, live_system, world, details, shots)
    officer_approves_spend(officer, live_system, details, shots)
    family_sees_confirmed(family, booking_url, shots)
    provider_cannot_deliver_early(provider, live_system)
    family_cancels(family, booking_url, world["family"]["display_name"], shots)
    # the language chosen before signing in is remembered with each person
    if language != "en":
        assert world_language(live_system, world) == language


def world_language(base_url, world):
    import requests
    token = requests.post(base_url + "/api/v1/auth/token", timeout=10, json={
        "username": world["family"]["username"], "password": world["family"]["password"]}
    ).json()["access_token"]
    return requests.get(base_url + "/api/v1/me", timeout=10,
                        headers={"Authorization": "Bearer " + token}).json()["language"]


# The pages each journey passes through, every one checked with axe (the Welsh one switches
# language first, on the home page and on the sign-in page).
# Each in a council area of its own, which only it uses (the search finds its break alone).
@pytest.mark.parametrize("language,keyboard,visited,world", [
    ("en", False, 36, "ceredigion"), ("cy", True, 39, "isle-of-anglesey")],
    ids=["english-with-a-mouse", "welsh-with-the-keyboard-alone"], indirect=["world"])
def test_the_three_journeys_end_to_end(live_system, world, new_page, pages, language,
                                       keyboard, visited):
    """English with a mouse, and Welsh with the keyboard alone (Tab, arrows, Space, Enter,
    typing; never a click)."""
    run_journeys(live_system, world, new_page, pages, language, keyboard, shots=True)
    assert len(pages.checked) == visited


def test_the_accessibility_check_does_fail_a_page_with_a_serious_violation(new_page, pages):
    page = new_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="/x.png">'
                     '<input type="text"></main></html>')
    page.evaluate(AXE_SCRIPT)
    with pytest.raises(AssertionError, match="image-alt"):
        pages.check(page)
