"""The service's own pages where a browser could otherwise meet a bare server answer: unknown
addresses, wrong methods, failures; and the language switch, which must land on a page."""
import re

import requests

from gateway.web.pages import PageEntrypoint


def csrf_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_unknown_address_is_the_services_own_page_in_the_persons_language(live_system):
    english = requests.get(live_system + "/no/such/page", timeout=10)
    assert english.status_code == 404 and '<html lang="en"' in english.text
    assert "Page not found" in english.text and 'href="/"' in english.text
    assert "Seibiant" in english.text
    welsh = requests.get(live_system + "/no/such/page", timeout=10,
                         headers={"Accept-Language": "cy"})
    assert welsh.status_code == 404 and '<html lang="cy"' in welsh.text
    assert "Heb ddod o hyd" in welsh.text
    # the API's own answers stay problem details
    api = requests.get(live_system + "/api/v1/no-such-thing", timeout=10)
    assert api.status_code == 404 and api.headers["Content-Type"] == "application/problem+json"


def test_a_form_address_opened_by_get_is_a_page_saying_so(live_system):
    answer = requests.get(live_system + "/sign-out", timeout=10,
                          headers={"Accept-Language": "cy"})
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"
    assert '<html lang="cy"' in answer.text and 'href="/"' in answer.text
    assert "Method Not Allowed" not in answer.text


def test_switching_language_on_a_refused_form_returns_to_a_page(live_system):
    browser = requests.Session()
    html = browser.get(live_system + "/sign-in", timeout=10).text
    refused = browser.post(live_system + "/sign-in", timeout=10, data={
        "username": "", "password": "", "csrf_token": csrf_of(html)})
    assert refused.status_code == 422
    # the refused form's page offers the switch; /sign-in can be opened by GET
    next_path = re.search(r'name="next" value="([^"]*)"', refused.text).group(1)
    switched = browser.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": next_path, "csrf_token": csrf_of(refused.text)})
    assert switched.status_code == 200 and '<html lang="cy"' in switched.text
    # a POST-only address is never where the switch leads
    away = browser.post(live_system + "/language", timeout=10, allow_redirects=False, data={
        "language": "en", "next": "/sign-out", "csrf_token": csrf_of(switched.text)})
    assert away.headers["Location"] in ("/", live_system + "/")


class _Broken(PageEntrypoint):
    """A page entrypoint whose worker cannot even start."""

    def __init__(self):
        super().__init__("GET", "/")

    def check_signature(self, args, kwargs):
        raise RuntimeError("the container is stopping")


def test_a_failure_outside_the_worker_is_the_services_page_in_the_browsers_language():
    from werkzeug.test import EnvironBuilder
    from gateway.http import GatewayRequest
    request = GatewayRequest(EnvironBuilder("/", headers={"Accept-Language": "cy"})
                             .get_environ())
    request.path_values = {}
    entrypoint = _Broken()
    entrypoint.server = type("Server", (), {"context_data_from_headers":
                                            staticmethod(lambda request: {})})()
    answer = entrypoint.handle_request(request)
    assert answer.status_code == 500
    html = answer.get_data(as_text=True)
    assert '<html lang="cy"' in html and "ddrwg gennym" in html and 'href="/"' in html


PUBLISHED = {"/accessibility": ("Accessibility statement", "Datganiad hygyrchedd",
                                "Enforcement procedure"),
             "/privacy": ("Privacy notice", "Hysbysiad preifatrwydd", "Care needs"),
             "/cookies": ("Cookies", "Cwcis", "seibiant_language"),
             "/help": ("Help and contact", "Help a chysylltu", "Give feedback")}


def test_what_a_public_body_must_publish_is_linked_from_every_pages_footer(live_system, world):
    family = requests.Session()
    html = family.get(live_system + "/sign-in", timeout=10).text
    family.post(live_system + "/sign-in", timeout=10, data={
        "username": world["family"]["username"], "password": world["family"]["password"],
        "csrf_token": csrf_of(html)})
    for browser, path in ((requests, "/"), (requests, "/sign-in"),
                          (requests, "/no/such/page"), (family, "/family"),
                          (family, "/swaps")):
        for language in ("en", "cy"):
            page = browser.get(live_system + path, timeout=10,
                               headers={"Accept-Language": language}).text
            footer = page[page.index("govuk-footer"):]
            for address in PUBLISHED:
                assert 'href="{}"'.format(address) in footer, (path, language, address)
            banner = page[page.index("govuk-phase-banner"):]
            assert 'href="/help#feedback"' in banner[:600], (path, language)
    for address, (english, welsh, content) in PUBLISHED.items():
        page = requests.get(live_system + address, timeout=10)
        assert page.status_code == 200 and "<h1" in page.text and english in page.text
        assert content in page.text
        page = requests.get(live_system + address, timeout=10, headers={"Accept-Language": "cy"})
        assert page.status_code == 200 and welsh in page.text and '<html lang="cy"' in page.text
    statement = requests.get(live_system + "/accessibility", timeout=10).text
    assert "Compliance status" in statement and "Preparation of this accessibility" in statement
    assert "2 December 2026" in statement


