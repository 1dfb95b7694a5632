"""The report in a real browser: charts render, it prints to A4 portrait, pages look right.

Set REPORT_SHOTS=/some/dir to keep the PDF, its pages as PNG and the screenshots to look at.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.drafting import draft_report
from tests.factories.xmo import TEST_PASSWORD

from .data import MONTH, build_report_data

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def shots(tmp_path):
    target = Path(os.environ.get("REPORT_SHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_report_prints_to_a4_with_charts(live_server, org_a, users, shots):
    from playwright.sync_api import sync_playwright

    build_report_data(org_a, per_month=80)
    report, _ = draft_report(org_a, MONTH)
    summary = report.sections.get(key="summary")
    summary.narrative = (
        "October was a **difficult month** for remote workers: the VPN gateway ran out of "
        "capacity after the client migration and happiness fell well below target.\n\n"
        "- The *Remote work* drop explains most of the fall.\n"
        "- Laptops and the service desk held steady.\n\n"
        "Next month we expect the [capacity upgrade](https://intranet.example.test/vpn) to land."
    )
    summary.save()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", users["officer"].username)
        page.fill("#id_password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/reports/{report.pk}/")
        page.wait_for_selector("html[data-charts-ready='1']")
        page.wait_for_selector(".report-chart .main-svg")
        assert page.locator(".report-chart .main-svg").count() >= 4
        page.screenshot(path=str(shots / "report-1280.png"), full_page=True)
        pdf = shots / "report.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)

        page.goto(f"{live_server.url}/reports/{report.pk}/edit/")
        page.screenshot(path=str(shots / "edit-1280.png"), full_page=True)
        page.goto(f"{live_server.url}/reports/")
        page.screenshot(path=str(shots / "archive-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        for name, url in [
            ("archive", "/reports/"),
            ("edit", f"/reports/{report.pk}/edit/"),
            ("report", f"/reports/{report.pk}/"),
        ]:
            page.goto(f"{live_server.url}{url}")
            page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name} scrolls sideways at 390 px"
        for key in ("headline", "xlas", "drops"):
            page.locator(f"#section-{key}").screenshot(path=str(shots / f"report-390-{key}.png"))
        browser.close()

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    # Cover and summary, then the chart sections each from a new page: a handful of pages.
    assert 4 <= pages <= 10, pages
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(shots / "page")], check=True)
        assert len(list(shots.glob("page-*.png"))) == pages
