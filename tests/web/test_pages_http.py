"""The pages' plumbing over plain HTTP against the live system: the session cookie, CSRF,
languages, who may see what, static files. And the session codec and form reading as units."""
import csv
import datetime
import io
import re
import sqlite3
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.datastructures import MultiDict

from gateway.web import i18n, statements
from gateway.web.forms import OUT_OF_SPAN, Messages, Reader
from seibiant_common import times
from devtools.processes import wait_until
from gateway.web.sessions import COOKIE_NAME, Session, SessionCodec

from .conftest import ADMIN_PASSWORD, SYSTEM


def csrf_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_session_cookie_is_signed_httponly_and_samesite(live_system):
    answer = requests.get(live_system + "/sign-in", timeout=10)
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE_NAME + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP, and SEIBIANT_SECURE_COOKIES is not set
    assert "Content-Security-Policy" in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_form_without_its_csrf_token_is_refused(live_system, world):
    browser = requests.Session()
    html = browser.get(live_system + "/sign-in", timeout=10).text
    credentials = {"username": world["family"]["username"],
                   "password": world["family"]["password"]}
    refused = browser.post(live_system + "/sign-in", data=credentials, timeout=10,
                           allow_redirects=False)
    assert refused.status_code == 400
    other = requests.Session()  # another person's token does not do either
    other.get(live_system + "/sign-in", timeout=10)
    stolen = browser.post(live_system + "/sign-in", timeout=10, allow_redirects=False,
                          data=dict(credentials, csrf_token=csrf_of(
                              other.get(live_system + "/sign-in", timeout=10).text)))
    assert stolen.status_code == 400
    accepted = browser.post(live_system + "/sign-in", timeout=10, allow_redirects=False,
                            data=dict(credentials, csrf_token=csrf_of(html)))
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/family")


def test_a_cookie_copied_before_sign_out_signs_no_one_in_after_it(live_system, world):
    browser = requests.Session()
    html = browser.get(live_system + "/sign-in", timeout=10).text
    browser.post(live_system + "/sign-in", timeout=10, data={
        "username": world["family"]["username"], "password": world["family"]["password"],
        "csrf_token": csrf_of(html)})
    copied = browser.cookies[COOKIE_NAME]
    home = browser.get(live_system + "/family", timeout=10, allow_redirects=False)
    assert home.status_code == 200
    signed_out = browser.post(live_system + "/sign-out", timeout=10, allow_redirects=False,
                              data={"csrf_token": csrf_of(home.text)})
    assert signed_out.status_code == 302
    replayed = requests.get(live_system + "/family", cookies={COOKIE_NAME: copied},
                            timeout=10, allow_redirects=False)
    assert replayed.status_code == 302 and "/sign-in" in replayed.headers["Location"]


def test_a_tampered_cookie_is_a_new_anonymous_session(live_system):
    answer = requests.get(live_system + "/family", cookies={COOKIE_NAME: "e30.forged"},
                          timeout=10, allow_redirects=False)
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_pages_are_in_the_language_asked_for(live_system):
    welsh = requests.get(live_system + "/", headers={"Accept-Language": "cy"}, timeout=10)
    assert '<html lang="cy"' in welsh.text and welsh.headers["Content-Language"] == "cy"
    english = requests.get(live_system + "/", headers={"Accept-Language": "fr, en;q=0.5"},
                           timeout=10)
    assert '<html lang="en"' in english.text


def test_the_language_switch_is_remembered_in_the_session(live_system):
    browser = requests.Session()
    html = browser.get(live_system + "/sign-in", timeout=10).text
    switched = browser.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/sign-in", "csrf_token": csrf_of(html)})
    assert switched.url.endswith("/sign-in") and '<html lang="cy"' in switched.text
    assert "Mewngofnodi" in switched.text
    # an address of another site is never followed
    html = switched.text
    away = browser.post(live_system + "/language", timeout=10, allow_redirects=False, data={
        "language": "en", "next": "//elsewhere.example/", "csrf_token": csrf_of(html)})
    assert away.headers["Location"] in ("/", live_system + "/")


def test_roles_see_only_their_pages(live_system, world):
    family = requests.Session()
    html = family.get(live_system + "/sign-in", timeout=10).text
    family.post(live_system + "/sign-in", timeout=10, data={
        "username": world["family"]["username"], "password": world["family"]["password"],
        "csrf_token": csrf_of(html)})
    assert family.get(live_system + "/officer/approvals", timeout=10).status_code == 403
    missing = family.get(live_system + "/bookings/" + "0" * 32, timeout=10)
    assert missing.status_code == 404 and "Page not found" in missing.text
    anonymous = requests.get(live_system + "/officer/approvals", timeout=10,
                             allow_redirects=False)
    assert anonymous.status_code == 302


def test_the_swap_pages_are_a_familys_and_say_first_why_an_unverified_one_cannot_list(
        live_system, world, api):
    family = requests.Session()
    html = family.get(live_system + "/sign-in", timeout=10).text
    home = family.post(live_system + "/sign-in", timeout=10, data={
        "username": world["family"]["username"], "password": world["family"]["password"],
        "csrf_token": csrf_of(html)})
    assert 'href="/swaps"' in home.text  # from the family's home page
    for language, words in (("en", "Your family needs to be verified first"),
                            ("cy", "Mae angen dilysu eich teulu yn gyntaf")):
        family.post(live_system + "/language", timeout=10, data={
            "language": language, "next": "/swaps", "csrf_token": csrf_of(home.text)})
        for path in ("/swaps", "/swaps/homes/new"):
            page = family.get(live_system + path, timeout=10)
            assert page.status_code == 200 and words in page.text, (path, language)
            assert '<html lang="{}"'.format(language) in page.text
        assert 'href="/swaps/homes/new"' not in family.get(live_system + "/swaps",
                                                            timeout=10).text
    family.post(live_system + "/language", timeout=10, data={
        "language": "en", "next": "/swaps", "csrf_token": csrf_of(home.text)})
    # a rule's refusal, in the staycation's words (not a carer's request to join)
    listed = family.post(live_system + "/swaps/homes/new", timeout=10, data={
        "title": "Mine", "region": "powys", "sleeps": "2", "bedrooms": "1",
        "pets_welcome": "no", "smoking": "no", "address": "3 Far Road", "action": "confirm",
        "csrf_token": csrf_of(home.text)})
    assert listed.status_code == 422
    assert "must be verified for home swaps by your carers" in listed.text
    assert "request to join" not in listed.text
    # verified, the form's errors are beside its fields, in the form's order
    wait_until(lambda: requests.post(
        "{}/api/v1/families/{}/swap-verification".format(live_system, world["family_id"]),
        json={}, timeout=10, headers={"Authorization": "Bearer " + world["officer_token"]}
    ).status_code == 200, 20, interval=0.2, message="the family to be verified")
    empty = family.post(live_system + "/swaps/homes/new", timeout=10, data={
        "sleeps": "many", "csrf_token": csrf_of(home.text)})
    assert empty.status_code == 422
    summary = empty.text[empty.text.index("govuk-error-summary"):]
    order = [summary.index(words) for words in (
        "Enter a title for your home", "Choose a council area",
        "Enter how many people your home sleeps, from 1 to 30",
        "Enter how many bedrooms your home has", "Say whether pets are welcome",
        "Enter your home&#39;s address")]
    assert order == sorted(order)
    assert 'href="#sleeps"' in summary and 'value="many"' in empty.text
    # another family's swap or home is not found; other roles may not see the pages
    assert family.get(live_system + "/swaps/" + "0" * 32, timeout=10).status_code == 404
    assert family.get(live_system + "/swaps/homes/" + "0" * 32,
                      timeout=10).status_code == 404
    officer = requests.Session()
    html = officer.get(live_system + "/sign-in", timeout=10).text
    officer.post(live_system + "/sign-in", timeout=10, data={
        "username": world["officer"]["username"], "password": world["officer"]["password"],
        "csrf_token": csrf_of(html)})
    assert officer.get(live_system + "/swaps", timeout=10).status_code == 403
    anonymous = requests.get(live_system + "/swaps", timeout=10, allow_redirects=False)
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]


def test_gov_uk_frontend_is_served_where_its_css_expects_it(live_system):
    css = requests.get(live_system + "/static/govuk-frontend.min.css", timeout=10)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    font = re.search(r"/assets/fonts/[^)\"']+\.woff2", css.text).group(0)
    assert requests.get(live_system + font, timeout=10).status_code == 200
    js = requests.get(live_system + "/static/govuk-frontend.min.js", timeout=10)
    assert js.headers["Content-Type"].startswith("text/javascript")
    assert requests.get(live_system + "/static/../pages.py", timeout=10).status_code == 404


