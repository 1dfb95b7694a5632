import datetime

import pytest
from django.utils import timezone

from experience.models import Incident
from experience.segments import Segment
from experience.selectors import breakdown, factor_counts
from meetings import services
from meetings.drafting import draft_agenda, draft_due_agendas
from meetings.models import AgendaItem, Meeting
from tests.factories import (
    ActionItemFactory,
    BreachFactory,
    DecisionFactory,
    EvaluationFactory,
    FeedbackTagFactory,
    FocusAreaFactory,
    FollowUpFactory,
    ImprovementInitiativeFactory,
    IndicatorFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ObjectiveFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
    XLAFactory,
    XLAVersionFactory,
)

from .helpers import at, responses


def items_by_key(meeting):
    return {i.source_key: i for i in AgendaItem.objects.filter(meeting=meeting)}


@pytest.fixture
def monthly(org_a, users):
    desk = ServiceFactory(organisation=org_a, slug="service-desk", name="Service desk")
    laptops = ServiceFactory(organisation=org_a, slug="laptops", name="Laptops")
    series = MeetingSeriesFactory(
        organisation=org_a, cadence="monthly", name="Workplace monthly", weekday=1, nth=1
    )
    series.services.set([desk])
    # October (the meeting's last month) and September, in and out of scope.
    common = {"location": "Leeds", "assignment_group": "SD-1", "channel": "phone"}
    responses(org_a, desk, at(2026, 10, 5), [10, 10, 9, 3], factors=["slow"], **common)
    responses(org_a, desk, at(2026, 10, 6), [8], location="York", channel="portal")
    responses(org_a, desk, at(2026, 9, 10), [10, 3, 3], factors=["friendly"], **common)
    responses(org_a, laptops, at(2026, 10, 5), [0, 0], location="Hull")
    SurveyResponseFactory(
        organisation=org_a,
        service=desk,
        submitted_at=at(2026, 10, 7),
        score=10,
        comment="Fixed my laptop in minutes, thank you!",
        highlighted=True,
    )
    SurveyResponseFactory(
        organisation=org_a,
        service=desk,
        submitted_at=at(2026, 10, 7),
        score=10,
        comment="Not highlighted",
        highlighted=False,
    )
    earlier = MeetingFactory(series=series, scheduled_for=at(2026, 10, 6, 10), status="closed")
    ActionItemFactory(
        organisation=org_a,
        meeting=earlier,
        title="Call the Leeds team",
        owner=users["member"],
        due_on=datetime.date(2026, 11, 20),
    )
    ActionItemFactory(organisation=org_a, meeting=earlier, title="Done already", status="done")
    other_series_meeting = MeetingFactory(
        series=MeetingSeriesFactory(organisation=org_a, cadence="weekly"),
        scheduled_for=at(2026, 10, 5, 9),
    )
    ActionItemFactory(organisation=org_a, meeting=other_series_meeting, title="Other series")
    initiative = ImprovementInitiativeFactory(organisation=org_a, title="Walk-in bar")
    initiative.services.set([desk])
    meeting = MeetingFactory(series=series, scheduled_for=at(2026, 11, 3, 10))
    return {"series": series, "meeting": meeting, "desk": desk, "initiative": initiative}


def test_monthly_agenda_has_results_drivers_praise_initiatives_and_open_actions(monthly, org_a):
    meeting = monthly["meeting"]
    draft_agenda(meeting)
    items = items_by_key(meeting)
    assert {
        "results:location",
        "results:assignment_group",
        "results:service",
        "results:channel",
        "drivers",
        "praise",
        f"initiative:{monthly['initiative'].pk}",
        "open-actions",
    } <= set(items)

    # Figures come from the selectors, for the series' scope, October against September.
    segment = Segment(services=("service-desk",))
    oct_, nov, sep = (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
        datetime.date(2026, 9, 1),
    )
    expected = breakdown(
        org_a, measure_name="happiness", dimension="location", start=oct_, end=nov, segment=segment
    )
    before = breakdown(
        org_a, measure_name="happiness", dimension="location", start=sep, end=oct_, segment=segment
    )
    rows = {r[0]: r for r in items["results:location"].data["rows"]}
    assert "Hull" not in rows  # out of scope
    leeds = next(r for r in expected if r["label"] == "Leeds")
    leeds_before = next(r for r in before if r["label"] == "Leeds")
    assert rows["Leeds"][1] == round(leeds["value"], 1)
    assert rows["Leeds"][2] == leeds["n"]
    assert rows["Leeds"][3] == round(leeds_before["value"], 1)
    assert rows["Leeds"][5] == round(leeds["value"] - org_a.happiness_target, 1)
    assert items["results:location"].evidence_url.startswith("/dashboard/?")

    factors = {r[0]: r for r in items["drivers"].data["rows"]}
    now_share = next(
        f["share"]
        for f in factor_counts(org_a, start=oct_, end=nov, segment=segment)
        if f["factor"] == "slow"
    )
    assert factors["slow"][2] == now_share
    assert factors["friendly"][2] == 0.0

    praise = items["praise"].data["rows"]
    assert [r[2] for r in praise] == ["Fixed my laptop in minutes, thank you!"]

    carried = items["open-actions"]
    titles = [r[0] for r in carried.data["rows"]]
    assert titles == ["Call the Leeds team"]
    assert carried.evidence_url
    assert items[f"initiative:{monthly['initiative'].pk}"].evidence_url == (
        f"/meetings/initiatives/{monthly['initiative'].pk}/"
    )


