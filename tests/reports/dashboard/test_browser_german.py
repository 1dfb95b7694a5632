"""A leader who chose German reads the dashboard in German, in a browser set to British English:
headings, the charts' titles, axes and month names, and German numbers."""

import os
import re

import pytest

from tests.conftest import CHROMIUM
from tests.factories.xmo import TEST_PASSWORD, prefer_language
from tests.reports.dashboard.conftest import month_param
from tests.reports.dashboard.test_browser import ARGS, _record

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GERMAN_MONTHS = {"Mär", "Mai", "Okt", "Dez"}  # abbreviations English writes otherwise


def test_german_leader_reads_the_dashboard_in_german_in_an_english_browser(
    transactional_db, live_server, seeded, users
):
    leader = prefer_language(users["leader"], "de")
    month = month_param(seeded["month"])
    # Playwright starts after the data is written: its event loop would trip Django's guard.
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    base = live_server.url.replace("localhost", "127.0.0.1")
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            extra_http_headers={"Accept-Language": "en-GB,en;q=0.9"},
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: _record(errors, m))
        page.on("pageerror", lambda e: errors.append(str(e)))

        # The sign-in page follows the browser: English.
        page.goto(base + "/login/")
        assert page.evaluate("navigator.language") == "en-GB"
        assert page.get_attribute("html", "lang") == "en-gb"
        page.fill("input[name=username]", leader.username)
        page.fill("input[name=password]", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")

        page.goto(f"{base}/dashboard/?month={month}")
        for script_id in ("fig-happiness-trend", "fig-lost-time-trend", "fig-heatmap"):
            page.wait_for_selector(f'[data-plotly="{script_id}"][data-drawn] .main-svg')

        # Signed in, the person's own language wins over the browser's.
        assert page.get_attribute("html", "lang") == "de"
        assert page.inner_text("h1") == "Experience-Dashboard"
        body = page.inner_text("#dashboard-body")
        assert "XLA-Erfüllung" in body
        assert "Brennpunkte: Service × Kanal" in body
        assert "Happiness, letzte 13 Monate" in body
        assert "Mittlere verlorene Zeit, letzte 13 Monate" in body
        assert "Experience dashboard" not in page.content()

        # The charts as drawn: axis titles, legend and month names in German.
        trend = '[data-plotly="fig-happiness-trend"]'
        assert page.locator(f"{trend} .ytitle").first.text_content() == "Happiness (−100 bis +100)"
        legend = [t.text_content() for t in page.locator(f"{trend} .legendtext").all()]
        assert "Zielwert" in legend and "95-%-Intervall" in legend
        ticks = [t.text_content() for t in page.locator(f"{trend} .xtick text").all()]
        assert any(name in tick for tick in ticks for name in GERMAN_MONTHS), ticks
        lost = '[data-plotly="fig-lost-time-trend"]'
        assert page.locator(f"{lost} .ytitle").first.text_content() == "Minuten pro Antwort"
        heatmap = '[data-plotly="fig-heatmap"]'
        assert page.locator(f"{heatmap} .cbtitle").first.text_content() == "Wirkung"

        # German numbers: a decimal comma on the tiles ("−12,3", "+70,0").
        happiness = page.inner_text('[data-tile="happiness"]')
        assert re.search(r"[+−]\d+,\d", happiness), happiness
        assert "Zielwert +70,0" in happiness
        assert re.search(r"\d+,\d h verlorene Zeit im Zeitraum", body)
        browser.close()

    assert errors == []