def test_session_codec_refuses_anything_it_did_not_sign():
    codec = SessionCodec("x" * 40)
    cookie = codec.dumps({"token": "t", "csrf": "c"})
    assert codec.loads(cookie) == {"token": "t", "csrf": "c"}
    payload, _, signature = cookie.rpartition(".")  # the payload with its signing time
    assert codec.loads(payload + "." + signature[::-1]) is None
    assert codec.loads(cookie.replace(payload, payload[:-2] + "AA")) is None
    assert SessionCodec("y" * 40).loads(cookie) is None
    assert codec.loads("garbage") is None and codec.loads(None) is None


def test_session_codec_refuses_a_cookie_older_than_its_max_age(monkeypatch):
    codec = SessionCodec("x" * 40, max_age=60)
    signed_at = time.time()
    cookie = codec.dumps({"csrf": "c"})
    monkeypatch.setattr(time, "time", lambda: signed_at + 59)
    assert codec.loads(cookie) == {"csrf": "c"}
    monkeypatch.setattr(time, "time", lambda: signed_at + 62)
    assert codec.loads(cookie) is None  # whatever the browser kept


def test_session_csrf_token_is_checked_in_constant_time_and_rotates():
    session = Session()
    token = session["csrf"]
    assert session.check_csrf(token) and not session.check_csrf(token + "x")
    assert not session.check_csrf(None)
    session.rotate_csrf()
    assert session["csrf"] != token and session.modified


def test_reading_money_dates_and_times_as_people_type_them():
    messages = Messages({"price": ("Enter a price", "Enter a price like 12.50"),
                         "date": ("Enter the date", "Enter a real date"),
                         "time": ("Enter the time", "Enter a time like 10:00")})
    reader = Reader(MultiDict({"price": "£12.5", "date-day": "31", "date-month": "2",
                               "date-year": "2027", "time": "9.30"}), messages)
    assert reader.pence("price") == 1250
    assert reader.date("date") is None and reader.errors["date"] == "Enter a real date"
    assert str(reader.time("time")) == "09:30:00"
    empty = Reader(MultiDict({"price": "12.345"}), messages)
    assert empty.pence("price") is None and empty.errors["price"] == "Enter a price like 12.50"
    assert empty.time("time") is None and empty.errors["time"] == "Enter the time"


def test_api_errors_are_told_beside_the_form_fields_in_form_order():
    messages = Messages({"title": ("Enter a title", "Shorter title"),
                         "price": ("Enter a price", "Enter a price like 12.50")},
                        api_fields={"price_pence": "price"})
    explained = messages.explain({"price_pence": ["Must be a whole number of pence."],
                                  "title": ["Shorter than minimum length 1."]})
    assert list(explained.errors.items()) == [("title", "Enter a title"),
                                              ("price", "Enter a price like 12.50")]
    # whatever the schema's words, an empty answer is a missing one
    length = {"title": ["Length must be between 1 and 200."]}
    assert messages.explain(length, {"title": ""}).errors == {"title": "Enter a title"}
    assert messages.explain(length, {"title": "x" * 201}).errors == {"title": "Shorter title"}


def signed_in(base_url, username, password):
    browser = requests.Session()
    html = browser.get(base_url + "/sign-in", timeout=10).text
    browser.post(base_url + "/sign-in", timeout=10, data={
        "username": username, "password": password, "csrf_token": csrf_of(html)})
    return browser


def test_an_officer_declines_with_a_reason_and_the_family_reads_why(live_system, world, api):
    suffix = world["suffix"]
    provider = api.post(None, "/providers", {
        "username": "cafe-" + suffix, "password": "cafe-password-1", "name": "Cafe " + suffix,
        "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    provider_token = api.token("cafe-" + suffix, "cafe-password-1")
    offer = api.post(provider_token, "/offers", {
        "title": "Lunch", "category": "hospitality_meal", "price_pence": 9000,
        "region": world["council"]})
    slot = api.post(provider_token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2099-06-05T11:00:00+00:00", "end": "2099-06-05T13:00:00+00:00",
        "capacity": 2}]})["items"][0]
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    booking = api.post(family_token, "/bookings", {
        "slot_id": slot["id"], "places": 1, "budget_id": world["budget"]["id"]}, status=202)

    def status():
        return requests.get(api.base_url + "/api/v1/bookings/" + booking["id"], timeout=10,
                            headers={"Authorization": "Bearer " + family_token}
                            ).json()["status"]

    wait_until(lambda: status() == "awaiting_approval", 20, interval=0.2,
               message="the booking to wait for an officer")
    officer = signed_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
    queue = officer.get(live_system + "/officer/approvals", timeout=10).text
    assert "Lunch" in queue and "£90.00" in queue
    # why it waits: a meal is not in this plan, and £90 is over its £50 without asking
    assert "Why it needs approval" in queue
    assert "The kind of break is not in the agreed plan." in queue
    assert "The cost is over the limit agreed for spending without asking." in queue
    listed = officer.get(live_system + "/bookings", timeout=10).text
    assert '<th scope="col" class="govuk-table__header">Family</th>' in listed
    assert "Ffion Family" in listed
    decide = live_system + "/officer/approvals/" + booking["id"]
    refused = officer.post(decide, timeout=10, data={
        "decision": "decline", "reason": " ", "csrf_token": csrf_of(queue)})
    assert refused.status_code == 422
    assert 'id="reason-{}-error"'.format(booking["id"]) in refused.text
    assert "Enter the reason for declining" in refused.text
    assert "govuk-error-summary" in refused.text
    declined = officer.post(decide, timeout=10, allow_redirects=False, data={
        "decision": "decline", "reason": "Not in the plan", "csrf_token": csrf_of(queue)})
    assert declined.status_code == 302
    wait_until(lambda: status() == "rejected", 20, interval=0.2, message="the decline")
    decisions = officer.get(live_system + "/officer/approvals", timeout=10).text
    decisions = decisions[decisions.index('id="decided"'):]
    for words in ("Ffion Family", "£90.00", "Spend declined", "Olwen Officer",
                  "Not in the plan"):
        assert words in decisions, words
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    page = family.get(live_system + "/bookings/" + booking["id"], timeout=10).text
    assert "Not booked" in page and "A council officer declined the spend." in page
    assert "The officer's reason: Not in the plan" in page
    switched = family.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/bookings/" + booking["id"], "csrf_token": csrf_of(page)})
    assert "Rheswm y swyddog: Not in the plan" in switched.text
    # the statement says why the money came back, with the officer's own words
    statement = live_system + "/budgets/{}/statement".format(world["budget"]["id"])
    wait_until(lambda: "Arian wedi&#39;i ryddhau" in family.get(statement, timeout=10).text,
               20, interval=0.2, message="the hold's release")
    page = family.get(statement, timeout=10).text
    assert "Lunch</span>, Cafe {}".format(suffix) in page  # English, marked lang="en"
    assert "Rheswm y swyddog: Not in the plan" in page
    assert "Gwrthododd swyddog o&#39;r cyngor y gwariant." in page


def test_a_date_outside_1970_to_2199_is_told_as_such():
    messages = Messages({"date": ("Enter the date", "Enter a real date")})
    for year in ("9999", "2200", "1969"):
        reader = Reader(MultiDict({"date-day": "31", "date-month": "12", "date-year": year}),
                        messages)
        assert reader.date("date") is None and reader.errors == {"date": OUT_OF_SPAN}
    for day, month, year in (("1", "1", "1970"), ("31", "12", "2199")):
        reader = Reader(MultiDict({"date-day": day, "date-month": month, "date-year": year}),
                        messages)
        assert reader.date("date") == datetime.date(int(year), int(month), int(day))
    # the words name the span's own years
    assert "{} to {}".format(times.FIRST_DAY.year, times.LAST_DAY.year) in OUT_OF_SPAN


def _in_welsh(api, token):
    answer = requests.patch(api.base_url + "/api/v1/me", json={"language": "cy"}, timeout=10,
                            headers={"Authorization": "Bearer " + token})
    assert answer.status_code == 200, answer.text


def _error_summary(page, message):
    assert page.status_code == 422, page.text[:300]
    assert "govuk-error-summary" in page.text and message in page.text


def test_a_search_by_dates_out_of_the_span_is_a_form_error_in_english_and_welsh(
        live_system, world, api):
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    far = {"to-day": "31", "to-month": "12", "to-year": "9999"}
    _error_summary(family.get(live_system + "/breaks", params=far, timeout=10),
                   "Enter a date from 1970 to 2199")
    edges = {"from-day": "1", "from-month": "1", "from-year": "1970",
             "to-day": "31", "to-month": "12", "to-year": "2199"}
    assert family.get(live_system + "/breaks", params=edges, timeout=10).status_code == 200
    _in_welsh(api, api.token(world["family"]["username"], world["family"]["password"]))
    _error_summary(family.get(live_system + "/breaks", params=far, timeout=10),
                   "Rhowch ddyddiad rhwng 1970 a 2199")


