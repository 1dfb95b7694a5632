"""The demo as if the XMO had been at work: a published report, a held quarterly meeting and
the coming meetings' agendas already drafted.

It runs after the background jobs (it needs their rollups, evaluations and the drafted
report) and is idempotent: each part checks what is there and adds only what is missing, so
a rerun of seed_demo adds nothing.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from meetings import services as meeting_services
from meetings.choices import Cadence, MeetingStatus
from meetings.drafting import add_default_attendees, draft_agenda, ensure_next_meeting
from meetings.models import AgendaItem, Meeting, MeetingSeries
from meetings.schedule import local_start, occurrence_dates
from reports import services as report_services
from reports.choices import ReportStatus
from reports.drafting import last_closed_month
from reports.models import MonthlyReport
from reports.selectors import section_hints
from xmo.periods import local_today

QUARTERLY_DECISIONS = (
    (
        "Remote work stays the first focus area next quarter: the VPN client roll-out goes "
        "ahead only with a pilot group of field workers first.",
        True,
    ),
    ("The laptop re-imaging programme reports its before/after happiness monthly.", False),
)
QUARTERLY_NOTES = (
    "Attendance: the XMO team, the head of IT operations and the organisation admin.\n\n"
    "We went through the quarter's trends service by service, the XLA attainment per month "
    "and the open objectives. The findings below carry their So what? and What now?; the "
    "decisions are to be communicated to the IT teams in the next newsletter."
)


def _users(org) -> dict:
    by_name = {
        u.username: u for u in get_user_model().objects.filter(memberships__organisation=org)
    }
    return {
        role: by_name.get(name)
        for role, name in (
            ("officer", "officer"),
            ("member", "member"),
            ("leader", "leader"),
            ("owner", "owner"),
        )
    }


def publish_last_month_report(org, users) -> int:
    """The last closed month's report, narratives written, reviewed and published."""
    report = MonthlyReport.objects.filter(organisation=org, month=last_closed_month(org)).first()
    if report is None:
        report, _ = report_services.report_draft(
            actor=users["officer"], organisation=org, month=last_closed_month(org)
        )
    if report.status == ReportStatus.PUBLISHED:
        return 0
    hints = section_hints(report.figures or {})
    for section in report.sections.all():
        if section.narrative:
            continue
        hint = hints.get(section.key)
        if not hint:
            continue
        report_services.report_section_update(
            actor=users["officer"],
            section=section,
            narrative=f"{hint}\n\nDiscussed at the monthly experience meetings; the actions "
            "agreed are tracked in the meetings' action lists.",
            title=section.title,
            is_visible=True,
        )
    if report.status == ReportStatus.DRAFT:
        report = report_services.report_transition(
            actor=users["officer"], report=report, action="submit"
        )
    report_services.report_publish(actor=users["officer"], report=report)
    return 1


def _last_quarterly_slot(series, now) -> datetime.datetime | None:
    since = local_today(series.organisation) - datetime.timedelta(days=100)
    last = None
    for day in occurrence_dates(series, since):
        start = local_start(series, day)
        if start >= now:
            break
        last = start
    return last


def hold_last_quarterly(org, users, now) -> int:
    """The last quarterly strategy meeting: agenda drafted, findings, decisions, minutes."""
    series = MeetingSeries.objects.filter(organisation=org, cadence=Cadence.QUARTERLY).first()
    if series is None:
        return 0
    slot = _last_quarterly_slot(series, now)
    if slot is None:
        return 0
    meeting, created = Meeting.objects.get_or_create(
        series=series, scheduled_for=slot, defaults={"organisation": org}
    )
    if meeting.status == MeetingStatus.CLOSED:
        return 0
    if created:
        add_default_attendees(meeting)
    officer = users["officer"]
    draft_agenda(meeting)
    findings = list(meeting.agenda_items.filter(section="Findings", is_removed=False))
    if not findings:
        findings = [_finding_from_trends(meeting, officer)]
    for item in findings:
        went_up = " up " in item.title or "+" in item.title.split("(")[-1][:2]
        meeting_services.agenda_item_update(
            actor=officer,
            item=item,
            so_what=(
                "What worked here can work elsewhere: the service owner tells the monthly "
                "meeting what changed."
                if went_up
                else "People lose more of their working day here than a quarter ago; left "
                "alone it pulls the yearly happiness target out of reach."
            ),
            now_what=(
                "Write down what changed and try it on one more service next quarter."
                if went_up
                else "The service owner reviews the top factors and comments with the XMO "
                "and brings a plan to the next monthly meeting."
            ),
        )
    for text, communicate in QUARTERLY_DECISIONS:
        meeting_services.decision_add(
            actor=officer, meeting=meeting, text=text, communicate=communicate
        )
    meeting_services.action_create(
        actor=officer,
        organisation=org,
        title="Write up the VPN pilot plan with the field-worker representatives",
        owner=users["owner"],
        due_on=local_today(org) + datetime.timedelta(days=10),
        meeting=meeting,
    )
    meeting_services.attendance_set(
        actor=officer,
        meeting=meeting,
        present_ids=meeting.attendees.values_list("user_id", flat=True),
    )
    meeting.notes = QUARTERLY_NOTES
    meeting.save(update_fields=["notes"])
    meeting_services.meeting_close(actor=officer, meeting=meeting)
    # The demo's meeting was held in the past: it closed, and its minutes went, as it ended.
    ended = meeting.scheduled_for + datetime.timedelta(minutes=series.duration_minutes)
    Meeting.objects.filter(pk=meeting.pk).update(closed_at=ended, minutes_sent_at=ended)
    return 1


def _finding_from_trends(meeting, actor) -> AgendaItem:
    """A finding for the service whose happiness moved most (the drafting found none over
    its threshold)."""
    trends = meeting.agenda_items.filter(source_key="trends").first()
    rows = [r for r in (trends.data.get("rows", []) if trends else []) if r[3] is not None]
    if rows:
        name, _, value, change, _ = max(rows, key=lambda r: abs(r[3]))
        title = f"Finding: {name} moved {change:+.1f} points (happiness {value:+.1f})"
    else:
        title = "Finding: not enough responses last quarter to see a trend"
    return meeting_services.agenda_item_add(
        actor=actor, meeting=meeting, title=title, section="Findings"
    )


def draft_coming_agendas(org, now) -> int:
    """Every active series' next meeting, with its agenda drafted whatever its distance."""
    drafted = 0
    for series in MeetingSeries.objects.filter(organisation=org, is_active=True).select_related(
        "organisation"
    ):
        meeting, _ = ensure_next_meeting(series, now)
        # Drafted again even when the job did (within its 7 days): the quarterly meeting
        # just held adds its actions to the next one.
        drafted += bool(draft_agenda(meeting)["added"])
    return drafted


def live_in(org) -> dict:
    """Add what an XMO at work would have; returns what was added (empty when nothing)."""
    users = _users(org)
    if users["officer"] is None:
        return {}
    now = timezone.now()
    added = {}
    with transaction.atomic():
        added["published reports"] = publish_last_month_report(org, users)
        added["held quarterly meetings"] = hold_last_quarterly(org, users, now)
        added["drafted agendas"] = draft_coming_agendas(org, now)
    return {k: v for k, v in added.items() if v}
