"""The family profile in a real browser, in Welsh: a family tells its profile once, books
sharing only the cared-for person's needs and how they communicate, the provider reads
exactly that, the family stops sharing and the provider can no longer read it; after the
break the family says how it went and the provider sees it. axe-core checks every page."""
import datetime
import re

from playwright.sync_api import expect

from devtools.processes import wait_until

from .people import Person
from .test_journeys import choose_language

# The break starts this long after its slot is published, which is just before the family
# opens its booking form: time enough to book (a few pages) before it starts; then the
# provider waits for it to start, to deliver it.
START_IN_SECONDS = 20


def a_provider_with_an_offer(api, world):
    """An approved provider of the world's council and its offer (set up through the API:
    their pages are another journey's): (its account, its token, the offer)."""
    suffix = world["suffix"]
    account = {"username": "provider-" + suffix, "password": "provider-password-1"}
    provider = api.post(None, "/providers", dict(
        account, name="Fferm Bracken " + suffix, kind="short_break",
        regions=[world["council"]]))
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    token = api.token(account["username"], account["password"])
    offer = api.post(token, "/offers", {"title": "Noson ar y fferm", "category":
                                        "overnight_stay", "price_pence": 2000,
                                        "region": world["council"]})
    return account, token, offer


def a_break_soon(api, token, offer, start_in_seconds=START_IN_SECONDS):
    """A slot of `offer` starting `start_in_seconds` from now, for five seconds."""
    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=start_in_seconds)
    return api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": start.isoformat(), "end": (start + datetime.timedelta(seconds=5)).isoformat(),
        "capacity": 2}]})["items"][0]


def reload_until(person, text, timeout=20):
    """Reloads the page until it shows `text` (an event another service hears meanwhile)."""
    def shows():
        person.page.reload()
        return text in person.page.locator("main").inner_text()
    wait_until(shows, timeout, interval=0.2, message=text)
    person.check()


def test_a_family_shares_only_what_it_chose_and_stops_sharing(live_system, api, world,
                                                               new_page, pages):
    base_url = live_system
    account, token, offer = a_provider_with_an_offer(api, world)
    family = Person(new_page("cy-GB"), pages, language="cy")
    family.sign_in(base_url, world["family"]["username"], world["family"]["password"])
    choose_language(family, "cy")

    # the profile, told once (in Welsh; the person's own words are theirs)
    family.activate('nav a[href="/profile"]', "profile")
    family.fill("#person-0-name", "Cerys")
    family.choose_radio("person-0-relationship", "cared_for")
    family.tick('input[name="person-0-needs"][value="autism"]')
    family.fill("#person-0-communication", "Makaton a bwrdd lluniau")
    family.fill("#person-0-diet", "Dim glwten")
    family.fill("#contact-name", "Taid")
    family.fill("#contact-phone", "01597 123456")
    family.submit("main form")
    family.sees("Your profile is saved.")

    # book, sharing only Cerys's needs and how she communicates
    slot = a_break_soon(api, token, offer)
    family.open("{}/breaks/{}/slots/{}/book".format(base_url, offer["id"], slot["id"]))
    family.choose_radio("share", "chosen")
    family.tick('input[name="share_people"]')
    family.tick('input[name="share_sections"][value="needs"]')
    family.tick('input[name="share_sections"][value="communication"]')
    family.submit("main form", "book-share")
    family.sees("Shared with the provider")
    expect(family.page.locator("main")).to_contain_text("Cerys")
    family.submit("main form")
    booking_path = re.search(r"/bookings/[A-Za-z0-9]+", family.page.url).group(0)

    # the provider reads exactly what was shared, once the booking is confirmed
    provider = Person(new_page(), pages)
    provider.sign_in(base_url, account["username"], account["password"])
    provider.open(base_url + booking_path)
    reload_until(provider, "Makaton a bwrdd lluniau")
    main = provider.page.locator("main")
    expect(main).to_contain_text("Cerys")
    expect(main).not_to_contain_text("Dim glwten")  # not chosen
    expect(main).not_to_contain_text("Taid")

    # the family sees the read, and stops sharing: the provider reads nothing any more
    family.open(base_url + "/profile/reads", "profile-reads")
    family.sees("The provider of a booking you shared it with")
    family.open(base_url + booking_path)
    family.submit('form[action$="/profile/withdraw"]')
    family.sees("You have stopped sharing your profile with the provider of this booking.")
    provider.open(base_url + booking_path)
    expect(main).not_to_contain_text("Makaton")
    provider.sees("Nothing of the family's profile is shared with you for this booking: they "
                  "chose not to share it, stopped sharing it, or the time to read it is over. "
                  "Ask the family what you need to know.")

    # once the break has started the provider delivers it, and the family says how it went
    reload_until(provider, provider._("Mark as delivered"), timeout=START_IN_SECONDS + 20)
    provider.submit('form[action$="/complete"]')
    # (their bookings list asks them, as the booking's page does)
    family.open(base_url + "/bookings")
    reload_until(family, family._("Tell us how it went"))
    family.activate('main a[href="{}/feedback"]'.format(booking_path), "feedback")
    family.choose_radio("rating", "5")
    family.choose_radio("rested", "4")
    family.choose_radio("would_book_again", "yes")
    family.fill("#comment", "Roedd Cerys wrth ei bodd")
    family.submit("main form")
    family.sees("Thank you for telling us how the break went.")
    family.open(base_url + "/bookings")  # asked once: told, the list no longer asks
    expect(family.page.locator("main")).not_to_contain_text(family._("Tell us how it went"))
    provider.open(base_url + "/provider", "provider-feedback")
    expect(main).to_contain_text("Roedd Cerys wrth ei bodd")
    provider.sees("%(score)s out of 5 on average", score="5")