def test_redrafting_adds_new_evidence_without_duplicating_or_overwriting(monthly, org_a, users):
    meeting = monthly["meeting"]
    first = draft_agenda(meeting)
    assert first["added"] > 0
    again = draft_agenda(meeting)
    assert again == {"added": 0, "updated": 0}
    count = AgendaItem.objects.filter(meeting=meeting).count()

    items = items_by_key(meeting)
    services.agenda_item_update(
        actor=users["member"], item=items["praise"], notes="Send to the desk team"
    )
    services.agenda_item_remove(actor=users["member"], item=items["drivers"])

    # New evidence: another initiative, another highlighted comment, another open action.
    new_initiative = ImprovementInitiativeFactory(organisation=org_a, title="Chat pilot")
    SurveyResponseFactory(
        organisation=org_a,
        service=monthly["desk"],
        submitted_at=at(2026, 10, 20),
        score=9,
        comment="Great chat support",
        highlighted=True,
    )
    earlier = Meeting.objects.get(series=monthly["series"], status="closed")
    ActionItemFactory(organisation=org_a, meeting=earlier, title="Second action")

    result = draft_agenda(meeting)
    assert result["added"] == 1
    after = items_by_key(meeting)
    assert AgendaItem.objects.filter(meeting=meeting).count() == count + 1
    assert f"initiative:{new_initiative.pk}" in after
    # The person-edited item keeps its notes and its old data; the removed one stays removed.
    assert after["praise"].notes == "Send to the desk team"
    assert len(after["praise"].data["rows"]) == 1
    assert after["drivers"].is_removed
    # Untouched drafted items are refreshed.
    assert [r[0] for r in after["open-actions"].data["rows"]] == [
        "Call the Leeds team",
        "Second action",
    ]


def test_weekly_agenda_has_one_item_per_incident(org_a):
    now = timezone.now()
    series = MeetingSeriesFactory(organisation=org_a, cadence="weekly", weekday=0)
    meeting = MeetingFactory(series=series, scheduled_for=now + datetime.timedelta(days=2))
    week = datetime.date(2026, 11, 23)
    vpn = ScoreDropFactory(
        organisation=org_a, week_start=week, segment_value="vpn", segment_label="VPN", delta=-66.0
    )
    whole = ScoreDropFactory(
        organisation=org_a, week_start=week, segment_kind="all", segment_value="", delta=-16.0
    )
    phone = ScoreDropFactory(
        organisation=org_a,
        week_start=week,
        segment_kind="channel",
        segment_value="phone",
        segment_label="Phone",
        delta=-10.0,
    )
    incident = Incident.objects.create(
        organisation=org_a,
        week_start=week,
        measure="happiness",
        headline_kind="service",
        headline_value="vpn",
        headline_label="VPN",
        change=-66.0,
        explained_share=0.9,
    )
    for drop, share in ((vpn, 0.9), (whole, 1.0), (phone, 0.14)):
        drop.incident, drop.explained_share = incident, share
        drop.save()
    lone = ScoreDropFactory(organisation=org_a, week_start=week, segment_label="Mail")

    draft_agenda(meeting)
    items = items_by_key(meeting)
    drop_items = [k for k, i in items.items() if i.section == "Score drops"]
    assert sorted(drop_items) == sorted([f"incident:{incident.pk}", f"drop:{lone.pk}"])
    item = items[f"incident:{incident.pk}"]
    assert item.title == "Happiness fell: VPN (+2 related segments)"
    assert "-66.0 points for VPN, explaining 90 % of the incident's overall change" in item.body
    assert item.evidence_url == f"/experience/drops/{vpn.pk}/"
    assert [r[1] for r in item.data["rows"]] == ["Some service", "VPN", "Phone"]
    assert [r[3] for r in item.data["rows"]] == ["100 %", "90 %", "14 %"]


