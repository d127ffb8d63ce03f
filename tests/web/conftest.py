"""The web pages' browser harness: the live system (three services and the gateway as
processes, on a RabbitMQ virtual host of their own), Debian's Chromium under pytest-playwright,
axe-core on every page, and screenshots under var/screenshots/.

One live system serves the whole web test session (starting it costs a few seconds); tests
keep out of each other's way by creating their own users, council and offers.
"""
import os
import uuid

import eventlet
import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from devtools import sandbox
from devtools.processes import (ROOT, SERVICE_MODULES, MailSink, ServiceProcess, stop_all,
                                wait_until)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = os.path.join(ROOT, "var", "screenshots")
ADMIN_PASSWORD = "web-test-admin-password"
# axe-core's rule tags for WCAG 2.0, 2.1 and 2.2, levels A and AA
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = ("serious", "critical")
TIMEOUT_MS = 15000
STOP_SECONDS = 3
# The live system's folder (its databases and logs), for a test that must move time on in a
# service's own database (a swap's stays into the past, for the timer to complete it).
SYSTEM = {}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright's own browser download cannot be had here."""
    if not os.path.exists(CHROMIUM):
        pytest.fail("{} is missing: `apt-get install -y chromium chromium-driver` "
                    "(`make test` does it)".format(CHROMIUM))
    return dict(browser_type_launch_args, executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def playwright():
    """pytest-playwright's fixture, except for the stop. eventlet's hub adopts every greenlet
    that waits on it (it re-parents them), so when the driver ends, Playwright's dispatcher
    greenlet returns to the hub instead of to the caller, and a plain `stop()` never returns.
    Here the pipe is closed, the dispatcher is run to its end from a green thread, and this
    greenlet waits for that like any eventlet waiter."""
    manager = sync_playwright()
    instance = manager.start()
    yield instance
    if manager._client and not manager._client._close_promise.done():
        manager._client._transport.request_stop()
    dispatcher = manager._dispatcher_fiber
    eventlet.spawn_n(dispatcher.switch)
    wait_until(lambda: dispatcher.dead, 30, message="Playwright's driver to stop")
    manager._client = None  # done above; what is left is closing the event loop
    manager.__exit__()


@pytest.fixture(scope="session")
def live_system(tmp_path_factory, rabbitmq):
    """The three services and the gateway as processes; the gateway's address comes from
    WEB_SERVER_ADDRESS when set (else a free port). Yields the gateway's base URL."""
    with sandbox.vhost("seibiant-web") as amqp_uri:
        yield from _run_system(tmp_path_factory, amqp_uri)


def _run_system(tmp_path_factory, amqp_uri):
    folder = tmp_path_factory.mktemp("web-system")  # pytest keeps the last few, logs and all
    logs = str(folder / "log")
    SYSTEM["folder"] = folder
    address = os.environ.get("WEB_SERVER_ADDRESS") or "127.0.0.1:{}".format(sandbox.free_port())
    env = {"AMQP_URI": amqp_uri,
           "GATEWAY_ADDRESS": address, "SEIBIANT_LOG_DIR": logs,
           "SEIBIANT_ADMIN_PASSWORD": ADMIN_PASSWORD,
           "SEIBIANT_TOKEN_SECRET": "web-test-secret-" + uuid.uuid4().hex,
           "OUTBOX_SWEEP_SECONDS": "0.2", "SWAP_TIMER_SECONDS": "0.5",
           # the ballot page's test closes a ballot in bookings' own database, behind its
           # timer's back (which otherwise reads once the close it knows of comes)
           "TIMER_CEILING_SECONDS": "1", "BALLOT_TIMER_SECONDS": "0.5",
           "CONSUMER_POLL_SECONDS": str(sandbox.CONSUMER_POLL_SECONDS)}
    for name in SERVICE_MODULES:
        env[name.upper() + "_DATABASE_URL"] = "sqlite:///{}".format(folder / (name + ".db"))
    mail = MailSink(str(folder / "mail"), port=sandbox.free_port()).start()
    env.update(SMTP_HOST=mail.host, SMTP_PORT=str(mail.port))
    processes = [ServiceProcess(name, env=env).start() for name in SERVICE_MODULES]
    base_url = "http://" + address
    try:
        wait_until(lambda: requests.get(base_url + "/api/v1/health", timeout=3)
                   .status_code == 200, 60, interval=0.2, message="the gateway's health")
        yield base_url
    finally:
        # tidying only (no test asserts this stop): SIGKILL whatever is still running after
        # STOP_SECONDS, not after stop_all's 15 s
        stop_all(processes, STOP_SECONDS)
        mail.stop()


class Api:
    """The JSON API, for setting up what the pages under test do not create."""

    def __init__(self, base_url):
        self.base_url = base_url

    def token(self, username, password):
        answer = requests.post(self.base_url + "/api/v1/auth/token",
                               json={"username": username, "password": password}, timeout=10)
        answer.raise_for_status()
        return answer.json()["access_token"]

    def post(self, token, path, body, status=201, method="POST"):
        headers = {"Authorization": "Bearer " + token} if token else {}
        answer = requests.request(method, self.base_url + "/api/v1" + path, json=body,
                                  timeout=10, headers=headers)
        assert answer.status_code == status, answer.text
        return answer.json()

    def allow_gifts(self, world, breaks_per_12_months):
        """The world's council's gifted allowance (by its officer)."""
        return self.post(world["officer_token"], "/councils/{}/gifted-allowance".format(
            world["council"]), {"breaks_per_12_months": breaks_per_12_months}, status=200,
            method="PUT")


@pytest.fixture(scope="session")
def api(live_system):
    return Api(live_system)


@pytest.fixture
def world(api, request):
    """A council of its own with an officer, and a family with a budget whose plan covers
    short breaks up to £50 without asking (so a hotel stay waits for the officer). The
    council is a slug of the test's own (the API takes any slug; no other test sees it),
    or, parametrized indirectly, a council area the forms offer: a test given one must be
    the only one of the session to use it."""
    return make_world(api, getattr(request, "param", None))


def make_world(api, council=None):
    """`world`'s council, officer and family, for a fixture of a wider scope (a module's
    tests that only read what it holds may share one)."""
    suffix = uuid.uuid4().hex[:8]
    admin = api.token("admin", ADMIN_PASSWORD)
    council = council or "council-" + suffix
    officer = {"username": "officer-" + suffix, "password": "officer-password-1",
               "display_name": "Olwen Officer"}
    api.post(admin, "/officers", dict(officer, council=council))
    officer_token = api.token(officer["username"], officer["password"])
    family = {"username": "family-" + suffix, "password": "family-password-1",
              "display_name": "Ffion Family", "needs": ["autism"]}
    family_record = api.post(officer_token, "/families", family)
    budget = api.post(officer_token, "/budgets", {
        "family_id": family_record["id"], "allocated_pence": 120000,
        "period_start": "2020-01-01T00:00:00+00:00", "period_end": "2100-01-01T00:00:00+00:00",
        "allowed_categories": ["overnight_stay", "group_specialist"],
        "auto_approve_limit_pence": 5000})
    return {"suffix": suffix, "council": council, "officer": officer, "family": family,
            "family_id": family_record["id"], "budget": budget, "officer_token": officer_token}


AXE_SCRIPT = Axe().axe_script  # axe-core as axe-playwright-python bundles it (offline)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


class Pages:
    """Checks every page a test visits: axe-core (WCAG 2.2 AA, nothing serious or critical)
    and, when asked, a screenshot. axe is in every page already (`new_page` adds it as an
    init script), which saves sending its 500 kB again for each page."""

    def __init__(self):
        self.checked = []
        self.screenshots = None  # the names to write (a set), or None: every one asked for

    def check(self, page, screenshot=None):
        page.wait_for_load_state("load")
        violations = page.evaluate("options => axe.run(document, options)"
                                   ".then(results => results.violations)", AXE_OPTIONS)
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, "axe on {}:\n{}".format(page.url, "\n".join(
            "{} ({}): {}".format(v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in blocking))
        self.checked.append(page.url)
        if screenshot and (self.screenshots is None or screenshot in self.screenshots):
            os.makedirs(SCREENSHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SCREENSHOTS, screenshot + ".png"),
                            full_page=True)


@pytest.fixture
def pages():
    return Pages()


@pytest.fixture
def new_page(browser):
    """`new_page(language=None)`: a page in a browser context of its own (its own cookies),
    as a separate person would have."""
    contexts = []

    def make(accept_language="en-GB"):
        context = browser.new_context(locale=accept_language,
                                      extra_http_headers={"Accept-Language": accept_language},
                                      viewport={"width": 1024, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=AXE_SCRIPT)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
