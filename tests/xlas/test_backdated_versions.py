"""Approving a version back-dated into closed periods re-judges them, raises and withdraws
breaches, audits it, and asks the approver to confirm when results change."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from experience.rollups import process_new
from tests.factories import (
    IndicatorFactory,
    ServiceFactory,
    SurveyResponseFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xlas.breaches import flag_breaches
from xlas.evaluation import evaluate_org
from xlas.models import Breach, Evaluation
from xmo.models import AuditEvent

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 10, 12, tzinfo=datetime.UTC)
MONTHS = [datetime.date(2026, m, 1) for m in (9, 10, 11)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _world(org, *, target, warning):
    """An XLA whose Sep–Nov happiness is 65 each month, judged under v1 (target/warning)."""
    service = ServiceFactory(organisation=org, slug="remote-work")
    xla = XLAFactory(organisation=org, name="Prioritizers stay connected")
    xla.services.add(service)
    v1 = XLAVersionFactory(xla=xla, number=1, effective_from=datetime.date(2026, 1, 1))
    IndicatorFactory(version=v1, key="happiness", target=target, warning=warning)
    n = 0
    for month in MONTHS:
        for score in [10] * 13 + [8] * 7:  # happiness 65 from 20 responses
            n += 1
            SurveyResponseFactory(
                organisation=org,
                service=service,
                score=score,
                submitted_at=datetime.datetime(
                    month.year, month.month, 10, 12, tzinfo=datetime.UTC
                ),
                external_id=f"r{n}",
            )
    process_new(org)
    evaluate_org(org, now=NOW)
    flag_breaches(org, now=NOW)
    v2 = XLAVersionFactory(xla=xla, number=2, status="proposed", effective_from=None)
    return xla, v2


def _propose_levels(version, target, warning):
    IndicatorFactory(version=version, key="happiness", target=target, warning=warning)


def _statuses(xla):
    return [Evaluation.objects.get(xla=xla, period="month", period_start=m).status for m in MONTHS]


def _approve(client, version, day, confirm=False):
    data = {"effective_from": day, "note": "Back-dated."}
    if confirm:
        data["confirm"] = day
    return client.post(reverse("xlas:version_approve", args=[version.pk]), data)


def test_backdated_higher_target_rejudges_and_raises_breaches(org_a, users, login):
    xla, v2 = _world(org_a, target=70, warning=60)
    _propose_levels(v2, target=80, warning=70)
    assert _statuses(xla) == ["at_risk", "at_risk", "at_risk"]
    assert not Breach.objects.filter(xla=xla).exists()
    client = login(users["leader"])

    first = _approve(client, v2, "2026-09-01")
    body = first.content.decode()
    assert first.status_code == 200 and 'data-testid="backdate-confirm"' in body
    assert "3 closed periods will change." in body
    v2.refresh_from_db()
    assert v2.status == "proposed" and _statuses(xla) == ["at_risk"] * 3  # nothing yet

    response = _approve(client, v2, "2026-09-01", confirm=True)
    assert response.status_code == 302
    v2.refresh_from_db()
    assert v2.status == "active"
    assert _statuses(xla) == ["missed", "missed", "missed"]
    raised = Breach.objects.filter(xla=xla).order_by("period_start")
    assert [(b.period_start, b.status) for b in raised] == [
        (MONTHS[1], "open"),
        (MONTHS[2], "open"),
    ]
    assert raised[0].target == 80
    event = AuditEvent.objects.get(action="xla.rejudged")
    assert event.after["periods"] == 3 and event.after["raised"] == 2
    assert event.actor == users["leader"]
    page = client.get(reverse("xlas:xla_detail", args=[xla.pk])).content.decode()
    assert "3 closed period(s) re-judged" in page and "2 raised" in page


def test_backdated_lower_target_withdraws_breaches_with_the_reason(org_a, users, login):
    xla, v2 = _world(org_a, target=80, warning=70)
    _propose_levels(v2, target=60, warning=50)
    assert _statuses(xla) == ["missed"] * 3
    assert Breach.objects.filter(xla=xla, status="open").count() == 2
    client = login(users["admin"])
    assert "2 closed periods will change." in _approve(client, v2, "2026-10-01").content.decode()
    _approve(client, v2, "2026-10-01", confirm=True)
    assert _statuses(xla) == ["missed", "met", "met"]  # September keeps the old version
    breaches = {b.period_start: b for b in Breach.objects.filter(xla=xla)}
    assert {m: b.status for m, b in breaches.items()} == {
        MONTHS[1]: "withdrawn",
        MONTHS[2]: "withdrawn",
    }
    assert "Re-judged under version 2" in breaches[MONTHS[1]].status_reason
    assert "now met" in breaches[MONTHS[1]].status_reason
    event = AuditEvent.objects.get(action="xla.rejudged")
    assert (event.after["periods"], event.after["withdrawn"]) == (2, 2)
    detail = login(users["viewer"]).get(
        reverse("xlas:breach_detail", args=[breaches[MONTHS[1]].pk])
    )
    assert "Withdrawn" in detail.content.decode()
    assert "Re-judged under version 2" in detail.content.decode()


def test_backdated_version_that_changes_nothing_needs_no_confirmation(org_a, users, login):
    xla, v2 = _world(org_a, target=70, warning=60)
    _propose_levels(v2, target=68, warning=60)  # 65 stays at risk
    response = _approve(login(users["leader"]), v2, "2026-09-01")
    assert response.status_code == 302
    v2.refresh_from_db()
    assert v2.status == "active"
    assert _statuses(xla) == ["at_risk"] * 3
    assert not Breach.objects.filter(xla=xla).exists()
    event = AuditEvent.objects.get(action="xla.rejudged")
    assert event.after["periods"] == 0
    assert Evaluation.objects.filter(xla=xla, period_start__gte=MONTHS[0]).first().indicator
    assert (
        Evaluation.objects.get(xla=xla, period="month", period_start=MONTHS[0]).indicator.version
        == v2
    )