def test_slots_on_dates_out_of_the_span_are_a_form_error_in_english_and_welsh(
        live_system, world, api):
    username, password = "inn-" + world["suffix"], "inn-password-1"
    provider = api.post(None, "/providers", {
        "username": username, "password": password, "name": "Inn " + world["suffix"],
        "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    token = api.token(username, password)
    offer = api.post(token, "/offers", {"title": "A night", "category": "overnight_stay",
                                        "price_pence": 9000, "region": world["council"]})
    browser = signed_in(live_system, username, password)
    page = live_system + "/provider/offers/" + offer["id"]

    def publish(**form):
        html = browser.get(page, timeout=10).text
        return browser.post(page + "/slots", timeout=10, data=dict(
            form, csrf_token=csrf_of(html), start_time="10:00", end_time="16:00",
            capacity="2"))

    for year, in_words in (("9999", "Enter a date from 1970 to 2199"),
                           ("2300", "Enter a date from 1970 to 2199")):
        day = {"date-day": "31", "date-month": "12", "date-year": year}
        _error_summary(publish(kind="pattern", weeks="2", weekdays="monday", **day),
                       in_words)
        _error_summary(publish(kind="single", **day), in_words)
    # the span's last day is taken, but a pattern from it runs past it
    last = {"date-day": "31", "date-month": "12", "date-year": "2199"}
    _error_summary(publish(kind="pattern", weeks="2", weekdays="monday", **last),
                   "Enter for how many weeks")
    _in_welsh(api, token)
    _error_summary(publish(kind="single", **{"date-day": "31", "date-month": "12",
                                             "date-year": "9999"}),
                   "Rhowch ddyddiad rhwng 1970 a 2199")
    stored = requests.get(api.base_url + "/api/v1/offers/" + offer["id"], timeout=10,
                          headers={"Authorization": "Bearer " + token}).json()
    assert stored["slots"] == []


def test_registering_under_a_taken_username_keeps_the_form_and_queues_nothing(
        live_system, world, api):
    browser = requests.Session()
    form = browser.get(live_system + "/providers/register", timeout=10).text
    name = "Taken Teas " + world["suffix"]
    answer = browser.post(live_system + "/providers/register", timeout=10, data={
        "name": name, "kind": "hospitality", "regions": world["council"],
        "username": world["family"]["username"], "password": "another-password-1",
        "csrf_token": csrf_of(form)}, allow_redirects=False)
    assert answer.status_code == 422 and "govuk-error-summary" in answer.text
    assert 'id="username-error"' in answer.text and "choose another username" in answer.text
    assert name in answer.text  # what was typed is kept
    assert "registration was received" not in answer.text
    pending = requests.get(api.base_url + "/api/v1/providers", timeout=10,
                           params={"status": "pending", "limit": "200"},
                           headers={"Authorization": "Bearer " + world["officer_token"]})
    assert pending.status_code == 200
    assert name not in [provider["name"] for provider in pending.json()["items"]]


def test_a_pending_provider_is_not_offered_an_offer_and_a_refusal_keeps_the_form(
        live_system, world, api):
    username = "pending-" + world["suffix"]
    api.post(None, "/providers", {"username": username, "password": "pending-password-1",
                                  "name": "Pending " + world["suffix"], "kind": "hospitality",
                                  "regions": [world["council"]]})
    provider = signed_in(live_system, username, "pending-password-1")
    home = provider.get(live_system + "/provider", timeout=10).text
    assert 'href="/provider/offers/new"' not in home
    blank = provider.get(live_system + "/provider/offers/new", timeout=10).text
    assert 'action="/provider/offers/new"' not in blank
    assert "waiting for a council officer to approve it" in blank
    # sent all the same (a form kept open from before, say): kept, with the reason beside it
    refused = provider.post(live_system + "/provider/offers/new", timeout=10, data={
        "title": "Tea for two", "category": "hospitality_meal", "price": "12",
        "region": world["council"], "csrf_token": csrf_of(home)})
    assert refused.status_code == 409 and "govuk-error-summary" in refused.text
    assert 'href="#refusal"' in refused.text and 'id="refusal"' in refused.text
    assert 'value="Tea for two"' in refused.text
    assert "waiting for a council officer to approve it" in refused.text


def test_delivery_is_not_offered_before_the_break_and_a_refusal_says_why_on_the_page(
        live_system, world, api):
    username, offer, slot = _approved_offer(api, world, "A night away", 1000)
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    booking = api.post(family_token, "/bookings", {
        "slot_id": slot["id"], "places": 1, "budget_id": world["budget"]["id"]}, status=202)
    url = live_system + "/bookings/" + booking["id"]
    browser = signed_in(live_system, username, "inn-password-1")
    wait_until(lambda: "Your break is booked." in browser.get(url, timeout=10).text or
               "Confirmed" in browser.get(url, timeout=10).text, 20, interval=0.2,
               message="the booking to be confirmed")
    page = browser.get(url, timeout=10).text
    assert 'action="/bookings/{}/complete"'.format(booking["id"]) not in page
    assert "You can mark a break as delivered once it has started." in page
    refused = browser.post(url + "/complete", timeout=10, data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 409 and 'id="refusal"' in refused.text
    assert "govuk-error-summary" in refused.text and "A night away" in refused.text
    assert "You can mark a break as delivered once it has started." in refused.text


def _approved_offer(api, world, title, price_pence, category="overnight_stay"):
    """(the provider's username, an offer and its one slot of 2 places) of a new approved
    provider in the world's council; the provider's password is "inn-password-1"."""
    username = "inn-" + uuid.uuid4().hex[:8]
    provider = api.post(None, "/providers", {
        "username": username, "password": "inn-password-1", "name": "Inn " + username,
        "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    provider_token = api.token(username, "inn-password-1")
    offer = api.post(provider_token, "/offers", {
        "title": title, "category": category, "price_pence": price_pence,
        "region": world["council"]})
    slot = api.post(provider_token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": "2099-06-05T15:00:00+00:00", "end": "2099-06-06T10:00:00+00:00",
        "capacity": 2}]})["items"][0]
    return username, offer, slot


def test_the_booking_form_shows_the_plan_checks_the_answers_and_says_when_approval_is_needed(
        live_system, world, api):
    _, offer, slot = _approved_offer(api, world, "Two nights by the sea", 3000)
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    form_url = "{}/breaks/{}/slots/{}/book".format(live_system, offer["id"], slot["id"])
    form = family.get(form_url, timeout=10).text
    # the family's agreed plan, beside the budget to pay from
    assert "Kinds of break agreed: Overnight stay" in form
    assert "Approved without asking up to £50.00" in form
    answers = {"places": "3", "budget_id": world["budget"]["id"], "idempotency_key": "k1" +
               world["suffix"], "csrf_token": csrf_of(form)}
    # more places than are left: an error on the form, and nothing booked
    too_many = family.post(form_url, data=answers, timeout=10)
    _error_summary(too_many, "Enter no more places than are left")
    assert 'id="places-error"' in too_many.text and 'value="3"' in too_many.text
    # within the plan: the total, and no approval to wait for; not booked yet
    within = family.post(form_url, data=dict(answers, places="1"), timeout=10)
    assert within.status_code == 200 and "Check your answers before booking" in within.text
    assert "£30.00" in within.text and "within your agreed plan" in within.text
    assert "The council must approve this spend" not in within.text
    bookings = requests.get(api.base_url + "/api/v1/bookings", timeout=10, headers={
        "Authorization": "Bearer " + api.token(world["family"]["username"],
                                               world["family"]["password"])}).json()
    assert slot["id"] not in [booking["slot_id"] for booking in bookings["items"]]
    # two places, £60: over the £50 without asking, so the council must approve, and why
    over = family.post(form_url, data=dict(answers, places="2"), timeout=10)
    assert "£60.00" in over.text and "The council must approve this spend" in over.text
    assert "The cost is over the limit agreed for spending without asking." in over.text
    assert "The kind of break is not in the agreed plan." not in over.text
    assert 'href="/breaks/{}/slots/{}/book?places=2'.format(offer["id"], slot["id"]) in over.text
    # confirmed: booked
    booked = family.post(form_url, data=dict(answers, places="2", confirmed="yes",
                                             csrf_token=csrf_of(over.text)),
                         timeout=10, allow_redirects=False)
    assert booked.status_code == 302 and "/bookings/" in booked.headers["Location"]


def approved_provider_offering(api, world, name, title, starts, price_pence=1000, **contact):
    """A provider of the world's council, approved, with an offer of two-hour slots at each
    of `starts`: its sign-in (username, password) and the slots."""
    username, password = name.lower() + "-" + world["suffix"], name.lower() + "-password-1"
    provider = api.post(None, "/providers", dict(contact, **{
        "username": username, "password": password, "name": name + " " + world["suffix"],
        "kind": "hospitality", "regions": [world["council"]]}))
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    token = api.token(username, password)
    offer = api.post(token, "/offers", {"title": title, "category": "hospitality_activity",
                                        "price_pence": price_pence, "region": world["council"]})
    slots = api.post(token, "/offers/{}/slots".format(offer["id"]), {"slots": [{
        "start": start, "end": start.replace("T10:", "T12:"), "capacity": 3}
        for start in starts]})["items"]
    return (username, password), slots


def test_the_provider_home_counts_each_offers_times_to_book(live_system, world, api):
    sign_in, _slots = approved_provider_offering(api, world, "Barn", "Barn day", [
        "2099-07-01T10:00:00+00:00", "2099-07-02T10:00:00+00:00"])
    home = signed_in(live_system, *sign_in).get(live_system + "/provider", timeout=10).text
    assert "Barn day</a>\n          (2 times to book)" in home


def test_cancelling_asks_first_on_a_page_of_its_own(live_system, world, api):
    provider_sign_in, slots = approved_provider_offering(
        api, world, "Mill", "Mill tour", ["2099-08-01T10:00:00+00:00"], price_pence=0)
    api.allow_gifts(world, 2)  # the family books two gifted breaks
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    bookings = [api.post(family_token, "/bookings", {"slot_id": slots[0]["id"], "places": 1},
                         status=202) for _ in range(2)]
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    provider = signed_in(live_system, *provider_sign_in)
    stranger = {"username": "stranger-" + world["suffix"], "password": "stranger-password-1",
                "display_name": "Another family"}
    api.post(world["officer_token"], "/families", stranger)
    stranger = signed_in(live_system, stranger["username"], stranger["password"])
    for person, booking in ((family, bookings[0]), (provider, bookings[1])):
        url = live_system + "/bookings/" + booking["id"]
        wait_until(lambda: ">Confirmed</strong>" in person.get(url, timeout=10).text, 20,
                   interval=0.2, message="the gifted booking to be confirmed")
        # another family is not told the booking exists, let alone asked to cancel it
        assert stranger.get(url + "/cancel", timeout=10).status_code == 404
        page = person.get(url, timeout=10).text
        assert 'href="/bookings/{}/cancel"'.format(booking["id"]) in page
        assert 'action="/bookings/{}/cancel"'.format(booking["id"]) not in page
        asked = person.get(url + "/cancel", timeout=10)
        assert asked.status_code == 200
        assert "Are you sure you want to cancel this booking?" in asked.text
        assert 'action="/bookings/{}/cancel"'.format(booking["id"]) in asked.text
        assert "No, keep this booking" in asked.text
        assert ">Confirmed</strong>" in person.get(url, timeout=10).text  # asking changed nothing
        cancelled = person.post(url + "/cancel", timeout=10,
                                data={"csrf_token": csrf_of(asked.text)})
        assert "The booking is cancelled." in cancelled.text
        # once cancelled, there is nothing to confirm: back to the booking
        again = person.get(url + "/cancel", timeout=10, allow_redirects=False)
        assert again.status_code == 302 and again.headers["Location"].endswith(booking["id"])


def test_the_confirmation_says_who_how_to_reach_them_what_next_and_how_to_cancel(
        live_system, world, api):
    provider_sign_in, slots = approved_provider_offering(
        api, world, "Forge", "Forge visit", ["2099-09-01T10:00:00+00:00"], price_pence=0,
        contact_email="hello@forge.example", contact_phone="01686 123456")
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    booking = api.post(family_token, "/bookings", {"slot_id": slots[0]["id"], "places": 2},
                       status=202)
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    url = live_system + "/bookings/" + booking["id"]
    wait_until(lambda: "Your break is booked." in family.get(url, timeout=10).text, 20,
               interval=0.2, message="the gifted booking to be confirmed")
    page = family.get(url, timeout=10).text
    reference = booking["id"][:5].upper() + "-" + booking["id"][5:10].upper()
    assert "Booking reference" in page and reference in page
    assert "Forge " + world["suffix"] in page
    assert 'href="mailto:hello@forge.example"' in page and 'href="tel:01686123456"' in page
    assert "What happens next" in page and "expects you at the time above" in page
    assert "can cancel this booking until the break starts" in page
    welsh = family.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/bookings/" + booking["id"], "csrf_token": csrf_of(page)})
    assert "Cyfeirnod yr archeb" in welsh.text and "Beth sy'n digwydd nesaf" in welsh.text
    # the provider's copy names the family, and no money is said to be held for the provider
    provider_page = signed_in(live_system, *provider_sign_in).get(url, timeout=10).text
    assert "Ffion Family has booked this break." in provider_page
    assert "Booked by" in provider_page
    assert "The money is held for it until then" not in provider_page
    # printed, it is the content without navigation or buttons
    css = requests.get(live_system + "/static/seibiant.css", timeout=10).text
    print_rules = css[css.index("@media print"):]
    for hidden in (".govuk-header", ".govuk-service-navigation", ".govuk-footer",
                   ".govuk-button", ".seibiant-language"):
        assert hidden in print_rules


def test_a_provider_registers_how_families_reach_them(live_system, world):
    browser = requests.Session()
    form = browser.get(live_system + "/providers/register", timeout=10).text
    assert 'name="contact_email"' in form and 'name="contact_phone"' in form
    details = {"name": "Kiln " + world["suffix"], "kind": "hospitality",
               "regions": world["council"], "username": "kiln-" + world["suffix"],
               "password": "kiln-password-1", "csrf_token": csrf_of(form)}
    refused = browser.post(live_system + "/providers/register", timeout=10, data=dict(
        details, contact_email="not an address", contact_phone="call me"))
    assert refused.status_code == 422
    assert "Enter an email address in the right format" in refused.text
    assert "Enter a phone number, like 01686 123456" in refused.text
    registered = browser.post(live_system + "/providers/register", timeout=10,
                              allow_redirects=False, data=dict(
                                  details, contact_email="kiln@example.org",
                                  contact_phone="+44 1686 654321",
                                  csrf_token=csrf_of(refused.text)))
    assert registered.status_code == 302


def test_a_statement_names_the_break_and_who_cancelled_in_the_readers_language(
        live_system, world, api):
    provider_sign_in, slots = approved_provider_offering(
        api, world, "Quay", "Quay walk", ["2099-10-01T10:00:00+00:00"])
    family_token = api.token(world["family"]["username"], world["family"]["password"])
    provider_token = api.token(*provider_sign_in)
    bookings = [api.post(family_token, "/bookings", {
        "slot_id": slots[0]["id"], "places": 1, "budget_id": world["budget"]["id"]},
        status=202) for _ in range(2)]
    for booking, token in zip(bookings, (family_token, provider_token), strict=True):
        url = api.base_url + "/api/v1/bookings/" + booking["id"]
        # an activity is not in the plan: held, waiting for the officer, then cancelled
        wait_until(lambda: requests.get(url, timeout=10, headers={
            "Authorization": "Bearer " + family_token}).json()["status"] == "awaiting_approval",
            20, interval=0.2, message="the hold")
        api.post(token, "/bookings/{}/cancel".format(booking["id"]), {}, status=200)
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    address = live_system + "/budgets/{}/statement".format(world["budget"]["id"])
    wait_until(lambda: family.get(address, timeout=10).text.count("Hold released") == 2, 20,
               interval=0.2, message="both holds released")
    page = family.get(address, timeout=10).text
    for booking in bookings:
        assert booking["id"] not in page  # no raw ids: the break and the person by name
    assert "booking cancelled by" not in page and "initial allocation" not in page
    assert page.count("Quay walk, Quay {}, 1 October 2099".format(world["suffix"])) == 4
    assert "Cancelled by Ffion Family." in page
    assert "Cancelled by Quay {}.".format(world["suffix"]) in page
    # signed, with a minus sign, and in words for a screen reader
    assert '<span aria-hidden="true">+£1,200.00</span>' in page
    assert '<span aria-hidden="true">\u2212£10.00</span>' in page
    assert "£10.00 taken away" in page and "£10.00 added" in page
    csv_answer = family.get(address + ".csv", timeout=10)
    assert csv_answer.headers["Content-Type"].startswith("text/csv")
    english = list(csv.reader(io.StringIO(csv_answer.text)))
    assert english[0][:3] == ["Date", "What", "Break"] and "Amount (pence)" in english[0]
    row = dict(zip(english[0], english[-1], strict=True))  # the provider's cancellation
    assert row["Change to available (£)"] == "10.00" and row["Amount (pence)"] == "1000"
    assert row["Details"] == "Cancelled by Quay {}.".format(world["suffix"])
    assert row["Kind (code)"] == "hold_release" and row["Booking id"] == bookings[1]["id"]
    assert datetime.datetime.fromisoformat(row["Time (ISO 8601, UTC)"]).tzinfo is not None
    assert dict(zip(english[0], english[2], strict=True))["Change to available (£)"] == "-10.00"
    welsh = family.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/budgets/{}/statement".format(world["budget"]["id"]),
        "csrf_token": csrf_of(page)}).text
    assert "Canslwyd gan Ffion Family." in welsh
    assert "Arian wedi&#39;i ryddhau" in welsh and "£10.00 wedi'i dynnu" in welsh
    cymraeg = list(csv.reader(io.StringIO(family.get(address + ".csv", timeout=10).text)))
    assert cymraeg[0][:3] == ["Dyddiad", "Beth", "Seibiant"]
    assert cymraeg[-1][-2:] == english[-1][-2:] and len(cymraeg[0]) == len(english[0])


