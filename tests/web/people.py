"""A person at a browser: with a mouse, or with the keyboard alone.

The journeys are written once against `Person`; `keyboard=True` makes every step go through
Tab, Shift+Tab, the arrow keys, Space, Enter and typing, never a click or a programmatic focus.
Fields are found by their ids and names (the same in English and Welsh); what the person reads
is checked in their language through the project's own catalogues (`Formatter.gettext`).
"""
from playwright.sync_api import expect

from gateway.web.i18n import Formatter
from devtools.processes import wait_until

MAX_TABS = 200
# The tab stops of the page in order (positive tabindex is not used here), a radio group
# counting once; the distance from the focused one to `target`, or null when unsure. When
# `target` comes before the focused one: the distance to just past the last stop (out of the
# page, or round to its first stop), which the Tabs must go through to come back round.
TABS_TO = """target => {
  if (target === document.activeElement) return 0;
  const visible = el => el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  const candidates = document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex]');
  const stops = [];
  const groups = new Set();
  for (const el of candidates) {
    if (el.disabled || el.tabIndex < 0 || el.type === 'hidden' || !visible(el)) continue;
    if (el.type === 'radio') {
      if (groups.has(el.name)) continue;
      groups.add(el.name);
    }
    stops.push(el);
  }
  const from = stops.indexOf(document.activeElement);
  const to = stops.indexOf(target);
  if (to < 0) return null;
  return to <= from ? stops.length - from : to - from;
}"""


class Person:
    def __init__(self, page, pages, language="en", keyboard=False):
        self.page = page
        self.pages = pages
        self.keyboard = keyboard
        self.words = Formatter(language)

    def _(self, message, **values):
        return self.words.gettext(message, **values)

    # ---- moving about -------------------------------------------------------------------

    def open(self, url, screenshot=None):
        """Typing an address is something a keyboard user does too."""
        self.page.goto(url)
        self.check(screenshot)

    def check(self, screenshot=None):
        """axe on the page; `screenshot`: a name for var/screenshots/<name>-<language>.png."""
        self.pages.check(self.page, screenshot and "{}-{}".format(screenshot,
                                                                  self.words.language))

    def _tabs_to(self, locator):
        """How many Tab presses should reach `locator` from the focused element: 0 when it
        has the focus, None when it cannot be told (then the person tabs and looks). Only
        to press several Tabs between two looks: `focus` always checks where it landed."""
        return locator.evaluate(TABS_TO)

    def focus(self, locator):
        """Tabs forwards (never clicks, never focuses by script) until `locator` has it."""
        locator = locator.first
        presses = 0
        while presses < MAX_TABS:
            steps = self._tabs_to(locator)
            if steps == 0:
                return
            for _ in range(max(1, steps or 1)):
                self.page.keyboard.press("Tab")
                presses += 1
        raise AssertionError("Tab never reached {}".format(locator))

    def fill(self, selector, text):
        field = self.page.locator(selector)
        if not self.keyboard:
            field.fill(text)
            return
        self.focus(field)
        if field.input_value():
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
        self.page.keyboard.type(text)

    def tick(self, selector):
        box = self.page.locator(selector)
        if not self.keyboard:
            box.check()
            return
        self.focus(box)
        if not box.is_checked():
            self.page.keyboard.press("Space")
        assert box.is_checked()

    def choose_radio(self, name, value):
        target = self.page.locator('input[type=radio][name="{}"][value="{}"]'.format(name, value))
        if not self.keyboard:
            target.check()
            return
        group = self.page.locator('input[type=radio][name="{}"]'.format(name))
        for _ in range(MAX_TABS):
            if group.evaluate_all("(radios) => radios.includes(document.activeElement)"):
                break
            self.page.keyboard.press("Tab")
        for _ in range(group.count()):
            if target.is_checked():
                return
            self.page.keyboard.press("ArrowDown")
        assert target.is_checked()

    def select(self, selector, value):
        field = self.page.locator(selector)
        if not self.keyboard:
            field.select_option(value)
            return
        self.focus(field)
        self.page.keyboard.press("Home")
        for _ in range(field.locator("option").count()):
            if field.input_value() == value:
                return
            self.page.keyboard.press("ArrowDown")
        assert field.input_value() == value

    def press(self, selector):
        target = self.page.locator(selector)
        if self.keyboard:
            self.focus(target)
            self.page.keyboard.press("Enter")
        else:
            target.first.click()

    def activate(self, selector, screenshot=None):
        """Follows a link or presses a button, then checks the page it leads to.
        (Not `expect_navigation`: its waiter never returns under eventlet's hub, which the
        suite's conftest installs; a marker on the old document does the same job.)"""
        self.page.evaluate("() => { window.__seibiantOldPage = true; }")
        self.press(selector)
        self.page.wait_for_function(
            "() => !window.__seibiantOldPage && document.readyState === 'complete'")
        self.check(screenshot)

    def download(self, selector):
        """Follows a download link; the downloaded file's name and text."""
        downloads = []

        def downloaded(download):
            downloads.append(download)

        self.page.on("download", downloaded)
        try:
            self.press(selector)
            # a sync Playwright call lets its event loop run and deliver the event
            wait_until(lambda: self.page.evaluate("() => true") and downloads, 15,
                       message="a download")
        finally:
            self.page.remove_listener("download", downloaded)
        with open(downloads[0].path(), encoding="utf-8") as downloaded:
            return downloads[0].suggested_filename, downloaded.read()

    def submit(self, form_selector="main form", screenshot=None):
        """Sends a form with its (first) submit button."""
        self.activate("{} button[type=submit]".format(form_selector), screenshot)

    # ---- reading ------------------------------------------------------------------------

    def sees(self, message, **values):
        expect(self.page.locator("main")).to_contain_text(self._(message, **values))

    def heading(self):
        return self.page.locator("h1").inner_text()

    def sign_in(self, base_url, username, password, screenshot=None):
        self.open(base_url + "/sign-in", screenshot)
        self.fill("#username", username)
        self.fill("#password", password)
        self.submit('form[action="/sign-in"]')
