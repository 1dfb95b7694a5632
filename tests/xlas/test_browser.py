"""Headless Chromium: the officer's and the leader's governance routines, end to end.

Screenshots of every page at 1280 px and 390 px go to var/screenshots/governance/.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM
from tests.factories.xmo import TEST_PASSWORD
from xlas.models import Breach, XLAVersion

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "governance"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Watch:
    """Collects console errors, page errors and requests to other hosts."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", self._request)

    def _console(self, msg):
        # Failed loads are checked by URL in _response (the browser's own favicon probe is fine).
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(msg.text)

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.url}")

    def _request(self, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            self.foreign.append(request.url)

    def assert_clean(self):
        assert self.errors == [], "\n".join(self.errors)
        assert self.foreign == []
        assert self.failed == []


def _sign_in(browser, live_server, username, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url
    return page, watch


def test_officer_reviews_drop_and_acknowledges_breach(
    browser, live_server, users, drop, drop_comments, breach
):
    page, watch = _sign_in(browser, live_server, users["officer"].username)
    page.click("#main-nav >> text=Score drops")
    page.click(f"a[href='/experience/drops/{drop.pk}/']")
    page.wait_for_selector("[data-plotly='drop-trend'] .main-svg")
    assert page.inner_text("[data-testid=top-driver]") == "Had to repeat myself"
    # Comments are shown as text, never run.
    assert "<script>alert(0)</script>" in page.inner_text("#drop-comments")

    page.goto(f"{live_server.url}/xlas/breaches/{breach.pk}/")
    page.wait_for_selector("[data-plotly='breach-history'] .main-svg")
    page.click("#breach-work button:has-text('Acknowledge')")
    page.wait_for_selector("#breach-work .msg-success")
    assert "Not yet" not in page.inner_text("[data-testid=acknowledged]")
    breach.refresh_from_db()
    assert breach.acknowledged_at is not None
    assert breach.acknowledged_by == users["officer"]
    watch.assert_clean()


def test_leader_approves_proposed_change(
    browser, live_server, users, xla, active_version, proposed_version, evaluations
):
    page, watch = _sign_in(browser, live_server, users["leader"].username)
    page.goto(f"{live_server.url}/xlas/{xla.pk}/")
    page.click("text=Review and decide")
    page.fill("#id_effective_from", "2026-10-01")
    page.fill("#id_note", "Agreed in the quarterly strategy meeting.")
    page.click("button:has-text('Approve version 2')")
    page.wait_for_url(f"**/xlas/{xla.pk}/")
    assert "Version 2 approved" in page.inner_text(".messages")
    assert "version 2, active" in page.inner_text("#ind-h")
    history = page.inner_text("#ver-h + .table-wrap")
    assert "Retired" in history and "Active" in history
    proposed_version.refresh_from_db()
    active_version.refresh_from_db()
    assert proposed_version.status == "active"
    assert active_version.effective_to == datetime.date(2026, 10, 1)
    watch.assert_clean()


PAGES = [
    ("xlas", "/xlas/"),
    ("xla-detail", "/xlas/{xla}/"),
    ("xla-review", "/xlas/review/"),
    ("xla-new", "/xlas/new/"),
    ("xla-propose", "/xlas/{xla2}/propose/"),
    ("version-draft", "/xlas/versions/{version}/"),
    ("version-proposed", "/xlas/versions/{proposed}/"),
    ("breaches", "/xlas/breaches/"),
    ("breach", "/xlas/breaches/{breach}/"),
    ("drops", "/experience/drops/"),
    ("drop", "/experience/drops/{drop}/"),
    ("drops-empty", "/experience/drops/?status=closed"),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_renders_cleanly(
    browser, live_server, users, xla, breach, proposed_version, drop, drop_comments, width
):
    from tests.factories import IndicatorFactory, XLAFactory, XLAVersionFactory

    draft = XLAVersionFactory(xla=xla, number=5, status="draft")
    xla2 = XLAFactory(organisation=xla.organisation, name="Laptop experience")
    IndicatorFactory(version=XLAVersionFactory(xla=xla2, number=1), key="crash-free")
    ids = {
        "xla": xla.pk,
        "xla2": xla2.pk,
        "version": draft.pk,
        "proposed": proposed_version.pk,
        "breach": breach.pk,
        "drop": drop.pk,
    }
    page, watch = _sign_in(browser, live_server, users["admin"].username, width)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in PAGES:
        target = live_server.url + url.format(**ids)
        response = page.goto(target)
        assert response.status == 200, url
        assert page.url == target, f"{url} redirected to {page.url}"
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if width < 600:
            # Phone-sized slices, readable at their real scale.
            height = page.evaluate("document.documentElement.scrollHeight")
            for part, top in enumerate(range(0, height, 1100)):
                clip = {"x": 0, "y": top, "width": width, "height": min(1100, height - top)}
                page.screenshot(
                    path=str(SHOTS / f"{name}-{width}-part{part}.png"), full_page=True, clip=clip
                )
        # Nothing wider than the viewport on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width + 1, f"{url} is {overflow}px wide at {width}px"
    # A form with mistakes explains them next to the fields.
    page.goto(f"{live_server.url}/xlas/new/")
    page.fill("#id_name", "Collaboration tools")
    page.fill("#id_ind-0-name", "Happiness")
    page.fill("#id_ind-0-target", "70")
    page.fill("#id_ind-0-warning", "80")
    page.select_option("#id_ind-0-measure", "happiness")
    page.click("button:has-text('Save draft')")
    page.wait_for_selector(".form-errors")
    assert "warning level must be at or below target" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / f"xla-new-errors-{width}.png"), full_page=True)
    # The browser's own 400 console line is expected here.
    watch.errors = [e for e in watch.errors if "400" not in e]
    watch.failed = [f for f in watch.failed if not f.startswith("400 ")]
    watch.assert_clean()
    assert Breach.objects.count() == 1 and XLAVersion.objects.count() == 4
