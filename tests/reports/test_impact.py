"""The monthly report's planned-disruption and value-delivered sections."""

import datetime

import pytest

from reports.drafting import draft_report
from tests.factories import (
    BreachFactory,
    ChangeFactory,
    DisruptionFactory,
    IncidentFactory,
    ServiceFactory,
    XLAFactory,
)

pytestmark = pytest.mark.django_db
MONTH = datetime.date(2026, 10, 1)


def test_disruptions_and_value_sections(org_a, users, login):
    org_a.currency = "GBP"
    org_a.save()
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    disruption = DisruptionFactory(
        organisation=org_a,
        title="Telephony cut-over",
        starts_at=datetime.datetime(2026, 10, 10, 18, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 10, 11, 6, tzinfo=datetime.UTC),
        services=[desk],
        expected_happiness_effect=-10,
        approved_by=users["leader"],
    )
    DisruptionFactory(  # another month: not in the report
        organisation=org_a,
        starts_at=datetime.datetime(2026, 11, 10, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 11, 11, tzinfo=datetime.UTC),
        services=[desk],
    )
    xla = XLAFactory(organisation=org_a, name="Desk experience")
    BreachFactory(
        indicator__version__xla=xla, period="month", period_start=MONTH, disruption=disruption
    )
    IncidentFactory(
        organisation=org_a,
        week_start=datetime.date(2026, 10, 5),
        headline_label="Service desk",
        disruption=disruption,
    )
    ChangeFactory(
        organisation=org_a,
        services=[desk],
        verdict="worsened",
        judged_at=datetime.datetime(2026, 10, 20, tzinfo=datetime.UTC),
    )
    report, _ = draft_report(org_a, MONTH)
    figures = report.figures
    rows = figures["disruptions"]["rows"]
    assert [r["title"] for r in rows] == ["Telephony cut-over"]
    assert rows[0]["breaches"][0]["xla"] == "Desk experience"
    assert rows[0]["incidents"][0]["headline"] == "Service desk"
    assert figures["disruptions"]["acknowledged_breaches"] == 1
    assert figures["breaches"]["rows"][0]["acknowledged_in_advance"] is True
    assert figures["value"]["currency"] == "GBP"
    assert figures["value"]["changes_judged"] == {"worsened": 1}
    assert figures["value"]["lost_time_cost"]["amount"] == 0
    page = login(users["officer"]).get(f"/reports/{report.pk}/").content.decode()
    assert "Planned disruptions" in page and "Telephony cut-over" in page
    assert "Breach acknowledged in advance: Desk experience" in page
    assert "Value delivered" in page and "GBP" in page