@pytest.mark.parametrize("world", ["wrexham"], indirect=True)  # no other test uses Wrexham
def test_council_areas_are_chosen_from_a_list_and_shown_by_name_in_english_and_welsh(
        live_system, world, api):
    form = requests.get(live_system + "/providers/register", timeout=10).text
    assert 'type="checkbox" value="isle-of-anglesey"' in form and "Isle of Anglesey" in form
    assert form.count('name="regions"') == 22 and "lower-case" not in form
    in_welsh = requests.get(live_system + "/providers/register", timeout=10,
                            headers={"Accept-Language": "cy"}).text
    assert "Sir y Fflint" in in_welsh and "Ynys Môn" in in_welsh and "Wrecsam" in in_welsh
    _sign_in, slots = approved_provider_offering(api, world, "Dee", "Dee boat trip",
                                                 ["2099-11-01T10:00:00+00:00"])
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    search = family.get(live_system + "/breaks", timeout=10).text
    assert '<select class="govuk-select" id="region" name="region">' in search
    assert '<option value="wrexham">Wrexham</option>' in search
    found = family.get(live_system + "/breaks", params={"region": "wrexham"}, timeout=10).text
    assert "Dee boat trip" in found and " · Wrexham ·" in found
    assert '<option value="wrexham" selected>Wrexham</option>' in found
    offer = family.get(live_system + "/breaks/" + slots[0]["offer_id"], timeout=10).text
    assert "Wrexham" in offer and ">wrexham<" not in offer
    # a date until in the past is said to be in the past
    past = {"to-day": "1", "to-month": "1", "to-year": "2020"}
    _error_summary(family.get(live_system + "/breaks", params=past, timeout=10),
                   "This date is in the past: enter today or a later date")
    _in_welsh(api, api.token(world["family"]["username"], world["family"]["password"]))
    welsh = family.get(live_system + "/breaks", params={"region": "wrexham"}, timeout=10).text
    assert " · Wrecsam ·" in welsh and '<option value="flintshire">Sir y Fflint</option>' in welsh
    _error_summary(family.get(live_system + "/breaks", params=past, timeout=10),
                   "Mae&#39;r dyddiad hwn yn y gorffennol")
    api.post(None, "/providers", {  # waiting for the officer, who reads its areas by name
        "username": "ferry-" + world["suffix"], "password": "ferry-password-1",
        "name": "Ferry " + world["suffix"], "kind": "hospitality",
        "regions": ["wrexham", "flintshire"]})
    officer = signed_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
    providers = officer.get(live_system + "/officer/providers", timeout=10).text
    assert "Flintshire, Wrexham" in providers