def test_weekly_agenda(org_a, users):
    now = timezone.now()
    desk = ServiceFactory(organisation=org_a, slug="service-desk")
    series = MeetingSeriesFactory(organisation=org_a, cadence="weekly", weekday=0)
    previous = MeetingFactory(
        series=series, scheduled_for=now - datetime.timedelta(days=5), status="closed"
    )
    ActionItemFactory(organisation=org_a, meeting=previous, title="Carry me", owner=users["member"])
    meeting = MeetingFactory(series=series, scheduled_for=now + datetime.timedelta(days=2))
    new_drop = ScoreDropFactory(organisation=org_a, segment_label="Service desk")
    old_drop = ScoreDropFactory(organisation=org_a, week_start=datetime.date(2026, 10, 5))
    type(old_drop).objects.filter(pk=old_drop.pk).update(
        created_at=now - datetime.timedelta(days=9)
    )
    breach = BreachFactory(indicator__version__xla__organisation=org_a)
    BreachFactory(indicator__version__xla__organisation=org_a, status="resolved")
    # Comments: two untagged, one tagged; negative ones needing follow-up.
    SurveyResponseFactory(organisation=org_a, service=desk, score=3, comment="Slow VPN")
    SurveyResponseFactory(organisation=org_a, service=desk, score=9, comment="Nice")
    tagged = SurveyResponseFactory(organisation=org_a, service=desk, score=10, comment="Quick")
    FeedbackTagFactory(response=tagged, tag=TagFactory(organisation=org_a))
    done = SurveyResponseFactory(organisation=org_a, service=desk, score=2, comment="Awful")
    FeedbackTagFactory(response=done, tag=TagFactory(organisation=org_a))
    FollowUpFactory(response=done, status="done")
    SurveyResponseFactory(
        organisation=org_a, service=desk, score=1, comment="Reviewed", triage_status="reviewed"
    )
    ActionItemFactory(
        organisation=org_a, title="Due soon", due_on=(now + datetime.timedelta(days=5)).date()
    )
    ActionItemFactory(
        organisation=org_a, title="Due later", due_on=(now + datetime.timedelta(days=30)).date()
    )

    draft_agenda(meeting)
    items = items_by_key(meeting)
    assert f"drop:{new_drop.pk}" in items
    assert f"drop:{old_drop.pk}" not in items
    assert items[f"drop:{new_drop.pk}"].evidence_url == f"/experience/drops/{new_drop.pk}/"
    breach_keys = [k for k in items if k.startswith("breach:")]
    assert breach_keys == [f"breach:{breach.pk}"]
    assert items[f"breach:{breach.pk}"].evidence_url == f"/xlas/breaches/{breach.pk}/"
    assert items["untagged-feedback"].data["count"] == 3  # Slow VPN, Nice, Reviewed
    negative = items["negative-follow-up"]
    assert negative.data["count"] == 1
    assert negative.data["rows"][0][3] == "Slow VPN"
    due = [r[0] for r in items["actions-due"].data["rows"]]
    assert "Due soon" in due and "Due later" not in due
    assert [r[0] for r in items["open-actions"].data["rows"]] == ["Carry me"]
    assert all(i.evidence_url for i in items.values())


