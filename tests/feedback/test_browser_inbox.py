"""An officer's weekly pass through the inbox, in headless Chromium."""

from urllib.parse import urlparse

import pytest

from feedback.models import FeedbackTag, TagSuggestion
from tests.conftest import CHROMIUM
from tests.factories import TagFactory, TagSuggestionFactory
from tests.factories.xmo import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # The site has no favicon yet; Chromium's automatic request for it is not a page error.
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        page.console_errors = []
        page.foreign_requests = []
        page.on(
            "console",
            lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None,
        )
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        page.on(
            "request",
            lambda req: (
                page.foreign_requests.append(req.url)
                if urlparse(req.url).hostname not in LOCAL_HOSTS
                else None
            ),
        )
        yield page
        browser.close()


def test_officer_filters_tags_in_bulk_and_accepts_a_suggestion(
    live_server, browser_page, users, org_a, make_feedback, tag
):
    page = browser_page
    slow = TagFactory(organisation=org_a, name="Slow", slug="slow")
    vpn_rows = [
        make_feedback(f"The VPN was slow, attempt {i}", score=3, hours_ago=i + 1) for i in range(4)
    ]
    make_feedback("Great service, thanks", score=10)
    suggestion = TagSuggestionFactory(
        response=make_feedback("Tunnel through the VPN dropped", score=2, hours_ago=10), tag=tag
    )

    page.goto(f"{live_server.url}/feedback/")
    assert "/login/" in page.url
    page.fill("#id_username", users["officer"].username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/feedback/")

    # Filter: detractors mentioning "vpn" (the filter form swaps the results via htmx).
    page.select_option("#id_band", "detractor")
    page.fill("#id_q", "vpn")
    page.click("text=Apply filters")
    page.wait_for_url("**/feedback/?*q=vpn*")
    page.wait_for_function("document.querySelectorAll('#feedback-table tr[data-row]').length === 5")
    assert "Great service" not in page.inner_text("#inbox-results")

    # Select three comments (the first with the keyboard: j then x) and tag them in bulk.
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("x")
    for row in vpn_rows[1:3]:
        page.check(f"#fb-{row.pk} input[data-select]")
    assert page.inner_text("[data-selected-count]") == "3 selected"
    page.select_option("#bulk-tag", str(slow.pk))
    page.click("#bulk-form button[value=tag]")
    page.wait_for_selector("text=Tagged 3 comments with “Slow”.")

    # Accept the rule's suggestion in one click.
    page.click(f"[data-suggestion='{suggestion.pk}'] button:has-text('Accept')")
    page.wait_for_selector(f"[data-suggestion='{suggestion.pk}']", state="detached")

    assert sorted(FeedbackTag.objects.filter(tag=slow).values_list("response_id", flat=True)) == (
        sorted(r.pk for r in vpn_rows[:3])
    )
    accepted = FeedbackTag.objects.get(response=suggestion.response, tag=tag)
    assert accepted.source == "rule"
    assert TagSuggestion.objects.get(pk=suggestion.pk).status == "accepted"

    # The shortcut help opens with "?".
    page.locator("h1").click()
    page.keyboard.press("Shift+?")
    assert page.is_visible("#shortcuts")

    assert page.console_errors == [], page.console_errors
    assert page.foreign_requests == []