def test_a_statements_lines_sign_each_change_to_the_money_available_and_guard_the_csv():
    def entry(kind, amount, available, reason=None, booking_id=None):
        return {"id": kind, "kind": kind, "amount_pence": amount, "reason": reason,
                "booking_id": booking_id, "created_at": "2026-12-02T10:00:00+00:00",
                "balance": {"allocated_pence": 0, "held_pence": 0, "spent_pence": 0,
                            "available_pence": available}}
    statement = {"entries": [entry("allocation", 5000, 5000),
                             entry("adjustment", -1000, 4000, reason="=HYPERLINK(1)"),
                             entry("hold", 3000, 1000, booking_id="b1"),
                             entry("capture", 3000, 1000, booking_id="b1")]}
    booking = {"status": "completed", "offer_id": "o1", "slot_start": None}
    offer = {"title": "Farm stay", "title_cy": "Arhosiad fferm", "provider_name": "Bracken"}
    lines = statements.lines(statement, {"b1": booking}, {"o1": offer}, "Nia")
    assert [line.change for line in lines] == [5000, -1000, -3000, 0]
    english, welsh = i18n.Formatter("en"), i18n.Formatter("cy")
    assert [statements.signed(english, line.change) for line in lines] == [
        "+£50.00", "\u2212£10.00", "\u2212£30.00", "£0.00"]
    rows = list(csv.reader(io.StringIO(statements.statement_csv(welsh, lines))))
    assert rows[0][0] == "Dyddiad" and rows[3][2] == "Arhosiad fferm"
    assert rows[2][6] == "'=HYPERLINK(1)"  # an officer's words stay text in a spreadsheet
    assert [row[7] for row in rows[1:]] == ["50.00", "-10.00", "-30.00", "0.00"]

def test_officers_pages_are_their_councils_and_reclaim_is_an_adjustment_with_its_reason(
        live_system, world, api):
    admin = api.token("admin", ADMIN_PASSWORD)
    other = {"username": "officer-far-" + world["suffix"], "password": "officer-password-2",
             "display_name": "Far Officer", "council": "far-" + world["suffix"]}
    api.post(admin, "/officers", other)
    far = signed_in(live_system, other["username"], other["password"])
    family = signed_in(live_system, world["family"]["username"], world["family"]["password"])
    budget = world["budget"]["id"]
    for path in ("/officer/families/" + world["family_id"],
                 "/officer/budgets/{}/top-up".format(budget)):
        assert far.get(live_system + path, timeout=10).status_code == 404, path
        assert family.get(live_system + path, timeout=10).status_code == 403, path
    assert family.get(live_system + "/officer/monitoring", timeout=10).status_code == 403

    officer = signed_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
    page = officer.get(live_system + "/officer/monitoring", timeout=10).text
    # the budget runs from 2020 to 2100: far more paid to date than 8 weeks' worth
    reclaim = re.search(r'href="(/officer/budgets/{}/adjust\?[^"]+)"'.format(budget), page)
    form = officer.get(live_system + reclaim.group(1).replace("&amp;", "&"), timeout=10).text
    amount = re.search(r'name="amount"[^>]*value="([0-9.]+)"', form).group(1)
    reason = re.search(r'<textarea[^>]*name="reason"[^>]*>([^<]+)<', form).group(1).strip()
    assert reason == "Surplus over 8 weeks reclaimed"
    done = officer.post(live_system + "/officer/budgets/{}/adjust".format(budget), timeout=10,
                        data={"csrf_token": csrf_of(form), "direction": "take_back",
                              "amount": amount, "reason": reason,
                              "idempotency_key": uuid.uuid4().hex})
    assert "The budget is adjusted." in done.text
    statement = requests.get(api.base_url + "/api/v1/budgets/{}/statement".format(budget),
                             timeout=10, headers={"Authorization": "Bearer "
                                                  + world["officer_token"]}).json()
    last = statement["entries"][-1]
    assert (last["kind"], last["amount_pence"], last["reason"]) == (
        "adjustment", -round(float(amount) * 100), "Surplus over 8 weeks reclaimed")
    csv_answer = officer.get(live_system + "/officer/monitoring.csv", timeout=10)
    assert csv_answer.headers["Content-Type"].startswith("text/csv")
    assert budget in csv_answer.text


def test_an_officer_suspends_a_provider_with_a_reason_and_reinstates_it(live_system, world,
                                                                        api):
    provider = api.post(None, "/providers", {
        "username": "inn-" + world["suffix"], "password": "inn-password-1",
        "name": "Inn " + world["suffix"], "kind": "hospitality", "regions": [world["council"]]})
    api.post(world["officer_token"], "/providers/{}/approve".format(provider["id"]), {},
             status=200)
    officer = signed_in(live_system, world["officer"]["username"],
                        world["officer"]["password"])
    listed = officer.get(live_system + "/officer/providers/approved", timeout=10).text
    path = live_system + "/officer/providers/{}/suspend".format(provider["id"])
    refused = officer.post(path, timeout=10, data={"csrf_token": csrf_of(listed), "reason": ""})
    assert refused.status_code == 422 and "Enter the reason" in refused.text
    suspended = officer.post(path, timeout=10, data={"csrf_token": csrf_of(listed),
                                                     "reason": "Complaint under review"})
    assert "Inn {} is suspended.".format(world["suffix"]) in suspended.text
    assert api_status(api, world, provider["id"]) == "suspended"
    officer.post(live_system + "/officer/providers/{}/reinstate".format(provider["id"]),
                 timeout=10, data={"csrf_token": csrf_of(listed)})
    assert api_status(api, world, provider["id"]) == "approved"