def test_quarterly_agenda(org_a, users):
    up = ServiceFactory(organisation=org_a, slug="portal", name="Portal")
    same = ServiceFactory(organisation=org_a, slug="desk", name="Desk")
    series = MeetingSeriesFactory(organisation=org_a, cadence="quarterly", weekday=2, nth=2)
    meeting = MeetingFactory(series=series, scheduled_for=at(2027, 1, 13, 10))
    responses(org_a, up, at(2026, 8, 3), [3, 10])  # Q3: 0
    responses(org_a, up, at(2026, 11, 3), [10, 10])  # Q4: +100
    responses(org_a, same, at(2026, 8, 3), [10, 3])
    responses(org_a, same, at(2026, 11, 3), [3, 10])
    version = XLAVersionFactory(xla=XLAFactory(organisation=org_a, name="Desk XLA"))
    happy = IndicatorFactory(version=version)
    lost = IndicatorFactory(version=version)
    for month, statuses in [
        (datetime.date(2026, 10, 1), ("met", "missed")),  # 50
        (datetime.date(2026, 11, 1), ("met", "met")),  # 100
        (datetime.date(2026, 7, 1), ("missed", "missed")),  # 0, the quarter before
    ]:
        for indicator, status in zip((happy, lost), statuses, strict=True):
            EvaluationFactory(
                indicator=indicator,
                period_start=month,
                period_end=datetime.date(month.year, month.month + 1, 1),
                status=status,
            )
    version.review_due = datetime.date(2027, 2, 1)
    version.save()
    proposed = XLAVersionFactory(xla=version.xla, status="proposed", rationale="Raise the bar")
    ObjectiveFactory(organisation=org_a, title="Happier remote workers", horizon="12m")
    ObjectiveFactory(organisation=org_a, title="Done objective", status="done")
    FocusAreaFactory(organisation=org_a, quarter_start=datetime.date(2027, 1, 1), title="VPN")
    earlier = MeetingFactory(
        series=MeetingSeriesFactory(organisation=org_a), scheduled_for=at(2026, 11, 3, 10)
    )
    decision = DecisionFactory(meeting=earlier, text="Publish the walk-in hours", communicate=True)
    type(decision).objects.filter(pk=decision.pk).update(created_at=at(2026, 11, 3, 11))
    DecisionFactory(meeting=earlier, text="Internal only", communicate=False)
    ActionItemFactory(
        organisation=org_a,
        meeting=MeetingFactory(series=series, scheduled_for=at(2026, 10, 14, 10)),
        title="Quarterly carry-over",
    )

    draft_agenda(meeting)
    items = items_by_key(meeting)
    trend_rows = {r[0]: r for r in items["trends"].data["rows"]}
    assert trend_rows["Portal"][1:] == [0.0, 100.0, 100.0, "up"]
    assert trend_rows["Desk"][4] == "same"
    assert "finding:portal" in items and "finding:desk" not in items
    assert items["finding:portal"].section == "Findings"
    attainment = items["xla-attainment"].data["rows"]
    # One score per month, never a mean across months; December was not evaluated.
    assert attainment == [["Desk XLA", 50.0, 100.0, "Not evaluated", "Met"]]
    assert items["xla-attainment"].data["columns"] == [
        "XLA",
        "Oct 2026",
        "Nov 2026",
        "Dec 2026",
        "Status",
    ]
    assert items[f"proposal:{proposed.pk}"].evidence_url == f"/xlas/{version.xla_id}/"
    assert [r[0] for r in items["review-due"].data["rows"]] == ["Desk XLA"]
    assert [r[1] for r in items["objectives"].data["rows"]] == ["Happier remote workers"]
    assert [r[1] for r in items["focus-areas"].data["rows"]] == ["VPN"]
    assert [r[0] for r in items["communicate"].data["rows"]] == ["Publish the walk-in hours"]
    assert [r[0] for r in items["open-actions"].data["rows"]] == ["Quarterly carry-over"]


def test_draft_agendas_job_creates_next_meeting_once_and_drafts_within_a_week(org_a, users):
    soon = MeetingSeriesFactory(organisation=org_a, cadence="weekly", weekday=0)
    soon.default_attendees.set([users["member"], users["officer"]])
    far = MeetingSeriesFactory(organisation=org_a, cadence="quarterly", weekday=0, nth=1)
    MeetingSeriesFactory(organisation=org_a, cadence="monthly", is_active=False)
    now = at(2026, 11, 22, 12)
    first = draft_due_agendas(org_a, now=now)
    second = draft_due_agendas(org_a, now=now)
    assert first["meetings_created"] == 2 and second["meetings_created"] == 0
    weekly = Meeting.objects.get(series=soon)
    assert weekly.scheduled_for == at(2026, 11, 23, 10)
    assert weekly.drafted_at is not None
    assert sorted(weekly.attendees.values_list("user__username", flat=True)) == [
        "a-member",
        "a-officer",
    ]
    quarterly = Meeting.objects.get(series=far)
    assert quarterly.drafted_at is None  # January is more than 7 days away
    assert (
        AgendaItem.objects.filter(meeting=weekly).count()
        == AgendaItem.objects.filter(meeting=weekly).values("source_key").distinct().count()
    )


def test_next_meeting_after_a_closed_one(org_a, users):
    from meetings.drafting import meeting_after

    series = MeetingSeriesFactory(organisation=org_a, cadence="monthly", weekday=1, nth=1)
    series.default_attendees.set([users["member"]])
    held = MeetingFactory(series=series, scheduled_for=at(2026, 11, 3, 10), status="closed")
    nxt, created = meeting_after(held, now=at(2026, 11, 10))
    assert created and nxt.scheduled_for == at(2026, 12, 1, 10)
    assert list(nxt.attendees.values_list("user__username", flat=True)) == ["a-member"]
    assert meeting_after(held) == (nxt, False)
    # An old meeting closed late: its next meeting is not planned in the past.
    old = MeetingFactory(series=series, scheduled_for=at(2026, 6, 2, 10), status="closed")
    Meeting.objects.filter(pk=nxt.pk).update(status="closed")
    later, _ = meeting_after(old, now=at(2027, 2, 10))
    assert later.scheduled_for == at(2027, 3, 2, 10)
