"""XLA list, detail, review list and version pages: access, content, query counts."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import (
    EvaluationFactory,
    IndicatorFactory,
    XLAFactory,
    XLAScoreFactory,
    XLAVersionFactory,
)
from xmo.periods import local_today

from .conftest import ROLES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_xla_pages(login, users, role, xla, evaluations, proposed_version):
    client = login(users[role])
    for url in [
        reverse("xlas:xla_list"),
        reverse("xlas:xla_detail", args=[xla.pk]),
        reverse("xlas:review_list"),
        reverse("xlas:version_detail", args=[proposed_version.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        if url != reverse("xlas:review_list"):
            assert xla.name in response.content.decode()


def test_anonymous_is_sent_to_login(client, xla):
    response = client.get(reverse("xlas:xla_detail", args=[xla.pk]))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_outsider_gets_404_for_xla_and_version(login, outsider, xla, proposed_version):
    client = login(outsider)
    assert client.get(reverse("xlas:xla_detail", args=[xla.pk])).status_code == 404
    assert client.get(reverse("xlas:version_detail", args=[proposed_version.pk])).status_code == 404
    assert client.get(reverse("xlas:version_edit", args=[proposed_version.pk])).status_code == 404
    assert client.get(reverse("xlas:xla_propose_change", args=[xla.pk])).status_code == 404
    for name in ("version_approve", "version_reject", "version_propose"):
        response = client.post(reverse(f"xlas:{name}", args=[proposed_version.pk]), {"note": "x"})
        assert response.status_code == 404, name
    # The outsider's own list does not show organisation A's XLA.
    assert xla.name not in client.get(reverse("xlas:xla_list")).content.decode()


def test_list_shows_status_score_owner_services_and_review(login, users, xla, evaluations):
    XLAScoreFactory(
        xla=xla,
        version=evaluations[0].indicator.version,
        period_start=datetime.date(2026, 9, 1),
        is_closed=True,
        score=42.0,
    )
    body = login(users["viewer"]).get(reverse("xlas:xla_list")).content.decode()
    assert "badge-missed" in body  # latest evaluation (Sep) missed
    # The score follows the evaluations (xlas.scores): Sep's only indicator missed → 0 %.
    assert f'data-xla-id="{xla.pk}" data-xla-period="2026-09-01" data-xla-score="0.0"' in body
    assert "0 %" in body and "Sep 2026" in body
    assert "a-officer" in body
    assert "Service desk" in body


def test_list_empty_state_tells_what_to_do(login, users):
    body = login(users["officer"]).get(reverse("xlas:xla_list")).content.decode()
    assert "No XLAs yet" in body
    assert reverse("xlas:xla_create") in body
    body = login(users["viewer"]).get(reverse("xlas:xla_list")).content.decode()
    assert reverse("xlas:xla_create") not in body


def test_list_htmx_gets_fragment(login, users, xla):
    response = login(users["viewer"]).get(reverse("xlas:xla_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="xla-results"' in body
    assert "<html" not in body


def test_list_query_count_is_bounded(login, users, org_a, django_assert_max_num_queries):
    for i in range(40):
        xla = XLAFactory(organisation=org_a, name=f"XLA {i:03d}")
        version = XLAVersionFactory(xla=xla, number=1)
        for key in ("a", "b"):
            indicator = IndicatorFactory(version=version, key=f"{key}-{i}")
            for month in range(1, 13):
                EvaluationFactory(
                    indicator=indicator,
                    period_start=datetime.date(2025, month, 1),
                    period_end=datetime.date(2025 + month // 12, month % 12 + 1, 1),
                )
        XLAScoreFactory(xla=xla, version=version, period_start=datetime.date(2025, 12, 1))
    client = login(users["viewer"])
    with django_assert_max_num_queries(15):
        response = client.get(reverse("xlas:xla_list"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/xlas/') >= 25


def test_detail_shows_evaluations_targets_history_and_audit(
    login, users, xla, evaluations, proposed_version
):
    from xlas import services

    services.version_reject(actor=users["leader"], version=proposed_version, note="Not yet.")
    body = login(users["viewer"]).get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert 'data-plotly="chart-happiness"' in body
    assert 'id="chart-happiness"' in body  # figure JSON via json_script
    assert "70.0" in body and "60.0" in body
    assert "v2" in body and "Rejected" in body and "Not yet." in body
    assert "xla.rejected" in body  # audit event shown on the page
    assert "plotly/plotly.min.js" in body


def test_detail_query_count_bounded_with_many_evaluations(
    login, users, indicator, django_assert_max_num_queries
):
    for week in range(300):
        start = datetime.date(2020, 1, 6) + datetime.timedelta(weeks=week)
        EvaluationFactory(
            indicator=indicator,
            period="month",
            period_start=start,
            period_end=start + datetime.timedelta(days=7),
        )
    client = login(users["viewer"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("xlas:xla_detail", args=[indicator.version.xla_id]))
    assert response.status_code == 200


def test_review_list_shows_due_and_overdue_only(login, users, org_a):
    today = local_today(org_a)
    due = XLAFactory(organisation=org_a, name="Due soon")
    XLAVersionFactory(xla=due, number=1, review_due=today + datetime.timedelta(days=10))
    late = XLAFactory(organisation=org_a, name="Overdue one")
    XLAVersionFactory(xla=late, number=1, review_due=today - datetime.timedelta(days=3))
    later = XLAFactory(organisation=org_a, name="Far away")
    XLAVersionFactory(xla=later, number=1, review_due=today + datetime.timedelta(days=200))
    body = login(users["officer"]).get(reverse("xlas:review_list")).content.decode()
    assert "Due soon" in body and "Overdue one" in body and "Far away" not in body
    assert "Overdue since" in body
    assert reverse("xlas:xla_propose_change", args=[due.pk]) in body
    # Only officers/admins get the button.
    body = login(users["viewer"]).get(reverse("xlas:review_list")).content.decode()
    assert reverse("xlas:xla_propose_change", args=[due.pk]) not in body


def test_review_list_empty_state(login, users):
    body = login(users["officer"]).get(reverse("xlas:review_list")).content.decode()
    assert "No XLA is due for review" in body


def test_version_detail_compares_with_active(login, users, proposed_version, active_version):
    body = (
        login(users["leader"])
        .get(reverse("xlas:version_detail", args=[proposed_version.pk]))
        .content.decode()
    )
    assert "75.0" in body and "70.0" in body and "changed" in body
    assert reverse("xlas:version_approve", args=[proposed_version.pk]) in body


def test_date_fields_are_prefilled_in_iso_format(login, users, proposed_version):
    body = (
        login(users["leader"])
        .get(reverse("xlas:version_detail", args=[proposed_version.pk]))
        .content.decode()
    )
    assert 'type="date" name="effective_from" value="2026-10-01"' in body


def test_audit_log_paginates_over_htmx(login, users, org_a, xla):
    from tests.factories import AuditEventFactory

    for i in range(25):
        AuditEventFactory(
            organisation=org_a,
            action=f"xla.step{i:02d}",
            object_type="xlas.xla",
            object_id=str(xla.pk),
        )
    client = login(users["viewer"])
    response = client.get(
        reverse("xlas:xla_detail", args=[xla.pk]), {"audit_page": "2"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.strip().startswith('<div id="audit-events">') and "<html" not in body
    assert body.count("<li>") == 5 and "xla.step00" in body


def test_filter_choices_are_scoped_to_the_organisation(login, users, org_b, xla):
    from tests.factories import ServiceFactory, XLAFactory

    XLAFactory(organisation=org_b, name="Their secret XLA")
    ServiceFactory(organisation=org_b, slug="their-service", name="Their service")
    body = login(users["officer"]).get(reverse("xlas:breach_list")).content.decode()
    assert xla.name in body
    assert "Their secret XLA" not in body and "Their service" not in body