def api_status(api, world, provider_id):
    return requests.get(api.base_url + "/api/v1/providers/" + provider_id, timeout=10,
                        headers={"Authorization": "Bearer " + world["officer_token"]}
                        ).json()["status"]


def _swap_family(live_system, api, world, name, features, address):
    """A verified family of the world's council with a listed home free from day 20 to 50,
    signed in to the pages: (its browser, a page's CSRF token, its home)."""
    token = world["officer_token"]
    account = {"username": name + "-" + world["suffix"], "password": name + "-password-1",
               "display_name": name.title()}
    family_id = api.post(token, "/families", account)["id"]
    wait_until(lambda: requests.post(
        "{}/api/v1/families/{}/swap-verification".format(live_system, family_id), json={},
        timeout=10, headers={"Authorization": "Bearer " + token}).status_code == 200,
        20, interval=0.2, message="the family to be verified")
    home = _listed_home(api, api.token(account["username"], account["password"]),
                        name.title() + "'s home", address, **features)
    browser = requests.Session()
    html = browser.get(live_system + "/sign-in", timeout=10).text
    signed_in = browser.post(live_system + "/sign-in", timeout=10, data={
        "username": account["username"], "password": account["password"],
        "csrf_token": csrf_of(html)})
    return browser, csrf_of(signed_in.text), home


def _listed_home(api, token, title, address, **features):
    """A home of the (verified) family of `token`, listed and free from day 20 to 50."""
    home = api.post(token, "/homes", {"title": title, "region": "powys", "sleeps": 3,
                                      "bedrooms": 1, "address": address, **features})
    start = datetime.date.today() + datetime.timedelta(days=20)
    api.post(token, "/homes/{}/availability".format(home["id"]), {"ranges": [{
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=30)).isoformat()}]},
        status=200, method="PUT")
    return home


def _propose(api, token, my_home, their_home, my_days, their_days):
    """A swap proposed by the family of `token`: each stay from day to day from today."""
    today = datetime.date.today()

    def stay(days):
        return {"start_date": (today + datetime.timedelta(days=days[0])).isoformat(),
                "end_date": (today + datetime.timedelta(days=days[1])).isoformat()}
    return api.post(token, "/swaps", {"my_home_id": my_home["id"],
                                      "their_home_id": their_home["id"],
                                      "my_stay": stay(my_days), "their_stay": stay(their_days)})


def _dates(prefix, day):
    return {prefix + "-day": str(day.day), prefix + "-month": str(day.month),
            prefix + "-year": str(day.year)}


def test_a_swap_is_proposed_declined_or_cancelled_and_a_home_withdrawn_from_the_pages(
        live_system, world, api):
    ann, ann_csrf, ann_home = _swap_family(live_system, api, world, "ann",
                                           {"adaptations": ["hoist"]}, "5 Hoist Row")
    bob, bob_csrf, bob_home = _swap_family(live_system, api, world, "bob",
                                           {"adaptations": ["ramp"]}, "6 Ramp Road")
    # a home's page and the matches never show another family's address
    for path in ("/swaps/homes/" + bob_home["id"],
                 "/swaps/homes/{}/matches".format(ann_home["id"])):
        page = ann.get(live_system + path, timeout=10)
        assert page.status_code == 200 and "Bob&#39;s home" in page.text, path
        assert "6 Ramp Road" not in page.text, path
    today = datetime.date.today()
    propose = live_system + "/swaps/homes/{}/propose".format(bob_home["id"])
    stays = dict(_dates("mine-start", today + datetime.timedelta(days=22)),
                 **_dates("mine-end", today + datetime.timedelta(days=25)))
    stays.update(_dates("theirs-start", today + datetime.timedelta(days=22)),
                 **_dates("theirs-end", today + datetime.timedelta(days=25)),
                 my_home_id=ann_home["id"])
    # their home is not free then: said beside the field
    late = dict(stays, **_dates("mine-start", today + datetime.timedelta(days=60)),
                **_dates("mine-end", today + datetime.timedelta(days=62)))
    refused = ann.post(propose, timeout=10, data=dict(late, csrf_token=ann_csrf))
    assert refused.status_code == 422 and 'href="#mine-start"' in refused.text
    assert "when their home is free" in refused.text
    sent = ann.post(propose, timeout=10, data=dict(stays, csrf_token=ann_csrf))
    assert "Your proposal is sent." in sent.text
    swap_path = urlsplit(sent.url).path
    assert 'action="{}/accept"'.format(swap_path) not in sent.text  # the proposer's page
    asked = bob.get(live_system + swap_path, timeout=10).text
    assert 'action="{}/accept"'.format(swap_path) in asked
    declined = bob.post(live_system + swap_path + "/decline", timeout=10,
                        data={"csrf_token": bob_csrf})
    assert "You have declined the swap." in declined.text and "Declined" in declined.text
    again = bob.post(live_system + swap_path + "/accept", timeout=10,
                     data={"csrf_token": bob_csrf})
    assert again.status_code == 409 and "This swap has been decided already." in again.text
    # a second proposal, cancelled by its proposer (asked first)
    sent = ann.post(propose, timeout=10, data=dict(stays, csrf_token=ann_csrf))
    swap_path = urlsplit(sent.url).path
    ask = ann.get(live_system + swap_path + "/cancel", timeout=10)
    assert "Are you sure you want to cancel this swap?" in ask.text
    cancelled = ann.post(live_system + swap_path + "/cancel", timeout=10,
                         data={"csrf_token": ann_csrf})
    assert "The swap is cancelled." in cancelled.text
    # availability: overlapping ranges are refused beside the dates
    availability = live_system + "/swaps/homes/{}/availability".format(ann_home["id"])
    overlapping = dict(_dates("range-0-start", today + datetime.timedelta(days=5)),
                       **_dates("range-0-end", today + datetime.timedelta(days=15)))
    overlapping.update(_dates("range-1-start", today + datetime.timedelta(days=10)),
                       **_dates("range-1-end", today + datetime.timedelta(days=20)))
    refused = ann.post(availability, timeout=10, data=dict(overlapping, rows="2",
                                                           csrf_token=ann_csrf))
    assert refused.status_code == 422 and "not overlap another" in refused.text
    # changed: the questions again with the answers as they are, checked, then saved
    edit = live_system + "/swaps/homes/{}/edit".format(ann_home["id"])
    form = ann.get(edit, timeout=10).text
    assert 'value="Ann&#39;s home"' in form and "5 Hoist Row" in form
    answers = {"title": "Ann's bungalow", "region": "powys", "sleeps": "3", "bedrooms": "1",
               "adaptations": "hoist", "pets_welcome": "yes", "smoking": "no",
               "address": "5 Hoist Row", "csrf_token": ann_csrf}
    check = ann.post(edit, timeout=10, data=answers)
    assert "Check your answers" in check.text and "Ann&#39;s bungalow" in check.text
    back = ann.post(edit, timeout=10, data=dict(answers, action="change"))
    assert back.status_code == 200 and 'value="Ann&#39;s bungalow"' in back.text
    saved = ann.post(edit, timeout=10, data=dict(answers, action="confirm"))
    assert "Your home is changed." in saved.text and "Ann&#39;s bungalow" in saved.text
    # withdrawn (asked first): no longer anyone else's to see
    assert "Are you sure you want to withdraw your home?" in ann.get(
        live_system + "/swaps/homes/{}/withdraw".format(ann_home["id"]), timeout=10).text
    gone = ann.post(live_system + "/swaps/homes/{}/withdraw".format(ann_home["id"]),
                    timeout=10, data={"csrf_token": ann_csrf})
    assert "Your home is withdrawn" in gone.text and "Withdrawn" in gone.text
    assert bob.get(live_system + "/swaps/homes/" + ann_home["id"],
                   timeout=10).status_code == 404
    # a withdrawn verification pauses the family's home, and its page says why
    bob_id = bob_home["family_id"]
    api.post(world["officer_token"], "/families/{}/swap-verification".format(bob_id), None,
             status=200, method="DELETE")
    paused = bob.get(live_system + "/swaps", timeout=10).text
    assert "your home is paused" in paused and "Your family needs to be verified" in paused


