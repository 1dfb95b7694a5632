"""The annual review: its schedule and its drafted agenda (the year's trends, XLA attainment,
XLAs due for review, objectives, what changed in scope and team)."""

import datetime

import time_machine

from meetings.drafting import draft_agenda
from meetings.models import AgendaItem
from meetings.schedule import describe, next_occurrences
from tests.factories import (
    ActionItemFactory,
    EvaluationFactory,
    IndicatorFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ObjectiveFactory,
    ServiceFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.models import AuditEvent

from .helpers import at, responses


def test_annual_series_meets_on_the_nth_weekday_of_january(org_a):
    series = MeetingSeriesFactory(
        organisation=org_a, cadence="annual", weekday=3, nth=3, start_time="13:00"
    )
    after = datetime.datetime(2026, 11, 18, tzinfo=datetime.UTC)
    starts = next_occurrences(series, after, 2)
    # The third Thursday of January 2027 and 2028, 13:00 in London (GMT in winter).
    assert starts == [
        datetime.datetime(2027, 1, 21, 13, tzinfo=datetime.UTC),
        datetime.datetime(2028, 1, 20, 13, tzinfo=datetime.UTC),
    ]
    assert describe(series) == "Third Thursday of each January at 13:00"


def test_annual_agenda_reviews_the_closed_year(org_a, users):
    portal = ServiceFactory(organisation=org_a, slug="portal", name="Portal")
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Desk")
    series = MeetingSeriesFactory(organisation=org_a, cadence="annual", weekday=3, nth=3)
    meeting = MeetingFactory(series=series, scheduled_for=at(2027, 1, 21, 13))
    responses(org_a, portal, at(2025, 6, 3), [3, 10])  # 2025: 0
    responses(org_a, portal, at(2026, 6, 3), [10, 10])  # 2026: +100
    responses(org_a, desk, at(2025, 6, 3), [10, 10], lost_time_minutes=30)
    responses(org_a, desk, at(2026, 3, 3), [10, 3], lost_time_minutes=90)  # 2026: 0
    responses(org_a, desk, at(2027, 1, 5), [0, 0])  # the new year is not reviewed

    version = XLAVersionFactory(xla=XLAFactory(organisation=org_a, name="Desk XLA"))
    version.review_due = datetime.date(2027, 2, 1)  # due this quarter: it flows in
    version.save()
    later = XLAVersionFactory(xla=XLAFactory(organisation=org_a, name="Later XLA"))
    later.review_due = datetime.date(2027, 9, 1)
    later.save()
    happy, lost = IndicatorFactory(version=version), IndicatorFactory(version=version)
    for month, statuses in [
        (datetime.date(2026, 3, 1), ("met", "met")),  # 100
        (datetime.date(2026, 10, 1), ("met", "missed")),  # 50
        (datetime.date(2025, 12, 1), ("missed", "missed")),  # another year
    ]:
        for indicator, status in zip((happy, lost), statuses, strict=True):
            EvaluationFactory(
                indicator=indicator,
                period_start=month,
                period_end=datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1),
                status=status,
            )
    ObjectiveFactory(organisation=org_a, title="Happier remote workers", horizon="12m")
    ObjectiveFactory(organisation=org_a, title="Portal redesign", status="done")
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC)):
        AuditEvent.objects.create(
            organisation=org_a,
            action="service.created",
            object_type="service",
            object_repr="Portal",
        )
        AuditEvent.objects.create(
            organisation=org_a,
            action="membership.role_changed",
            object_type="membership",
            object_repr="a-member",
            before={"role": "viewer"},
            after={"role": "member"},
        )
    with time_machine.travel(datetime.datetime(2025, 4, 2, 9, tzinfo=datetime.UTC)):
        AuditEvent.objects.create(  # a change of another year
            organisation=org_a, action="membership.removed", object_type="membership"
        )
    ActionItemFactory(
        organisation=org_a,
        meeting=MeetingFactory(series=series, scheduled_for=at(2026, 1, 15, 13)),
        title="Last year's carry-over",
    )

    draft_agenda(meeting)
    items = {i.source_key: i for i in AgendaItem.objects.filter(meeting=meeting)}
    trends = items["annual-trends"]
    assert trends.title == "The year 2026: happiness and lost time"
    assert trends.evidence_url == "/dashboard/?period=year&year=2026"
    rows = {r[0]: r for r in trends.data["rows"]}
    # Service, happiness 2025, happiness 2026, change, mean lost time 2026, responses 2026.
    assert rows["Portal"] == ["Portal", 0.0, 100.0, 100.0, None, 2]
    assert rows["Desk"] == ["Desk", 100.0, 0.0, -100.0, 90.0, 2]
    assert rows["All services"][1:4] == [50.0, 50.0, 0.0]
    assert trends.body.startswith("1 services up, 1 down")

    attainment = items["annual-xla-attainment"]
    # March fully met (100), October not (50): a month's score, never a mean of months.
    assert attainment.data["rows"] == [["Desk XLA", 1, 2, "Oct 2026", 50.0, "Missed"]]
    assert attainment.data["xla_cells"] == [{"4": [version.xla_id, "2026-10-01"]}]
    assert [r[0] for r in items["review-due"].data["rows"]] == ["Desk XLA"]
    objectives = items["annual-objectives"].data["rows"]
    assert sorted(r[1] for r in objectives) == ["Happier remote workers", "Portal redesign"]
    assert items["annual-scope"].data["rows"] == [["2026-04-02", "Service added", "Portal"]]
    assert items["annual-team"].data["rows"] == [
        ["2026-04-02", "Role changed: viewer → member", "a-member"]
    ]
    assert [r[0] for r in items["open-actions"].data["rows"]] == ["Last year's carry-over"]
    sections = [i.section for i in AgendaItem.objects.filter(meeting=meeting).order_by("order")]
    assert sections[:2] == ["Trends", "XLAs"] and "Objectives" in sections

    # Drafting again adds nothing and keeps every item once.
    assert draft_agenda(meeting)["added"] == 0
