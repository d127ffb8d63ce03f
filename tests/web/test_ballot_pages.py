"""A ballot in a real browser: two carers (one in Welsh, one with the keyboard alone) apply
for the one place of a gifted slot given by ballot, one withdraws and applies again, and a
referrer applies for a third carer (who has had a gift this year, so is drawn last); after
the close, one is told they have a place (with their booking) and the other that they were
not drawn and keep their priority. The provider reads the draw's record and what its gifted
breaks gave carers. Every page is checked with axe, in English and Welsh, and at 320 px."""
import datetime
import uuid

import requests

from devtools.processes import wait_until
from tests.gateway.world import close_ballot_applications

from .conftest import ADMIN_PASSWORD, AXE_SCRIPT, SYSTEM
from .people import Person

# Far enough for the pages before the close on any machine: the test then closes the
# applications itself, moving the close into the past in bookings' own database.
CLOSE_SECONDS = 3600
DRAW_SECONDS = 60  # the ballot timer's period (0.5 s here) and the saga of the winner's booking


def ballot_centre(api, world):
    suffix = world["suffix"]
    referrer = {"username": "referrer-" + suffix, "password": "referrer-password-1"}
    api.post(api.token("admin", ADMIN_PASSWORD), "/referrers", dict(
        referrer, display_name="Rhys Referrer", council=world["council"],
        organisation="Credu"))
    referrer_token = api.token(referrer["username"], referrer["password"])
    carers = []
    for name, language in (("Gwen Lewis", "cy"), ("Alun Owen", "en"), ("Mair Price", "en")):
        carer = {"username": "carer-" + uuid.uuid4().hex[:8], "password": "carer-password-1",
                 "display_name": name, "language": language}
        carer["id"] = api.post(referrer_token, "/carers", dict(
            carer, needs=[], consent_statement="Agreed in person at the centre."))["id"]
        carers.append(carer)
    provider = {"username": "cafe-" + suffix, "password": "cafe-password-1"}
    answer = api.post(None, "/providers", dict(provider, name="Caffi " + suffix,
                                               kind="hospitality",
                                               regions=[world["council"]]))
    provider["id"] = answer["id"]
    api.post(world["officer_token"], "/providers/{}/approve".format(answer["id"]), {},
             status=200)
    token = api.token(provider["username"], provider["password"])
    offer = api.post(token, "/offers", {"title": "Tea for a carer " + suffix,
                                        "category": "hospitality_meal", "price_pence": 0,
                                        "region": world["council"]})
    # the third carer has had a gifted break this year: drawn after the two who have not
    api.allow_gifts(world, 2)
    [first_come] = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2099-07-01T11:00:00+00:00", "end": "2099-07-01T13:00:00+00:00",
        "capacity": 1}]})["items"]
    api.post(referrer_token, "/bookings", {"slot_id": first_come["id"], "places": 1,
                                           "family_id": carers[2]["id"]}, status=202)
    close = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        seconds=CLOSE_SECONDS)
    [slot] = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2099-08-01T11:00:00+00:00", "end": "2099-08-01T13:00:00+00:00",
        "capacity": 1, "allocation": "ballot",
        "applications_close_at": close.isoformat()}]})["items"]
    return referrer, provider, carers, offer, slot


