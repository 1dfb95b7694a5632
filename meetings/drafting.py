"""Drafting agendas from the data: each cadence has its builder; items carry a source_key.

Re-drafting is idempotent and respectful of people's work: an item whose source_key exists
is refreshed only while nobody has edited or removed it; new evidence adds new items at the
end. Nothing is ever deleted here.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from experience.choices import TriageStatus
from experience.models import ScoreDrop, Service, SurveyResponse
from experience.selectors import Segment, breakdown, factor_counts, trend
from feedback.choices import FollowUpStatus
from xlas.choices import BreachStatus, VersionStatus
from xlas.models import Breach, XLAScore, XLAVersion
from xmo.choices import ObjectiveStatus
from xmo.models import FocusArea, Objective
from xmo.periods import next_period_start, period_start, previous_period_start, utc_range

from .choices import ActionStatus, Cadence, InitiativeStatus
from .models import ActionItem, AgendaItem, Decision, ImprovementInitiative, Meeting
from .schedule import next_occurrences

DRAFT_AHEAD_DAYS = 7
TREND_THRESHOLD = 3.0
OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
DIMENSION_LABELS = {
    "location": "location",
    "assignment_group": "assignment group",
    "service": "service",
    "channel": "channel",
}


@dataclass
class Draft:
    source_key: str
    section: str
    title: str
    body: str = ""
    evidence_url: str = ""
    data: dict = field(default_factory=dict)


def _r(value, digits=1):
    return None if value is None else round(value, digits)


def _delta(a, b):
    return None if a is None or b is None else round(a - b, 1)


def local_date(meeting: Meeting) -> datetime.date:
    return meeting.scheduled_for.astimezone(ZoneInfo(meeting.organisation.time_zone)).date()


def series_segment(series) -> Segment:
    slugs = tuple(sorted(s.slug for s in series.services.all()))
    return Segment(services=slugs)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(series=meeting.series, scheduled_for__lt=meeting.scheduled_for)
        .order_by("-scheduled_for")
        .first()
    )


# --- items shared by every cadence -------------------------------------------------------


def _action_rows(actions) -> tuple[list, list]:
    rows, urls = [], []
    for action in actions:
        rows.append(
            [
                action.title,
                action.owner.get_username() if action.owner else "Unassigned",
                action.due_on.isoformat() if action.due_on else None,
                action.get_status_display(),
                action.meeting.scheduled_for.date().isoformat() if action.meeting else None,
            ]
        )
        urls.append(f"/meetings/{action.meeting_id}/" if action.meeting_id else "")
    return rows, urls


ACTION_COLUMNS = ["Action", "Owner", "Due", "Status", "Raised at"]


def open_actions_item(meeting: Meeting) -> Draft | None:
    """Open actions from earlier meetings of the same series carry over."""
    actions = list(
        ActionItem.objects.filter(
            meeting__series=meeting.series,
            meeting__scheduled_for__lt=meeting.scheduled_for,
            status__in=OPEN_ACTION_STATUSES,
        )
        .select_related("owner", "meeting")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    if not actions:
        return None
    rows, urls = _action_rows(actions)
    return Draft(
        source_key="open-actions",
        section="Actions",
        title=f"Open actions from earlier meetings ({len(actions)})",
        body="Review progress on each open action; close or re-plan what is late.",
        evidence_url="/meetings/actions/",
        data={
            "columns": ACTION_COLUMNS,
            "rows": rows,
            "row_urls": urls,
            "action_ids": [a.pk for a in actions],
        },
    )


# --- weekly operational review -------------------------------------------------------------


def weekly_items(meeting: Meeting) -> list[Draft]:
    org, series = meeting.organisation, meeting.series
    scope = list(series.services.all())
    prev = previous_meeting(meeting)
    since = (
        prev.scheduled_for
        if prev
        else min(timezone.now(), meeting.scheduled_for) - datetime.timedelta(days=7)
    )
    items: list[Draft] = []

    drops = ScoreDrop.objects.filter(organisation=org, created_at__gte=since)
    if scope:
        drops = drops.filter(Q(service__in=scope) | Q(service__isnull=True))
    for drop in drops.order_by("delta", "id"):
        unit = " min" if drop.measure == "lost_time" else " points"
        items.append(
            Draft(
                source_key=f"drop:{drop.pk}",
                section="Score drops",
                title=f"{drop.get_measure_display()}: {drop.segment_label or drop.segment_value}",
                body=(
                    f"Week of {drop.week_start:%d %b %Y}: {drop.value:.1f} against a baseline of "
                    f"{drop.baseline_value:.1f} ({drop.delta:+.1f}{unit}; n = {drop.n})."
                ),
                evidence_url=f"/experience/drops/{drop.pk}/",
                data={"value": drop.value, "baseline": drop.baseline_value, "delta": drop.delta},
            )
        )

    breaches = Breach.objects.filter(
        organisation=org, status__in=(BreachStatus.OPEN, BreachStatus.INVESTIGATING)
    ).select_related("xla", "indicator", "assignee")
    if scope:
        breaches = breaches.filter(xla__services__in=scope).distinct()
    for breach in breaches.order_by("period_start", "id"):
        value = "no value" if breach.value is None else f"{breach.value:.1f}"
        items.append(
            Draft(
                source_key=f"breach:{breach.pk}",
                section="Breaches",
                title=f"Breach: {breach.xla.name} — {breach.indicator.name}",
                body=(
                    f"{breach.get_period_display()} from {breach.period_start:%d %b %Y}: {value} "
                    f"against a target of {breach.target:.1f}. Severity "
                    f"{breach.get_severity_display().lower()}, "
                    f"{breach.get_status_display().lower()}"
                    + (f", assigned to {breach.assignee.get_username()}" if breach.assignee else "")
                    + "."
                ),
                evidence_url=f"/xlas/breaches/{breach.pk}/",
                data={"status": breach.status, "severity": breach.severity},
            )
        )

    comments = SurveyResponse.objects.filter(organisation=org).exclude(comment="")
    if scope:
        comments = comments.filter(service__in=scope)
    untagged = comments.filter(tag_links__isnull=True).count()
    items.append(
        Draft(
            source_key="untagged-feedback",
            section="Feedback",
            title=f"Untagged feedback: {untagged} comment{'s' if untagged != 1 else ''}",
            body="Tag new comments so their themes show in drivers and reports."
            if untagged
            else "Every comment is tagged.",
            evidence_url="/feedback/?" + urlencode({"tagged": "no"}),
            data={"count": untagged},
        )
    )

    negative = (
        comments.filter(score__lte=6, triage_status__in=(TriageStatus.NEW, TriageStatus.FOLLOW_UP))
        .exclude(follow_up__status=FollowUpStatus.DONE)
        .select_related("service")
        .order_by("-submitted_at", "-id")
    )
    negative_count = negative.count()
    if negative_count:
        rows = [
            [r.submitted_at.date().isoformat(), r.service.name, r.score, r.comment[:140]]
            for r in negative[:10]
        ]
        items.append(
            Draft(
                source_key="negative-follow-up",
                section="Feedback",
                title=f"Negative comments needing follow-up ({negative_count})",
                body="Scores 0–6 with a comment, not yet followed up. Agree who contacts whom.",
                evidence_url="/feedback/?" + urlencode({"score": "0-6", "status": "follow_up"}),
                data={
                    "count": negative_count,
                    "columns": ["Date", "Service", "Score", "Comment"],
                    "rows": rows,
                },
            )
        )

    due_by = local_date(meeting) + datetime.timedelta(days=7)
    due = list(
        ActionItem.objects.filter(
            organisation=org, status__in=OPEN_ACTION_STATUSES, due_on__lte=due_by
        )
        .select_related("owner", "meeting")
        .order_by(F("due_on").asc(nulls_last=True), "id")
    )
    if due:
        rows, urls = _action_rows(due)
        items.append(
            Draft(
                source_key="actions-due",
                section="Actions",
                title=f"Actions due by {due_by:%d %b %Y} ({len(due)})",
                evidence_url="/meetings/actions/",
                data={"columns": ACTION_COLUMNS, "rows": rows, "row_urls": urls},
            )
        )
    return items


# --- monthly experience meeting ------------------------------------------------------------


def monthly_items(meeting: Meeting) -> list[Draft]:
    org, series = meeting.organisation, meeting.series
    segment = series_segment(series)
    month = previous_period_start(period_start(local_date(meeting), "month"), "month")
    month_end = next_period_start(month, "month")
    before = previous_period_start(month, "month")
    month_label = f"{month:%B %Y}"
    target = org.happiness_target
    items: list[Draft] = []

    for dimension, label in DIMENSION_LABELS.items():
        current = breakdown(
            org,
            measure_name="happiness",
            dimension=dimension,
            start=month,
            end=month_end,
            segment=segment,
        )
        previous = {
            row["key"]: row
            for row in breakdown(
                org,
                measure_name="happiness",
                dimension=dimension,
                start=before,
                end=month,
                segment=segment,
            )
        }
        rows = []
        for row in current[:12]:
            prev_value = previous.get(row["key"], {}).get("value")
            rows.append(
                [
                    row["label"],
                    _r(row["value"]),
                    row["n"],
                    _r(prev_value),
                    _delta(row["value"], prev_value),
                    _delta(row["value"], target),
                ]
            )
        below = [r[0] for r in rows if r[5] is not None and r[5] < 0]
        body = (
            f"Below the target of {target:+.0f}: {', '.join(below)}."
            if below
            else (f"Every {label} met the target of {target:+.0f}." if rows else "No responses.")
        )
        items.append(
            Draft(
                source_key=f"results:{dimension}",
                section="Results",
                title=f"Happiness by {label} — {month_label}",
                body=body,
                evidence_url="/dashboard/?"
                + urlencode({"month": f"{month:%Y-%m}", "by": dimension}),
                data={
                    "columns": [
                        label.capitalize(),
                        "Happiness",
                        "n",
                        f"{before:%b}",
                        "Change",
                        "vs target",
                    ],
                    "rows": rows,
                    "signed": [1, 3, 4, 5],
                },
            )
        )

    now_factors = {
        r["factor"]: r for r in factor_counts(org, start=month, end=month_end, segment=segment)
    }
    then_factors = {
        r["factor"]: r for r in factor_counts(org, start=before, end=month, segment=segment)
    }
    shifts = []
    for factor in set(now_factors) | set(then_factors):
        now_share = now_factors.get(factor, {}).get("share", 0.0)
        then_share = then_factors.get(factor, {}).get("share", 0.0)
        shifts.append([factor, then_share, now_share, round(now_share - then_share, 1)])
    shifts.sort(key=lambda r: (-abs(r[3]), r[0]))
    items.append(
        Draft(
            source_key="drivers",
            section="Drivers",
            title=f"What drove the change — factors named in {month_label}",
            body=(
                f"Largest shift: {shifts[0][0]} ({shifts[0][3]:+.1f} points of responses)."
                if shifts
                else "No factors were named this month."
            ),
            evidence_url="/dashboard/?" + urlencode({"month": f"{month:%Y-%m}"}),
            data={
                "columns": ["Factor", f"{before:%b} %", f"{month:%b} %", "Shift"],
                "rows": shifts[:8],
                "signed": [3],
            },
        )
    )

    lo, hi = utc_range(org, month, month_end)
    praise = SurveyResponse.objects.filter(
        organisation=org, highlighted=True, score__gte=9, submitted_at__gte=lo, submitted_at__lt=hi
    ).exclude(comment="")
    if segment.services:
        praise = praise.filter(service__slug__in=segment.services)
    quotes = list(praise.select_related("service").order_by("-submitted_at", "-id")[:5])
    if quotes:
        items.append(
            Draft(
                source_key="praise",
                section="Praise",
                title=f"Praise from {month_label} ({len(quotes)})",
                body="Share these with the teams concerned.",
                evidence_url="/feedback/?"
                + urlencode({"highlighted": "1", "from": month.isoformat(), "to": hi.date()}),
                data={
                    "columns": ["Service", "Score", "Comment"],
                    "rows": [[q.service.name, q.score, q.comment[:200]] for q in quotes],
                },
            )
        )

    initiatives = ImprovementInitiative.objects.filter(
        organisation=org, status__in=(InitiativeStatus.PROPOSED, InitiativeStatus.ACTIVE)
    ).select_related("owner")
    if segment.services:
        initiatives = initiatives.filter(
            Q(services__slug__in=segment.services) | Q(services__isnull=True)
        ).distinct()
    for initiative in initiatives.order_by("started_on", "title"):
        started = (
            f"started {initiative.started_on:%d %b %Y}" if initiative.started_on else "no start"
        )
        owner = initiative.owner.get_username() if initiative.owner else "no owner"
        items.append(
            Draft(
                source_key=f"initiative:{initiative.pk}",
                section="Improvement initiatives",
                title=f"Initiative: {initiative.title}",
                body=f"{initiative.get_status_display()}, {started}, {owner}. Progress and effect?",
                evidence_url=f"/meetings/initiatives/{initiative.pk}/",
                data={"status": initiative.status},
            )
        )
    return items


# --- quarterly strategy meeting ------------------------------------------------------------


def quarterly_items(meeting: Meeting) -> list[Draft]:
    org, series = meeting.organisation, meeting.series
    meeting_day = local_date(meeting)
    this_quarter = period_start(meeting_day, "quarter")
    quarter = previous_period_start(this_quarter, "quarter")
    before = previous_period_start(quarter, "quarter")
    q_label = f"Q{(quarter.month - 1) // 3 + 1} {quarter.year}"
    items: list[Draft] = []

    services = list(series.services.all()) or list(
        Service.objects.filter(organisation=org, is_active=True)
    )
    trend_rows, findings = [], []
    for service in services:
        points = trend(
            org,
            measure_name="happiness",
            period="quarter",
            start=before,
            end=this_quarter,
            segment=Segment(services=(service.slug,)),
        )
        prev_value, value = points[0]["value"], points[-1]["value"]
        change = _delta(value, prev_value)
        if change is None:
            direction = "not enough data"
        elif change >= TREND_THRESHOLD:
            direction = "up"
        elif change <= -TREND_THRESHOLD:
            direction = "down"
        else:
            direction = "same"
        trend_rows.append([service.name, _r(prev_value), _r(value), change, direction])
        if direction in ("up", "down"):
            findings.append((service, direction, change, value))
    ups = sum(1 for r in trend_rows if r[4] == "up")
    downs = sum(1 for r in trend_rows if r[4] == "down")
    items.append(
        Draft(
            source_key="trends",
            section="Trends",
            title=f"Happiness trends in {q_label}",
            body=f"{ups} up, {downs} down, {len(trend_rows) - ups - downs} about the same "
            f"(a change of {TREND_THRESHOLD:.0f} points or more counts).",
            evidence_url="/dashboard/?" + urlencode({"period": "quarter"}),
            data={
                "columns": ["Service", "Quarter before", q_label, "Change", "Trend"],
                "rows": trend_rows,
                "signed": [1, 2, 3],
            },
        )
    )
    for service, direction, change, value in findings:
        items.append(
            Draft(
                source_key=f"finding:{service.slug}",
                section="Findings",
                title=f"Finding: {service.name} went {direction} ({change:+.1f} points)",
                body=f"Happiness {value:+.1f} in {q_label}. Fill in So what? and What now?",
                evidence_url="/dashboard/?"
                + urlencode({"period": "quarter", "service": service.slug}),
            )
        )

    q_end = next_period_start(quarter, "quarter")
    scores = XLAScore.objects.filter(
        organisation=org,
        period="month",
        period_start__gte=quarter,
        period_start__lt=q_end,
        score__isnull=False,
    ).select_related("xla")
    per_xla = defaultdict(list)
    names = {}
    for score in scores:
        per_xla[score.xla_id].append(score.score)
        names[score.xla_id] = score.xla.name
    attainment = [
        [names[x], len(v), round(sum(v) / len(v), 1), round(min(v), 1)]
        for x, v in sorted(per_xla.items(), key=lambda kv: names[kv[0]])
    ]
    items.append(
        Draft(
            source_key="xla-attainment",
            section="XLAs",
            title=f"XLA attainment in {q_label}",
            body="Mean monthly XLA score (share of indicators met, weighted)."
            if attainment
            else "No XLA scores for the quarter yet.",
            evidence_url="/xlas/",
            data={
                "columns": ["XLA", "Months", "Mean score", "Lowest"],
                "rows": attainment,
                "row_urls": [f"/xlas/{x}/" for x in sorted(per_xla, key=lambda x: names[x])],
            },
        )
    )

    proposals = XLAVersion.objects.filter(
        xla__organisation=org, status=VersionStatus.PROPOSED
    ).select_related("xla", "proposed_by")
    for version in proposals.order_by("xla__name", "number"):
        by = f" by {version.proposed_by.get_username()}" if version.proposed_by else ""
        items.append(
            Draft(
                source_key=f"proposal:{version.pk}",
                section="XLAs",
                title=f"Proposed target change: {version.xla.name} v{version.number}",
                body=f"Proposed{by}. {version.rationale}".strip(),
                evidence_url=f"/xlas/{version.xla_id}/",
            )
        )

    review_by = next_period_start(this_quarter, "quarter")
    due = list(
        XLAVersion.objects.filter(
            xla__organisation=org, status=VersionStatus.ACTIVE, review_due__lt=review_by
        )
        .select_related("xla")
        .order_by("review_due")
    )
    if due:
        items.append(
            Draft(
                source_key="review-due",
                section="XLAs",
                title=f"XLAs due for review ({len(due)})",
                body=f"Review due before {review_by:%d %b %Y}.",
                evidence_url="/xlas/?" + urlencode({"review": "due"}),
                data={
                    "columns": ["XLA", "Version", "Review due"],
                    "rows": [[v.xla.name, v.number, v.review_due.isoformat()] for v in due],
                    "row_urls": [f"/xlas/{v.xla_id}/" for v in due],
                },
            )
        )

    objectives = list(
        Objective.objects.filter(organisation=org)
        .exclude(status__in=(ObjectiveStatus.DONE, ObjectiveStatus.DROPPED))
        .order_by("horizon", "due_on", "title")
    )
    items.append(
        Draft(
            source_key="objectives",
            section="Direction",
            title="Objectives (12-month and 6-month)",
            body="Update each objective's status below." if objectives else "No open objectives.",
            evidence_url=f"/meetings/{meeting.pk}/#objectives",
            data={
                "columns": ["Horizon", "Objective", "Status", "Due"],
                "rows": [
                    [
                        o.get_horizon_display(),
                        o.title,
                        o.get_status_display(),
                        o.due_on.isoformat() if o.due_on else None,
                    ]
                    for o in objectives
                ],
            },
        )
    )
    focus = list(
        FocusArea.objects.filter(organisation=org, quarter_start__gte=this_quarter).order_by(
            "quarter_start", "title"
        )
    )
    items.append(
        Draft(
            source_key="focus-areas",
            section="Direction",
            title="Focus areas for the coming quarter",
            body="Agree the focus areas below." if not focus else "",
            evidence_url=f"/meetings/{meeting.pk}/#focus-areas",
            data={
                "columns": ["Quarter", "Focus area"],
                "rows": [[f.quarter_start.isoformat(), f.title] for f in focus],
            },
        )
    )

    lo, _ = utc_range(org, quarter, q_end)
    decisions = list(
        Decision.objects.filter(
            meeting__organisation=org,
            communicate=True,
            created_at__gte=lo,
            meeting__scheduled_for__lt=meeting.scheduled_for,
        )
        .select_related("meeting__series")
        .order_by("created_at")
    )
    if decisions:
        items.append(
            Draft(
                source_key="communicate",
                section="Communication",
                title=f"Decisions to communicate ({len(decisions)})",
                body="Agree how and to whom each decision is communicated.",
                evidence_url=f"/meetings/{decisions[-1].meeting_id}/minutes/",
                data={
                    "columns": ["Decision", "Meeting", "Date"],
                    "rows": [
                        [d.text[:200], d.meeting.series.name, d.created_at.date().isoformat()]
                        for d in decisions
                    ],
                    "row_urls": [f"/meetings/{d.meeting_id}/minutes/" for d in decisions],
                },
            )
        )
    return items


BUILDERS = {
    Cadence.WEEKLY: weekly_items,
    Cadence.MONTHLY: monthly_items,
    Cadence.QUARTERLY: quarterly_items,
}


def build_items(meeting: Meeting) -> list[Draft]:
    items = BUILDERS[meeting.series.cadence](meeting)
    carried = open_actions_item(meeting)
    if carried:
        items.append(carried)
    return items


DRAFTED_FIELDS = ("section", "title", "body", "evidence_url", "data")


def draft_agenda(meeting: Meeting) -> dict:
    """Add new evidence and refresh untouched drafted items; returns counts."""
    drafts = build_items(meeting)
    added = updated = 0
    with transaction.atomic():
        # One drafter per meeting at a time: the row lock serialises the job and the button.
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        existing = {
            item.source_key: item
            for item in AgendaItem.objects.filter(meeting=meeting).exclude(source_key="")
        }
        last = AgendaItem.objects.filter(meeting=meeting).order_by("-order").first()
        order = last.order + 1 if last else 0
        for draft in drafts:
            item = existing.get(draft.source_key)
            if item is None:
                AgendaItem.objects.create(
                    meeting=meeting,
                    order=order,
                    source_key=draft.source_key,
                    **{f: getattr(draft, f) for f in DRAFTED_FIELDS},
                )
                order += 1
                added += 1
            elif not item.is_removed and item.edited_at is None:
                changed = [f for f in DRAFTED_FIELDS if getattr(item, f) != getattr(draft, f)]
                if changed:
                    for f in changed:
                        setattr(item, f, getattr(draft, f))
                    item.save(update_fields=changed)
                    updated += 1
        if added or updated or meeting.drafted_at is None:
            meeting.drafted_at = timezone.now()
            meeting.save(update_fields=["drafted_at"])
    return {"added": added, "updated": updated}


def ensure_next_meeting(series, now: datetime.datetime | None = None) -> tuple[Meeting, bool]:
    """The series' next meeting (the one under way counts until it ends), created if missing."""
    now = now or timezone.now()
    after = now - datetime.timedelta(minutes=series.duration_minutes)
    slot = next_occurrences(series, after, 1)[0]
    meeting, created = Meeting.objects.get_or_create(
        series=series, scheduled_for=slot, defaults={"organisation": series.organisation}
    )
    if created:
        add_default_attendees(meeting)
    return meeting, created


