"""A leader signs in, filters the dashboard, sees the charts redraw and drills into a hotspot."""

import os
import re
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM
from tests.factories.xmo import TEST_PASSWORD
from tests.reports.dashboard.conftest import month_param

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _record(errors, message):
    # The browser asks every site for /favicon.ico on its own; that 404 is not the page's.
    if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico"):
        errors.append(message.text)


def _drawn_key(page, script_id):
    return page.get_attribute(f'[data-plotly="{script_id}"]', "data-drawn")


def test_leader_filters_and_drills_into_a_hotspot(transactional_db, live_server, seeded, users):
    # Playwright starts after the data is written: its event loop would trip Django's guard.
    month = month_param(seeded["month"])
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url.replace("localhost", "127.0.0.1")
    errors, hosts = [], set()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        page.on("console", lambda m: _record(errors, m))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: hosts.add(urlparse(r.url).hostname))

        page.goto(base + "/login/")
        page.fill("input[name=username]", users["leader"].username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")

        page.goto(f"{base}/dashboard/?month={month}")
        page.wait_for_selector('[data-plotly="fig-heatmap"][data-drawn] .main-svg')
        page.wait_for_selector('[data-plotly="fig-happiness-trend"][data-drawn] .main-svg')
        first_key = _drawn_key(page, "fig-heatmap")
        assert (
            page.locator(
                '[data-plotly="fig-heatmap"] .heatmaplayer image, [data-plotly="fig-heatmap"] .hm'
            ).count()
            > 0
        )

        # Switch the heat map to locations: htmx swaps the body and pushes the URL.
        page.select_option("#f-dim", "location")
        page.wait_for_function(
            "key => { const el = document.querySelector('[data-plotly=\"fig-heatmap\"]');"
            " const drawn = el && el.getAttribute('data-drawn'); return drawn && drawn !== key; }",
            arg=first_key,
        )
        assert "dim=location" in page.url
        assert "service × location" in page.inner_text("#dashboard-body")
        columns = [
            t.text_content() for t in page.locator('[data-plotly="fig-heatmap"] .xtick text').all()
        ]
        assert "London" in columns

        # Narrow to one service through the multi-select; the trend redraws too.
        trend_key = _drawn_key(page, "fig-happiness-trend")
        page.click("#f-service-label + details summary")
        page.check('input[name=service][value="desk"]')
        page.wait_for_function(
            "key => { const el = document.querySelector('[data-plotly=\"fig-happiness-trend\"]');"
            " return el && el.getAttribute('data-drawn') !== key; }",
            arg=trend_key,
        )
        assert "service=desk" in page.url

        # Drill into the first heat-map cell.
        page.wait_for_selector('[data-plotly="fig-heatmap"][data-drawn] .nsewdrag')
        page.click("h1")  # closes the open multi-select
        plot_area = page.locator('[data-plotly="fig-heatmap"] .nsewdrag').first
        plot_area.scroll_into_view_if_needed()
        box = plot_area.bounding_box()
        cols = len(columns) if columns else 1
        page.mouse.click(box["x"] + box["width"] / (2 * cols), box["y"] + box["height"] / 2)
        page.wait_for_url("**/dashboard/segment/**")
        assert "service=desk" in page.url and "location=" in page.url
        page.wait_for_selector('[data-plotly="fig-happiness-trend"][data-drawn] .main-svg')
        assert page.inner_text("h1").startswith("Service desk ·")
        browser.close()

    assert errors == []
    assert hosts <= LOCAL_HOSTS, hosts


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_dashboard_prints_on_at_most_two_a4_landscape_pages(
    transactional_db, live_server, seeded, users
):
    month = month_param(seeded["month"])
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url.replace("localhost", "127.0.0.1")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.set_default_timeout(30_000)
        page.goto(base + "/login/")
        page.fill("input[name=username]", users["leader"].username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")

        page.goto(f"{base}/dashboard/?month={month}")
        for script_id in ("fig-happiness-trend", "fig-lost-time-trend", "fig-heatmap"):
            page.wait_for_selector(f'[data-plotly="{script_id}"][data-drawn] .main-svg')
        # Printed straight away, as the Print button does: charts must take their paper size
        # without waiting for a resize.
        pdf = page.pdf(format="A4", landscape=True, print_background=True)
        # Back on screen, the heat map fills the 1366 px wide page again.
        page.wait_for_function(
            "document.querySelector('[data-plotly=\"fig-heatmap\"] .main-svg')"
            ".getBoundingClientRect().width > 1000"
        )
        browser.close()

    assert 1 <= _pdf_pages(pdf) <= 2
