"""Stored XSS: text people or API clients wrote is escaped (or sanitised Markdown) everywhere.

Every free-text field that a page shows gets the same payload: a script tag, an image with an
event handler and javascript: links (HTML and Markdown). Each page must show the text
(the marker proves the field is on the page) without any of it becoming live markup. The API
returns the raw text, as JSON.
"""

import datetime
import re

import pytest
from django.utils import timezone

from tests.security.test_access_matrix import world  # noqa: F401 - fixture

MARK = "XSSMARK"
PAYLOAD = (
    f"{MARK} <script>alert(1)</script> <img src=x onerror=alert(1)> "
    '<a href="javascript:alert(1)">link</a> [md link](javascript:alert(1)) '
    "<svg onload=alert(1)> \"'><script>alert(2)</script>"
)


def _assert_inert(content: bytes, where: str):
    html = content.decode()
    assert MARK in html, f"{where}: the field is not shown, so the test proves nothing"
    assert "<script>alert(" not in html, f"{where}: live <script>"
    assert not re.search(r"<img[^>]*\bonerror\s*=", html, re.I), f"{where}: live onerror"
    assert not re.search(r"<svg[^>]*\bonload\s*=", html, re.I), f"{where}: live onload"
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I), (
        f"{where}: javascript: link"
    )


@pytest.fixture
def hostile(world):  # noqa: F811
    w = world
    drop = w["drop"]
    response = w["response"]
    response.comment = PAYLOAD
    response.submitted_at = timezone.make_aware(
        datetime.datetime.combine(drop.week_start + datetime.timedelta(days=1), datetime.time(12))
    )
    response.save()
    w["tag"].name = f"{MARK}<script>alert(1)</script><img src=x onerror=alert(1)>"
    w["tag"].save()
    w["rule"].patterns = PAYLOAD
    w["rule"].name = w["tag"].name
    w["rule"].save()
    w["xla"].name = PAYLOAD[:200]
    w["xla"].description = PAYLOAD
    w["xla"].save()
    meeting = w["meeting"]
    meeting.notes = PAYLOAD
    meeting.save()
    item = w["agenda_item"]
    item.title = PAYLOAD[:300]
    item.notes = PAYLOAD
    item.save()
    w["decision"].text = PAYLOAD
    w["decision"].save()
    w["action"].title = PAYLOAD[:300]
    w["action"].save()
    from tests.factories import ReportSectionFactory

    ReportSectionFactory(report=w["report"], key="summary", narrative=PAYLOAD)
    w["draft_section"].narrative = PAYLOAD
    w["draft_section"].save()
    return w


PAGES = [
    ("feedback inbox", "officer", lambda w: "/feedback/"),
    ("tags", "officer", lambda w: "/feedback/tags/"),
    ("tag rules", "officer", lambda w: "/feedback/rules/"),
    ("score drop comments", "officer", lambda w: f"/experience/drops/{w['drop'].pk}/"),
    (
        "dashboard segment",
        "officer",
        lambda w: f"/dashboard/segment/?service=service-desk&month={w['drop'].week_start:%Y-%m}",
    ),
    ("XLA list", "officer", lambda w: "/xlas/"),
    ("XLA page", "officer", lambda w: f"/xlas/{w['xla'].pk}/"),
    ("meeting page", "member", lambda w: f"/meetings/{w['meeting'].pk}/"),
    ("meeting minutes", "member", lambda w: f"/meetings/{w['meeting'].pk}/minutes/"),
    ("actions", "member", lambda w: "/meetings/actions/"),
    ("published report", "leader", lambda w: f"/reports/{w['report'].pk}/"),
    ("report editor", "officer", lambda w: f"/reports/{w['draft_report'].pk}/edit/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("label,role,url", PAGES, ids=[p[0] for p in PAGES])
def test_stored_text_is_inert_on_every_page(label, role, url, hostile, users, client):
    from django.urls import resolve

    path = url(hostile)
    resolve(path.split("?")[0])  # the page exists
    client.force_login(users[role])
    response = client.get(path)
    assert response.status_code == 200, (label, response.status_code)
    _assert_inert(response.content, label)


@pytest.mark.django_db
def test_markdown_narrative_is_sanitised_not_just_escaped(hostile, users, client):
    """The report narrative is Markdown: formatting survives, scripts and handlers do not."""
    section = hostile["report"].sections.get(key="summary")
    section.narrative = f"**{MARK} bold** and <b onclick=alert(1)>x</b>\n\n{PAYLOAD}"
    section.save()
    client.force_login(users["leader"])
    html = client.get(f"/reports/{hostile['report'].pk}/").content.decode()
    assert f"<strong>{MARK} bold</strong>" in html
    assert "onclick" not in html
    _assert_inert(html.encode(), "report Markdown")


@pytest.mark.django_db
def test_the_api_returns_raw_text_as_json(hostile, users, client):
    client.force_login(users["officer"])
    for path in ("/api/v1/feedback/", f"/api/v1/xlas/{hostile['xla'].pk}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/json"), path
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "<script>alert(1)</script>" in response.content.decode() or (
            "\\u003cscript" in response.content.decode()
        )