def _browser_of(live_system, username, password):
    """A browser signed in to the pages: (it, a CSRF token of its session)."""
    browser = requests.Session()
    html = browser.get(live_system + "/sign-in", timeout=10).text
    home = browser.post(live_system + "/sign-in", timeout=10, data={
        "username": username, "password": password, "csrf_token": csrf_of(html)})
    assert home.status_code == 200
    return browser, csrf_of(home.text)


def _verified_on_swaps(live_system, username, password):
    family, _csrf = _browser_of(live_system, username, password)
    start = family.get(live_system + "/swaps", timeout=10).text
    return ("Your family needs to be verified first" not in start
            and 'href="/swaps/homes/new"' in start)


def test_an_officer_verifies_a_family_for_swaps_and_withdraws_it_each_asked_first(
        live_system, world, api):
    officer, csrf = _browser_of(live_system, world["officer"]["username"],
                                world["officer"]["password"])
    family_page = live_system + "/officer/families/" + world["family_id"]
    page = officer.get(family_page, timeout=10).text
    section = page[page.index('id="home-swaps"'):]
    assert "Not verified for home swaps" in section
    assert 'href="/officer/families/{}/swaps/verify"'.format(world["family_id"]) in section
    assert "swaps/withdraw" not in section
    ask = officer.get(family_page + "/swaps/verify", timeout=10)
    assert ask.status_code == 200
    assert "Verify Ffion Family for home swaps" in ask.text and 'name="confirm"' in ask.text
    # not ticked: said beside the box, and nothing is verified
    unticked = officer.post(family_page + "/swaps/verify", timeout=10,
                            data={"csrf_token": csrf}, allow_redirects=False)
    assert unticked.status_code == 422 and "govuk-error-summary" in unticked.text
    assert 'href="#confirm"' in unticked.text
    assert "Confirm that you know the family and have checked" in unticked.text
    assert not _verified_on_swaps(live_system, world["family"]["username"],
                                  world["family"]["password"])
    # ticked (once staycation knows the family's council from the accounts' event)
    wait_until(lambda: officer.post(
        family_page + "/swaps/verify", timeout=10, allow_redirects=False,
        data={"csrf_token": csrf, "confirm": "yes"}).status_code == 302,
        20, interval=0.2, message="the family to be verified from the page")
    page = officer.get(family_page, timeout=10).text
    assert "Ffion Family is verified for home swaps." in page
    section = page[page.index('id="home-swaps"'):]
    assert "Verified for home swaps" in section and "Verified by you on" in section
    answer = requests.get(
        "{}/api/v1/families/{}/swap-verification".format(live_system, world["family_id"]),
        timeout=10, headers={"Authorization": "Bearer " + world["officer_token"]}).json()
    assert answer["verified"] and answer["verified_by_role"] == "officer"
    assert _verified_on_swaps(live_system, world["family"]["username"],
                              world["family"]["password"])
    # withdrawing asks first, in Welsh too, and says what it pauses
    officer.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/", "csrf_token": csrf})
    welsh = officer.get(family_page + "/swaps/withdraw", timeout=10).text
    assert "Ydych chi'n siŵr eich bod am dynnu dilysiad cyfnewid cartrefi Ffion Family" \
        in welsh.replace("&#39;", "'")
    officer.post(live_system + "/language", timeout=10, data={
        "language": "en", "next": "/", "csrf_token": csrf})
    ask = officer.get(family_page + "/swaps/withdraw", timeout=10).text
    assert "Are you sure you want to withdraw" in ask and "will be paused" in ask
    assert 'href="/officer/families/{}#home-swaps"'.format(world["family_id"]) in ask
    withdrawn = officer.post(family_page + "/swaps/withdraw", timeout=10,
                             data={"csrf_token": csrf})
    assert withdrawn.status_code == 200
    assert "Ffion Family is no longer verified for home swaps." in withdrawn.text
    assert "Not verified for home swaps" in withdrawn.text
    assert not _verified_on_swaps(live_system, world["family"]["username"],
                                  world["family"]["password"])
    # withdrawing again: nothing to withdraw, back to the family's page
    again = officer.post(family_page + "/swaps/withdraw", timeout=10,
                         data={"csrf_token": csrf}, allow_redirects=False)
    assert again.status_code == 302 and again.headers["Location"].endswith("#home-swaps")
    assert officer.get(family_page + "/swaps/other", timeout=10).status_code == 404


def _safeguarding_reads(swap_id):
    with sqlite3.connect(str(SYSTEM["folder"] / "staycation.db")) as db:
        return db.execute("SELECT officer_id, reason FROM safeguarding_reads WHERE swap_id = ? "
                          "ORDER BY at", (swap_id,)).fetchall()


def test_an_officer_reads_a_swaps_messages_for_safeguarding_giving_a_reason_recorded(
        live_system, world, api):
    _ann, _csrf, ann_home = _swap_family(live_system, api, world, "ann", {}, "5 Hoist Row")
    _bob, _csrf, bob_home = _swap_family(live_system, api, world, "bob", {}, "6 Ramp Road")
    ann = api.token("ann-" + world["suffix"], "ann-password-1")
    swap = _propose(api, ann, ann_home, bob_home, (22, 25), (22, 25))
    api.post(ann, "/swaps/{}/messages".format(swap["id"]), {"text": "Is the garden fenced?"})
    # the family finds the reference on its swap's page
    assert swap["id"] in _ann.get(live_system + "/swaps/" + swap["id"], timeout=10).text
    officer, csrf = _browser_of(live_system, world["officer"]["username"],
                                world["officer"]["password"])
    family_page = "/officer/families/" + ann_home["family_id"]
    page = officer.get(live_system + family_page, timeout=10).text
    section = page[page.index('id="home-swaps"'):]
    assert 'href="{}/swap-messages"'.format(family_page) in section
    ask = officer.get(live_system + family_page + "/swap-messages", timeout=10).text
    assert "Read a swap's messages for safeguarding" in ask.replace("&#39;", "'")
    assert 'name="swap_id"' in ask and 'name="reason"' in ask
    assert "Your name, the time and your reason are recorded with every read." in ask
    read = live_system + family_page + "/swap-messages"
    # every error named beside its field, and nothing read
    for form, errors in (
            ({}, {"swap_id": "Enter the swap reference",
                  "reason": "Enter why you need to read the messages"}),
            ({"swap_id": "not a reference", "reason": "   "},
             {"swap_id": "Enter the swap reference as the family gave it",
              "reason": "Enter why you need to read the messages"}),
            ({"swap_id": swap["id"], "reason": "x" * 2001},
             {"reason": "Enter why you need to read the messages in up to 2000 characters"}),
            ({"swap_id": "a" * 32, "reason": "A concern"},
             {"swap_id": "No swap of a family of your council has this reference."})):
        refused = officer.post(read, timeout=10, data=dict(form, csrf_token=csrf))
        assert refused.status_code == 422, (form, refused.status_code)
        assert "govuk-error-summary" in refused.text
        for field, words in errors.items():
            assert 'href="#{}"'.format(field) in refused.text, (form, field)
            assert words in refused.text, (form, words)
        if "swap_id" not in errors:
            assert 'value="{}"'.format(swap["id"]) in refused.text  # the answer kept
    assert _safeguarding_reads(swap["id"]) == []
    # read: the messages, named, and the read recorded as the API records it
    done = officer.post(read, timeout=10, data={
        "swap_id": swap["id"], "reason": "The family told us of a concern.", "csrf_token": csrf})
    assert done.status_code == 200
    assert "Is the garden fenced?" in done.text and "<strong>Ann</strong>" in done.text
    assert "The family told us of a concern." in done.text
    officer_id = requests.get(live_system + "/api/v1/me", timeout=10, headers={
        "Authorization": "Bearer " + world["officer_token"]}).json()["id"]
    assert _safeguarding_reads(swap["id"]) == [(officer_id, "The family told us of a concern.")]
    api_read = requests.get(
        "{}/api/v1/swaps/{}/safeguarding-messages".format(live_system, swap["id"]),
        params={"reason": "Checked through the API."}, timeout=10,
        headers={"Authorization": "Bearer " + world["officer_token"]})
    assert api_read.status_code == 200
    assert _safeguarding_reads(swap["id"])[1] == (officer_id, "Checked through the API.")
    # in Welsh too; and an officer of another council reads nothing of it
    officer.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/", "csrf_token": csrf})
    welsh = officer.post(read, timeout=10, data={"csrf_token": csrf})
    assert i18n.Formatter("cy").gettext("Enter the swap reference") in welsh.text
    stranger = {"username": "far-" + world["suffix"], "password": "officer-password-1",
                "display_name": "Sam Stranger"}
    api.post(api.token("admin", ADMIN_PASSWORD), "/officers",
             dict(stranger, council="far-" + world["suffix"]))
    far, far_csrf = _browser_of(live_system, stranger["username"], stranger["password"])
    assert far.get(live_system + family_page + "/swap-messages",
                   timeout=10).status_code == 404
    theirs = api.post(api.token(stranger["username"], stranger["password"]), "/families", {
        "username": "far-family-" + world["suffix"], "password": "family-password-1",
        "display_name": "Fay Far"})
    refused = far.post(live_system + "/officer/families/{}/swap-messages".format(theirs["id"]),
                       timeout=10, data={"swap_id": swap["id"], "reason": "Curious.",
                                         "csrf_token": far_csrf})
    assert refused.status_code == 422 and "Is the garden fenced?" not in refused.text
    assert "No swap of a family of your council has this reference." in refused.text
    assert len(_safeguarding_reads(swap["id"])) == 2


