"""Report pages: who may read, edit and publish; Markdown safety; CSV; archive comparison."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone

from experience.rollups import process_new
from reports.drafting import draft_report
from reports.models import MonthlyReport
from tests.factories import MembershipFactory, SurveyResponseFactory, UserFactory
from xmo.jobs import run_job
from xmo.models import AuditEvent, Notification

from .data import MONTH, build_report_data

ALL_ROLES = ["admin", "officer", "member", "leader", "service_owner", "viewer"]
EDITORS = {"admin", "officer"}
DRAFT_READERS = {"admin", "officer", "member"}


@pytest.fixture
def report(org_a):
    build_report_data(org_a, per_month=30)
    report, _ = draft_report(org_a, MONTH)
    return report


def _publish(report):
    MonthlyReport.objects.filter(pk=report.pk).update(status="published")
    report.refresh_from_db()
    return report


@pytest.mark.parametrize("role", ALL_ROLES)
def test_draft_visible_only_to_the_xmo(role, users, login, report):
    client = login(users[role])
    response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == (200 if role in DRAFT_READERS else 404)
    csv_response = client.get(f"/reports/{report.pk}/figures.csv")
    assert csv_response.status_code == (200 if role in DRAFT_READERS else 404)
    archive = client.get("/reports/")
    assert archive.status_code == 200
    assert (f"/reports/{report.pk}/" in archive.content.decode()) == (role in DRAFT_READERS)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_published_report_readable_by_every_role(role, users, login, report):
    _publish(report)
    client = login(users[role])
    response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Experience report October 2026" in body
    assert 'id="report-charts"' in body
    assert "Happiness, last 13 months" in body
    assert f"/reports/{report.pk}/" in client.get("/reports/").content.decode()


def test_outsider_gets_404_everywhere(outsider, login, report):
    _publish(report)
    client = login(outsider)
    for url in [
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/figures.csv",
        f"/reports/{report.pk}/edit/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [f"/reports/{report.pk}/status/", f"/reports/{report.pk}/redraft/"]:
        assert client.post(url, {"action": "publish"}).status_code == 404, url
    assert f"/reports/{report.pk}/" not in client.get("/reports/").content.decode()


def test_anonymous_is_sent_to_login(client, report):
    response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_edit_page_per_role(role, users, login, report):
    client = login(users[role])
    response = client.get(f"/reports/{report.pk}/edit/")
    assert response.status_code == (200 if role in EDITORS else 403)


def _edit_payload(report, **overrides):
    data = {}
    for s in report.sections.all():
        data[f"s{s.pk}-title"] = s.title
        data[f"s{s.pk}-narrative"] = s.narrative
        if s.is_visible:
            data[f"s{s.pk}-is_visible"] = "on"
    data["quotes"] = [str(i) for i in report.quote_ids]
    data.update(overrides)
    return data


def test_officer_saves_narrative_visibility_and_quotes(users, login, report):
    client = login(users["officer"])
    summary = report.sections.get(key="summary")
    drops = report.sections.get(key="drops")
    chosen = report.quote_ids[0]
    payload = _edit_payload(
        report,
        **{
            f"s{summary.pk}-narrative": "October was **hard** for remote workers.",
            "quotes": [str(chosen)],
        },
    )
    payload.pop(f"s{drops.pk}-is_visible")
    response = client.post(f"/reports/{report.pk}/edit/", payload, follow=True)
    assert "Report saved." in response.content.decode()
    summary.refresh_from_db()
    drops.refresh_from_db()
    report.refresh_from_db()
    assert summary.narrative == "October was **hard** for remote workers."
    assert drops.is_visible is False
    assert report.quote_ids == [chosen]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"report.section_updated", "report.quotes_chosen"} <= actions
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "October was <strong>hard</strong> for remote workers." in page
    assert 'id="section-drops"' not in page


def test_quotes_limited_to_highlighted_comments_of_the_month(org_a, users, login, report):
    client = login(users["officer"])
    other = SurveyResponseFactory(organisation=org_a, comment="Not highlighted", highlighted=False)
    response = client.post(
        f"/reports/{report.pk}/edit/", _edit_payload(report, quotes=[str(other.pk)])
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert other.pk not in report.quote_ids


def test_markdown_is_sanitised(users, login, report):
    client = login(users["officer"])
    summary = report.sections.get(key="summary")
    narrative = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        "[our portal](https://portal.example.test) and [bad](javascript:alert(3))"
    )
    client.post(
        f"/reports/{report.pk}/edit/",
        _edit_payload(report, **{f"s{summary.pk}-narrative": narrative}),
    )
    body = client.get(f"/reports/{report.pk}/").content.decode()
    assert "<script>alert(1)" not in body
    assert "onerror" not in body
    assert "<img src=x" not in body
    assert "javascript:alert" not in body
    assert (
        '<a href="https://portal.example.test" rel="noopener noreferrer nofollow">our portal</a>'
        in body
    )


def test_section_order_up_and_down(users, login, report):
    client = login(users["officer"])
    actions = report.sections.get(key="actions")
    for _ in range(2):
        client.post(f"/reports/{report.pk}/sections/{actions.pk}/move/", {"direction": "up"})
    keys = list(report.sections.order_by("order").values_list("key", flat=True))
    assert keys[-4:] == ["lost_time", "actions", "initiatives", "value"]
    summary = report.sections.get(key="summary")
    client.post(f"/reports/{report.pk}/sections/{summary.pk}/move/", {"direction": "up"})
    assert report.sections.order_by("order").first().key == "summary"
    client.post(f"/reports/{report.pk}/sections/{summary.pk}/move/", {"direction": "down"})
    assert list(report.sections.order_by("order").values_list("key", flat=True))[:2] == [
        "headline",
        "summary",
    ]
    body = client.get(f"/reports/{report.pk}/").content.decode()
    assert body.index('id="section-headline"') < body.index('id="section-summary"')
    assert AuditEvent.objects.filter(action="report.section_moved").count() == 3


@pytest.mark.parametrize("role", ALL_ROLES)
def test_publish_permissions(role, users, login, report):
    MonthlyReport.objects.filter(pk=report.pk).update(status="in_review")
    client = login(users[role])
    response = client.post(f"/reports/{report.pk}/status/", {"action": "publish"})
    report.refresh_from_db()
    if role in EDITORS:
        assert response.status_code == 302
        assert report.status == "published"
        assert report.published_by == users[role]
        assert report.published_at is not None
    else:
        assert response.status_code == 403
        assert report.status == "in_review"


def test_workflow_draft_review_back_and_publish(users, login, report):
    client = login(users["officer"])
    url = f"/reports/{report.pk}/status/"
    client.post(url, {"action": "publish"})
    report.refresh_from_db()
    assert report.status == "draft"  # must be reviewed first
    client.post(url, {"action": "submit"})
    report.refresh_from_db()
    assert report.status == "in_review"
    client.post(url, {"action": "return"})
    report.refresh_from_db()
    assert report.status == "draft"
    client.post(url, {"action": "submit"})
    client.post(url, {"action": "publish"})
    report.refresh_from_db()
    assert report.status == "published"
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "report.submitted",
        "report.returned",
        "report.published",
    }
    # A published report is read-only: the editor redirects, re-drafting is refused.
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 302
    frozen = report.figures
    client.post(f"/reports/{report.pk}/redraft/")
    report.refresh_from_db()
    assert report.figures == frozen


def test_leaders_notified_once(org_a, users, login, report):
    second_leader = UserFactory(username="a-leader-2")
    MembershipFactory(user=second_leader, organisation=org_a, role="leader")
    MonthlyReport.objects.filter(pk=report.pk).update(status="in_review")
    client = login(users["officer"])
    client.post(f"/reports/{report.pk}/status/", {"action": "publish"})
    client.post(f"/reports/{report.pk}/status/", {"action": "publish"})
    run_job("draft_monthly_reports", org_a.pk)
    run_job("draft_monthly_reports", org_a.pk)
    assert mail.outbox == []  # the request only writes notifications
    run_job("send_notification_emails", org_a.pk)
    run_job("send_notification_emails", org_a.pk)
    recipients = sorted(to for m in mail.outbox for to in m.to)
    assert recipients == sorted([users["leader"].email, second_leader.email])
    assert all(f"/reports/{report.pk}/" in m.body for m in mail.outbox)
    assert Notification.objects.filter(dedupe_key=f"report:{report.pk}:published").count() == 2


def test_figures_csv(users, login, report):
    client = login(users["officer"])
    response = client.get(f"/reports/{report.pk}/figures.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "xmo-report-org-a-2026-10.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "figure", "value"]
    lookup = {(r[0], r[1]): r[2] for r in rows[1:]}
    happiness = report.figures["headline"]["happiness"]
    assert lookup[("headline", "happiness.value")] == str(happiness["value"])
    assert lookup[("headline", "response_count.n")] == "30"
    assert lookup[("lost_time", "ticket_share")] == str(report.figures["lost_time"]["ticket_share"])
    assert ("trend", "happiness[2026-10-01].value") in lookup
    assert lookup[("xlas", "rows[Remote work].score")] == "100.0"


def test_draft_button_drafts_any_month(org_a, users, login):
    build_report_data(org_a, per_month=10)
    client = login(users["officer"])
    response = client.post("/reports/draft/", {"month": "2026-09"})
    report = MonthlyReport.objects.get(organisation=org_a, month=datetime.date(2026, 9, 1))
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/edit/"
    assert report.figures["headline"]["response_count"]["n"] == 10
    bad = client.post("/reports/draft/", {"month": "Sept"}, follow=True)
    assert "YYYY-MM" in bad.content.decode()
    assert login(users["leader"]).post("/reports/draft/", {"month": "2026-09"}).status_code == 403


def test_redraft_button_keeps_narrative(org_a, users, login, report):
    summary = report.sections.get(key="summary")
    summary.narrative = "Kept."
    summary.save()
    SurveyResponseFactory(
        organisation=org_a,
        score=0,
        submitted_at=datetime.datetime(2026, 10, 15, 12, tzinfo=datetime.UTC),
    )
    process_new(org_a)
    client = login(users["admin"])
    assert client.post(f"/reports/{report.pk}/redraft/").status_code == 302
    report.refresh_from_db()
    assert report.figures["headline"]["response_count"]["n"] == 31
    assert report.sections.get(key="summary").narrative == "Kept."


def test_archive_month_over_month_comparison(org_a, users, login):
    build_report_data(org_a, per_month=20)
    september, _ = draft_report(org_a, datetime.date(2026, 9, 1))
    october, _ = draft_report(org_a, MONTH)
    client = login(users["officer"])
    body = client.get("/reports/").content.decode()
    assert body.index("October 2026") < body.index("September 2026")
    oct_h = october.figures["headline"]["happiness"]
    assert oct_h["previous"] == september.figures["headline"]["happiness"]["value"]
    delta = f"{oct_h['vs_previous']:+.1f}".replace("-", "−")
    assert delta in body


def test_archive_empty_state(users, login):
    body = login(users["officer"]).get("/reports/").content.decode()
    assert "No reports yet" in body and "Draft report" in body
    body = login(users["viewer"]).get("/reports/").content.decode()
    assert "once the Experience Officer publishes them" in body


def test_archive_queries_are_bounded(org_a, users, login, django_assert_max_num_queries):
    for month in range(1, 13):
        MonthlyReport.objects.create(
            organisation=org_a,
            month=datetime.date(2025, month, 1),
            status="published",
            figures={"headline": {"happiness": {"value": 50.0 + month, "previous": 49.0}}},
        )
    client = login(users["viewer"])
    with django_assert_max_num_queries(10):
        response = client.get("/reports/")
    assert response.status_code == 200
    assert response.content.decode().count("badge-published") == 12


def test_report_page_queries_are_bounded(users, login, report, django_assert_max_num_queries):
    client = login(users["officer"])
    # Session, user, membership, switcher, report, sections, organisation, quotes, and the
    # first request's session write: bounded whatever the number of responses.
    with django_assert_max_num_queries(12):
        assert client.get(f"/reports/{report.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/reports/{report.pk}/edit/").status_code == 200


def test_month_without_data_reads_as_empty_states(org_a, users, login):
    report, _ = draft_report(org_a, MONTH)
    client = login(users["officer"])
    body = client.get(f"/reports/{report.pk}/").content.decode()
    for text in [
        "No XLA was evaluated for this month.",
        "No XLA was breached this month.",
        "No significant score drop was detected",
        "No factor was picked and no comment was tagged this month.",
        "No answer scoring 9–10 named a reason this month.",
        "No answer scoring 0–6 named a reason this month.",
        "No lost time was reported this month.",
        "No improvement initiative was active this month.",
        "No action items were recorded yet.",
    ]:
        assert text in body, text
    edit = client.get(f"/reports/{report.pk}/edit/").content.decode()
    assert "No comment was written in October 2026, so there is nothing to quote." in edit


def test_report_without_figures_still_renders(org_a, users, login):
    report = MonthlyReport.objects.create(organisation=org_a, month=MONTH, figures={})
    client = login(users["officer"])
    assert client.get(f"/reports/{report.pk}/").status_code == 200
    assert client.get(f"/reports/{report.pk}/figures.csv").status_code == 200
    assert client.get("/reports/").status_code == 200


def test_failed_e_mail_is_retried_by_the_job(org_a, users, login, report, monkeypatch):
    MonthlyReport.objects.filter(pk=report.pk).update(status="in_review")
    client = login(users["officer"])
    response = client.post(f"/reports/{report.pk}/status/", {"action": "publish"}, follow=True)
    assert "leaders are notified and e-mailed" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "published" and len(mail.outbox) == 0

    def broken(**kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr("xmo.notifying.send_mail", broken)
    start = timezone.now()
    failed = run_job("send_notification_emails", org_a.pk, now=start)
    assert failed["org-a"]["retrying"] == 1 and len(mail.outbox) == 0
    monkeypatch.undo()
    client.post(f"/reports/{report.pk}/status/", {"action": "publish"})
    later = start + datetime.timedelta(minutes=1)
    assert run_job("send_notification_emails", org_a.pk, now=later)["org-a"]["sent"] == 1
    run_job("send_notification_emails", org_a.pk, now=later + datetime.timedelta(hours=9))
    assert [m.to for m in mail.outbox] == [[users["leader"].email]]


def test_csv_quotes_text_that_looks_like_a_formula(org_a, users, login, report):
    from tests.factories import ImprovementInitiativeFactory

    ImprovementInitiativeFactory(
        organisation=org_a, title='=HYPERLINK("http://evil.test")', status="active"
    )
    draft_report(org_a, MONTH)
    body = login(users["officer"]).get(f"/reports/{report.pk}/figures.csv").content.decode()
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body
    assert "headline,happiness.vs_target,-" in body  # negative numbers stay numbers


def test_edit_page_shows_each_sections_numbers(users, login, report):
    body = login(users["officer"]).get(f"/reports/{report.pk}/edit/").content.decode()
    happiness = report.figures["headline"]["happiness"]["value"]
    assert f"Happiness {happiness:+.1f}".replace("-", "−") in body
    assert "1 breach: 1 open." in body
    assert "2 XLAs, average score 75.0 %." in body


def test_drop_mix_rate_reaches_the_rendered_report(org_a, users, login, report):
    """A drop stored with drivers["mix_rate"] shows its split and sub-segments by name."""
    drop = report.figures["drops"]["rows"][0]
    assert (drop["drivers"]["mix"], drop["drivers"]["rate"]) == (-4.0, -29.0)
    body = login(users["officer"]).get(f"/reports/{report.pk}/").content.decode()
    assert "mix \u22124.0 points · rate \u221229.0 points" in body
    assert 'data-testid="drop-segments"' in body
    table = body.split('data-testid="drop-segments"')[1].split("</table>")[0]
    assert "Virtual agent" in table and "Walk-in" in table
    assert "virtual_agent" not in table and "walk_in" not in table
    assert "20.0 % → 40.0 %" in table
    assert "\u221220.0 points" in table and "\u22129.0 points" in table  # each channel's rate
    assert "+10.0 points" in table and "\u221214.0 points" in table  # each channel's mix
    assert "71.0 points" in body  # the baseline carries its unit