def test_carers_apply_in_a_ballot_and_see_whether_they_were_drawn(
        live_system, world, api, new_page, pages, browser):
    referrer, provider, carers, offer, slot = ballot_centre(api, world)
    ballot_page = "{}/breaks/{}/slots/{}/ballot".format(live_system, offer["id"], slot["id"])
    welsh_carer, english_carer, gifted_carer = carers

    # the referrer applies for the carer who has had a gift, from the carer's page
    worker = Person(new_page(), pages, "en", keyboard=True)
    worker.sign_in(live_system, referrer["username"], referrer["password"])
    worker.open("{}/referrer/carers/{}".format(live_system, gifted_carer["id"]))
    worker.submit('form[action="/referrer/carers/{}/apply"]:has(input[value="{}"])'.format(
        gifted_carer["id"], slot["id"]))
    worker.sees("You have applied in the ballot for them. They will be told after the draw "
                "whether they have a place.")

    gwen = Person(new_page("cy"), pages, "cy")
    gwen.sign_in(live_system, welsh_carer["username"], welsh_carer["password"])
    gwen.open("{}/breaks/{}".format(live_system, offer["id"]))
    gwen.activate('main a[href="/breaks/{}/slots/{}/ballot"]'.format(offer["id"], slot["id"]))
    gwen.sees("Ballot for a gifted break")
    gwen.fill("#places", "")
    gwen.submit('form[action$="/ballot/apply"]')  # nothing given: said beside the field
    gwen.sees("Enter how many places you need")
    gwen.fill("#places", "1")
    gwen.submit('form[action$="/ballot/apply"]')
    gwen.sees("You have applied. We will tell you after the draw whether you have a place.")
    gwen.sees("You have applied for %(num)d place.", num=1)

    alun = Person(new_page(), pages, "en", keyboard=True)
    alun.sign_in(live_system, english_carer["username"], english_carer["password"])
    alun.open(ballot_page)
    alun.submit('form[action$="/ballot/apply"]')
    alun.sees("You have applied for %(num)d place.", num=1)
    alun.submit('form[action$="/ballot/withdraw"]')
    alun.sees("You have withdrawn from the ballot.")
    alun.submit('form[action$="/ballot/apply"]')
    alun.sees("You have applied for %(num)d place.", num=1)

    # the provider sees how it stands, and no record yet
    owner = Person(new_page(), pages, "en")
    owner.sign_in(live_system, provider["username"], provider["password"])
    owner.open(ballot_page)
    owner.sees("Carers are applying. The draw happens when applications close.")

    close_ballot_applications(SYSTEM["folder"] / "bookings.db", slot["id"])
    token = api.token(provider["username"], provider["password"])
    wait_until(lambda: requests.get(
        live_system + "/api/v1/slots/{}/ballot".format(slot["id"]), timeout=10,
        headers={"Authorization": "Bearer " + token}).json()["status"] == "drawn",
        DRAW_SECONDS, interval=0.2, message="the draw")
    record = requests.get(live_system + "/api/v1/slots/{}/ballot".format(slot["id"]),
                          timeout=10, headers={"Authorization": "Bearer " + token}).json()
    winner = next(entry for entry in record["entries"] if entry["outcome"] == "won")
    # priority honoured: a carer with no gift this year before the one with a gift
    assert [e["gifts"] for e in record["entries"]] == [0, 0, 1]
    assert record["entries"][2]["display_name"] == gifted_carer["display_name"]
    people = {welsh_carer["display_name"]: gwen, english_carer["display_name"]: alun}
    won = people.pop(winner["display_name"])
    [lost] = people.values()

    won.open(ballot_page)
    won.sees("You have a place")
    won.activate('main a[href="/bookings/{}"]'.format(winner["booking_id"]))
    won.sees("Booking reference")
    lost.open(ballot_page)
    lost.sees("You were not drawn this time")
    lost.sees("You keep your priority: not being drawn does not count against you in the "
              "next ballot.")

    # the draw's record: its seed and every entrant, named to the provider
    owner.open(ballot_page)
    owner.sees("How the ballot was drawn")
    owner.sees(record["seed"])
    for carer in carers:
        owner.sees(carer["display_name"])
    # and to the carers' own referrer
    worker.open(ballot_page)
    worker.sees("How the ballot was drawn")
    worker.sees(welsh_carer["display_name"])

    # what the provider's gifts gave, from its home
    owner.open(live_system + "/provider")
    owner.activate('main a[href="/providers/{}/impact"]'.format(provider["id"]))
    owner.sees("What gifted breaks gave carers")
    owner.sees("No carer has said how a gifted break went yet.")
    worker.open("{}/providers/{}/impact".format(live_system, provider["id"]))
    worker.sees("What gifted breaks gave carers")

    # on a phone, in English (the provider) and Welsh (the carer who chose it)
    impact_page = "{}/providers/{}/impact".format(live_system, provider["id"])
    for person, language, paths in ((provider, "en", (ballot_page, impact_page)),
                                    (welsh_carer, "cy", (ballot_page,))):
        context = browser.new_context(viewport={"width": 320, "height": 740})
        context.add_init_script(script=AXE_SCRIPT)
        phone = context.new_page()
        try:
            Person(phone, pages).sign_in(live_system, person["username"], person["password"])
            for path in paths:
                phone.goto(path)
                assert phone.locator("html").get_attribute("lang") == language
                pages.check(phone)
                wide = phone.evaluate("document.documentElement.scrollWidth")
                assert wide <= 320, "{} is {} px wide at 320 px".format(path, wide)
        finally:
            context.close()