def test_an_officer_chooses_a_swap_from_the_familys_list_to_read_for_safeguarding(
        live_system, world, api):
    _ann, _csrf, ann_home = _swap_family(live_system, api, world, "ana", {}, "7 Hoist Row")
    _bob, _csrf, bob_home = _swap_family(live_system, api, world, "ben", {}, "8 Ramp Road")
    ann = api.token("ana-" + world["suffix"], "ana-password-1")
    swap = _propose(api, ann, ann_home, bob_home, (22, 25), (30, 32))
    api.post(ann, "/swaps/{}/messages".format(swap["id"]), {"text": "Is there a hoist?"})
    officer, csrf = _browser_of(live_system, world["officer"]["username"],
                                world["officer"]["password"])
    family_page = "/officer/families/" + ann_home["family_id"]
    page = officer.get(live_system + family_page, timeout=10).text
    section = page[page.index('id="home-swaps"'):]
    # the family's swap listed, nothing of its messages or addresses, with its read
    start = section.index('id="family-swaps"')
    listed = section[start:section.index("</section>", start)]
    link = "{}/swap-messages?swap_id={}".format(family_page, swap["id"])
    assert 'href="{}"'.format(link) in listed and "Read its messages" in listed
    assert 'govuk-tag--yellow">Proposed</strong>' in listed
    assert "Is there a hoist?" not in listed
    assert "Hoist Row" not in page and "Ramp Road" not in page
    assert 'href="{}/swap-messages"'.format(family_page) in section  # by reference, still
    # the read starts with the reference filled in; the officer still gives the reason
    ask = officer.get(live_system + link, timeout=10).text
    assert 'value="{}"'.format(swap["id"]) in ask and 'name="reason"' in ask
    assert _safeguarding_reads(swap["id"]) == []  # nothing read by the link alone
    read = live_system + family_page + "/swap-messages"
    no_reason = officer.post(read, timeout=10, data={"swap_id": swap["id"], "csrf_token": csrf})
    assert no_reason.status_code == 422
    assert "Enter why you need to read the messages" in no_reason.text
    done = officer.post(read, timeout=10, data={
        "swap_id": swap["id"], "reason": "A worry about the stay.", "csrf_token": csrf})
    assert done.status_code == 200 and "Is there a hoist?" in done.text
    officer_id = requests.get(live_system + "/api/v1/me", timeout=10, headers={
        "Authorization": "Bearer " + world["officer_token"]}).json()["id"]
    assert _safeguarding_reads(swap["id"]) == [(officer_id, "A worry about the stay.")]
    # a reference that cannot be one is not filled in
    odd = officer.get(live_system + family_page + "/swap-messages?swap_id=%22%3E%3Cb%3E",
                      timeout=10).text
    assert "<b>" not in odd and 'value="&#34;' not in odd
    # in Welsh; and a family with no swaps says so
    officer.post(live_system + "/language", timeout=10, data={
        "language": "cy", "next": "/", "csrf_token": csrf})
    welsh = officer.get(live_system + family_page, timeout=10).text
    assert i18n.Formatter("cy").gettext("Read its messages") in welsh
    officer.post(live_system + "/language", timeout=10, data={
        "language": "en", "next": "/", "csrf_token": csrf})
    none = officer.get(live_system + "/officer/families/" + world["family_id"], timeout=10).text
    assert "They have not proposed or been asked for a swap." in none


def test_a_referrer_verifies_a_carer_of_their_centre_and_no_other_centre_or_council_can(
        live_system, world, api):
    admin = api.token("admin", ADMIN_PASSWORD)
    suffix = world["suffix"]
    ours = {"username": "referrer-" + suffix, "password": "referrer-password-1"}
    theirs = {"username": "elsewhere-" + suffix, "password": "referrer-password-1"}
    api.post(admin, "/referrers", dict(ours, display_name="Rhys Referrer",
                                       council=world["council"], organisation="Credu"))
    api.post(admin, "/referrers", dict(theirs, display_name="Eira Elsewhere",
                                       council=world["council"], organisation="Another"))
    stranger = {"username": "stranger-" + suffix, "password": "officer-password-1",
                "display_name": "Sam Stranger"}
    api.post(admin, "/officers", dict(stranger, council="other-" + suffix))
    carer = {"username": "carer-" + suffix, "password": "carer-password-1",
             "display_name": "Cerys Carer", "needs": ["dementia"],
             "consent_statement": "They agreed."}
    carer_id = api.post(api.token(ours["username"], ours["password"]), "/carers", carer)["id"]
    # another centre of the council, and an officer of another council, see nothing of it
    for person, base in ((theirs, "/referrer/carers/"), (stranger, "/officer/families/")):
        browser, csrf = _browser_of(live_system, person["username"], person["password"])
        for path in ("", "/swaps/verify", "/swaps/withdraw"):
            assert browser.get(live_system + base + carer_id + path,
                               timeout=10).status_code == 404, (person, path)
        for path in ("/swaps/verify", "/swaps/withdraw"):
            assert browser.post(live_system + base + carer_id + path, timeout=10, data={
                "csrf_token": csrf, "confirm": "yes"}).status_code == 404, (person, path)
    assert not _verified_on_swaps(live_system, carer["username"], carer["password"])
    # the carer's own centre verifies it from the carer's page
    referrer, csrf = _browser_of(live_system, ours["username"], ours["password"])
    carer_page = live_system + "/referrer/carers/" + carer_id
    section = referrer.get(carer_page, timeout=10).text
    section = section[section.index('id="home-swaps"'):]
    assert "Not verified for home swaps" in section
    assert 'href="/referrer/carers/{}/swaps/verify"'.format(carer_id) in section
    ask = referrer.get(carer_page + "/swaps/verify", timeout=10).text
    assert "Verify Cerys Carer for home swaps" in ask
    assert 'action="/referrer/carers/{}/swaps/verify"'.format(carer_id) in ask
    verified = referrer.post(carer_page + "/swaps/verify", timeout=10,
                             data={"csrf_token": csrf, "confirm": "yes"})
    assert verified.status_code == 200 and urlsplit(verified.url).path == \
        "/referrer/carers/" + carer_id
    assert "Cerys Carer is verified for home swaps." in verified.text
    assert "Verified by you on" in verified.text
    assert 'href="/referrer/carers/{}/swaps/withdraw"'.format(carer_id) in verified.text
    assert _verified_on_swaps(live_system, carer["username"], carer["password"])
    # the other centre still cannot withdraw it; the family stays verified
    browser, other_csrf = _browser_of(live_system, theirs["username"], theirs["password"])
    assert browser.post(carer_page + "/swaps/withdraw", timeout=10, data={
        "csrf_token": other_csrf}).status_code == 404
    assert _verified_on_swaps(live_system, carer["username"], carer["password"])
    # the carer proposes a swap: their centre sees it listed on the carer's page, with
    # nothing of its messages and no safeguarding read (an officer's)
    _other, _csrf, other_home = _swap_family(live_system, api, world, "owen", {}, "9 Lift Lane")
    carer_token = api.token(carer["username"], carer["password"])
    carer_home = _listed_home(api, carer_token, "Cerys's home", "3 Quiet Close")
    swap = _propose(api, carer_token, carer_home, other_home, (22, 24), (22, 24))
    api.post(carer_token, "/swaps/{}/messages".format(swap["id"]), {"text": "Hello there"})
    page = referrer.get(carer_page, timeout=10).text
    section = page[page.index('id="family-swaps"'):page.index("</section>",
                                                              page.index('id="family-swaps"'))]
    assert 'govuk-tag--yellow">Proposed</strong>' in section
    assert "Hello there" not in page and "Lift Lane" not in page and "Quiet Close" not in page
    assert "swap-messages" not in page and "Read its messages" not in page