def add_default_attendees(meeting: Meeting) -> None:
    from .models import MeetingAttendee

    MeetingAttendee.objects.bulk_create(
        [
            MeetingAttendee(meeting=meeting, user=user)
            for user in meeting.series.default_attendees.all()
        ],
        ignore_conflicts=True,
    )


def meeting_after(meeting: Meeting, now: datetime.datetime | None = None) -> tuple[Meeting, bool]:
    """The series' next open meeting after this one; the next slot is created if missing."""
    later = (
        Meeting.objects.filter(series=meeting.series, scheduled_for__gt=meeting.scheduled_for)
        .exclude(status="closed")
        .order_by("scheduled_for")
        .first()
    )
    if later is not None:
        return later, False
    # Never plan into the past, even when a meeting is closed long after it was held.
    after = max(
        meeting.scheduled_for + datetime.timedelta(minutes=1),
        (now or timezone.now()) - datetime.timedelta(minutes=meeting.series.duration_minutes),
    )
    slot = next_occurrences(meeting.series, after)[0]
    nxt, created = Meeting.objects.get_or_create(
        series=meeting.series, scheduled_for=slot, defaults={"organisation": meeting.organisation}
    )
    if created:
        add_default_attendees(nxt)
    return nxt, created


def draft_due_agendas(org, now: datetime.datetime | None = None) -> dict:
    """Job body: next meeting of every active series exists; drafted when within 7 days."""
    from .models import MeetingSeries

    now = now or timezone.now()
    created = drafted = 0
    for series in MeetingSeries.objects.filter(organisation=org, is_active=True).select_related(
        "organisation"
    ):
        meeting, was_created = ensure_next_meeting(series, now)
        created += was_created
        if meeting.status != "closed" and meeting.scheduled_for - now <= datetime.timedelta(
            days=DRAFT_AHEAD_DAYS
        ):
            draft_agenda(meeting)
            drafted += 1
    return {"meetings_created": created, "agendas_drafted": drafted}
