"""A member runs the drafted monthly meeting in headless Chromium, end to end."""

import datetime
from urllib.parse import urlparse

import pytest

from experience.rollups import process_new
from meetings.drafting import draft_agenda, ensure_next_meeting, local_date
from meetings.models import ActionItem, Meeting
from tests.conftest import CHROMIUM
from tests.factories import MeetingSeriesFactory, ServiceFactory, SurveyResponseFactory
from tests.factories.xmo import TEST_PASSWORD
from xmo.periods import period_start, previous_period_start, utc_range

pytestmark = pytest.mark.browser

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def drafted_monthly(transactional_db, org_a, users):
    desk = ServiceFactory(organisation=org_a, slug="service-desk", name="Service desk")
    series = MeetingSeriesFactory(
        organisation=org_a, cadence="monthly", name="Workplace monthly", weekday=1, nth=1
    )
    series.services.set([desk])
    series.default_attendees.set([users["member"], users["officer"]])
    meeting, _ = ensure_next_meeting(series)
    last_month = previous_period_start(period_start(local_date(meeting), "month"), "month")
    lo, _ = utc_range(org_a, last_month, last_month + datetime.timedelta(days=1))
    for score in (10, 9, 3, 7):
        SurveyResponseFactory(
            organisation=org_a,
            service=desk,
            score=score,
            location="Leeds",
            submitted_at=lo + datetime.timedelta(hours=12),
        )
    process_new(org_a)  # figures come from rollups, as after the rollups job
    draft_agenda(meeting)
    return meeting


def test_member_runs_monthly_meeting(drafted_monthly, live_server, users, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    meeting = drafted_monthly
    host = urlparse(live_server.url).netloc
    errors, foreign = [], []
    due = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request", lambda r: foreign.append(r.url) if urlparse(r.url).netloc != host else None
        )
        page.on("dialog", lambda d: d.accept())
        # The browser asks for a favicon on its own; the app has none to serve.
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))

        def sign_in(username):
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", TEST_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")

        sign_in("a-member")
        page.goto(f"{live_server.url}/meetings/")
        page.click(f"a[href='/meetings/{meeting.pk}/']")
        expect(page.locator("#agenda")).to_contain_text("Happiness by location")
        expect(page.locator("#agenda")).to_contain_text("Leeds")

        # Notes are saved inline (htmx) without leaving the page.
        first_notes = page.locator("form.notes textarea[name=notes]").first
        first_notes.fill("Leeds needs a closer look")
        page.locator("form.notes button").first.click()
        expect(page.locator(".saved").first).to_be_visible()

        page.fill("#id_decision-text", "Open a walk-in bar in Leeds")
        page.check("#id_decision-communicate")
        page.click("text=Record decision")
        expect(page.locator("#decisions")).to_contain_text("Open a walk-in bar in Leeds")

        page.click("text=Add an action")
        page.fill("#id_action-title", "Find a room for the walk-in bar")
        page.select_option("#id_action-owner", label="a-officer")
        page.fill("#id_action-due_on", due)
        page.click("button:has-text('Add action')")
        expect(page.locator("#actions")).to_contain_text("Find a room for the walk-in bar")

        page.click("button:has-text('Close meeting')")
        expect(page.locator(".messages")).to_contain_text("Meeting closed")

        page.click("button:has-text('Open the next meeting')")
        expect(page.locator("#agenda")).to_contain_text("Open actions from earlier meetings")
        expect(page.locator("#agenda")).to_contain_text("Find a room for the walk-in bar")
        next_url = page.url

        page.click("button:has-text('Sign out')")
        sign_in("a-officer")
        page.goto(f"{live_server.url}/meetings/actions/mine/")
        expect(page.locator("main")).to_contain_text("Find a room for the walk-in bar")
        browser.close()

    assert sorted(set(errors)) == []
    assert foreign == []
    action = ActionItem.objects.get(title="Find a room for the walk-in bar")
    assert action.owner == users["officer"] and action.meeting_id == meeting.pk
    nxt = Meeting.objects.exclude(pk=meeting.pk).get(series=meeting.series)
    assert next_url.endswith(f"/meetings/{nxt.pk}/")
    assert nxt.scheduled_for > meeting.scheduled_for