def _signed_in(base_url, username, password, **headers):
    browser = requests.Session()
    browser.headers.update(headers)
    html = browser.get(base_url + "/sign-in", timeout=10).text
    home = browser.post(base_url + "/sign-in", timeout=10, data={
        "username": username, "password": password, "csrf_token": csrf_of(html)})
    assert home.status_code == 200
    return browser, home


def test_a_welsh_speakers_language_is_kept_after_signing_out(live_system, world, api):
    token = api.token(world["family"]["username"], world["family"]["password"])
    assert requests.patch(api.base_url + "/api/v1/me", json={"language": "cy"}, timeout=10,
                          headers={"Authorization": "Bearer " + token}).status_code == 200
    # a browser that asks for English, of a person who chose Welsh
    browser, home = _signed_in(live_system, world["family"]["username"],
                               world["family"]["password"], **{"Accept-Language": "en"})
    assert '<html lang="cy"' in home.text
    after = browser.post(live_system + "/sign-out", timeout=10,
                         data={"csrf_token": csrf_of(home.text)})
    # one language on the page: the Welsh flash on a Welsh page
    assert '<html lang="cy"' in after.text and "Rydych wedi allgofnodi" in after.text
    assert "You have signed out" not in after.text
    # the choice outlives the session: a browser with only the language cookie
    alone = requests.get(live_system + "/", timeout=10, headers={"Accept-Language": "en"},
                         cookies={"seibiant_language": browser.cookies["seibiant_language"]})
    assert '<html lang="cy"' in alone.text
    # a cookie of any other value is ignored
    other = requests.get(live_system + "/", timeout=10, headers={"Accept-Language": "en"},
                         cookies={"seibiant_language": "fr"})
    assert '<html lang="en"' in other.text


def test_an_offer_in_english_only_is_marked_as_english_on_welsh_pages(live_system, world, api):
    suffix = world["suffix"]
    provider = api.post(None, "/providers", {
        "username": "inn-" + suffix, "password": "inn-password-1", "name": "Inn " + suffix,
        "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    token = api.token("inn-" + suffix, "inn-password-1")
    english = api.post(token, "/offers", {
        "title": "Riverside supper", "description": "A quiet table by the river.",
        "category": "hospitality_meal", "price_pence": 0, "region": world["council"]})
    welsh = api.post(token, "/offers", {
        "title": "Hill walk", "title_cy": "Taith gerdded", "category": "hospitality_activity",
        "price_pence": 0, "region": world["council"]})
    family, _home = _signed_in(live_system, world["family"]["username"],
                               world["family"]["password"])
    page = family.get(live_system + "/breaks/" + english["id"], timeout=10).text
    assert '<h1 class="govuk-heading-l">Riverside supper</h1>' in page
    assert '<p class="govuk-body">A quiet table by the river.</p>' in page
    # the person chooses Welsh
    assert requests.patch(api.base_url + "/api/v1/me", json={"language": "cy"}, timeout=10,
                          headers={"Authorization": "Bearer " + api.token(
                              world["family"]["username"], world["family"]["password"])}
                          ).status_code == 200
    page = family.get(live_system + "/breaks/" + english["id"], timeout=10).text
    assert '<html lang="cy"' in page
    assert '<h1 class="govuk-heading-l"><span lang="en">Riverside supper</span></h1>' in page
    assert '<span lang="en">A quiet table by the river.</span>' in page
    assert "<title>Riverside supper" in page  # a title holds text only
    page = family.get(live_system + "/breaks/" + welsh["id"], timeout=10).text
    assert '<h1 class="govuk-heading-l">Taith gerdded</h1>' in page


def test_the_published_pages_pass_axe_in_both_languages_and_on_a_phone(live_system, new_page,
                                                                       pages):
    for language in ("en-GB", "cy"):
        page = new_page(language)
        for width in (1024, 320):
            page.set_viewport_size({"width": width, "height": 740})
            for address in PUBLISHED:
                page.goto(live_system + address)
                assert page.locator("html").get_attribute("lang") == language[:2]
                pages.check(page)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, "{} is {} px wide at {} px".format(address, wide, width)
    assert len(pages.checked) == 16


def test_the_ballot_and_impact_pages_refuse_as_the_services_own_pages(live_system, world):
    family, _home = _signed_in(live_system, world["family"]["username"],
                               world["family"]["password"])
    # a family sees no donor's impact: the service's page, not a bare answer
    refused = family.get(live_system + "/providers/{}/impact".format("0" * 32), timeout=10)
    assert refused.status_code == 403 and '<html lang="en"' in refused.text
    assert "<h1" in refused.text and 'href="/"' in refused.text
    missing = family.get(live_system + "/breaks/{}/slots/{}/ballot".format("0" * 32, "1" * 32),
                         timeout=10)
    assert missing.status_code == 404 and "Page not found" in missing.text
    # a family cannot send the ballot's forms of a slot that is no ballot, or none
    html = family.get(live_system + "/family", timeout=10).text
    posted = family.post(live_system + "/breaks/{}/slots/{}/ballot/apply".format(
        "0" * 32, "1" * 32), data={"places": "1", "csrf_token": csrf_of(html)}, timeout=10)
    assert posted.status_code == 404
