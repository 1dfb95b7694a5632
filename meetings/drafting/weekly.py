"""Agenda items of the weekly operational review: drops, breaches, feedback, actions due."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import F, Prefetch, Q
from django.utils import timezone

from changes.choices import Verdict
from changes.models import Change
from experience.choices import TriageStatus
from experience.models import Incident, ScoreDrop, SurveyResponse
from feedback.choices import FollowUpStatus
from xlas.choices import BreachStatus
from xlas.models import Breach
from xmo.templatetags.xmo_format import person_name

from ..models import ActionItem, Meeting
from .common import (
    ACTION_COLUMNS,
    OPEN_ACTION_STATUSES,
    Draft,
    _action_rows,
    local_date,
    previous_meeting,
)


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

    items.extend(_incident_items(org, scope, since))
    items.extend(_worsened_change_items(org, scope, since))

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
                    + (f", assigned to {person_name(breach.assignee)}" if breach.assignee else "")
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


def _incident_items(org, scope, since) -> list[Draft]:
    """One item per incident (overlapping drops of a week), its headline first.

    Drops detected since the last meeting bring their incident; a drop not grouped yet is an
    item of its own. A series scoped to services sees incidents touching those services and
    organisation-wide ones.
    """
    drops = ScoreDrop.objects.filter(organisation=org, created_at__gte=since)
    if scope:
        drops = drops.filter(Q(service__in=scope) | Q(service__isnull=True))
    incidents = (
        Incident.objects.filter(organisation=org, pk__in=drops.values("incident_id"))
        .prefetch_related(Prefetch("drops", queryset=ScoreDrop.objects.order_by("pk")))
        .order_by("change", "id")
    )
    items = []
    for incident in incidents:
        unit = " min" if incident.measure == "lost_time" else " points"
        members = sorted(incident.drops.all(), key=lambda d: (-(d.explained_share or 0), d.pk))
        headline = next(
            (
                d
                for d in members
                if (d.segment_kind, d.segment_value)
                == (incident.headline_kind, incident.headline_value)
            ),
            members[0] if members else None,
        )
        share = incident.explained_share
        rows = [
            [
                d.get_segment_kind_display(),
                d.segment_label or d.segment_value,
                f"{d.delta:+.1f}",
                "" if d.explained_share is None else f"{100 * d.explained_share:.0f} %",
            ]
            for d in members
        ]
        items.append(
            Draft(
                source_key=f"incident:{incident.pk}",
                section="Score drops",
                title=f"{incident.get_measure_display()}: {incident.headline_label}"
                + (f" (+{len(members) - 1} related segments)" if len(members) > 1 else ""),
                body=(
                    f"Week of {incident.week_start:%d %b %Y}: {incident.change:+.1f}{unit} for "
                    f"{incident.headline_label}"
                    + (
                        f", explaining {100 * share:.0f} % of the incident's overall change"
                        if share is not None and len(members) > 1
                        else ""
                    )
                    + "."
                ),
                evidence_url=f"/experience/drops/{headline.pk}/"
                if headline
                else "/experience/drops/",
                data={
                    "change": incident.change,
                    "columns": ["Segment", "Name", "Change", "Explains"],
                    "rows": rows,
                    "row_urls": [f"/experience/drops/{d.pk}/" for d in members],
                },
            )
        )
    for drop in drops.filter(incident__isnull=True).order_by("delta", "id"):
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
    return items


def _worsened_change_items(org, scope, since) -> list[Draft]:
    """One item per change judged `worsened` since the last meeting (scoped by service)."""
    changes = Change.objects.filter(
        organisation=org, verdict=Verdict.WORSENED, judged_at__gte=since
    ).prefetch_related("services")
    if scope:
        changes = changes.filter(services__in=scope).distinct()
    items = []
    for change in changes.order_by("judged_at", "id"):
        unit = "points" if change.verdict_measure == "happiness" else "minutes"
        measure = "happiness" if change.verdict_measure == "happiness" else "mean lost time"
        services = ", ".join(s.name for s in change.services.all())
        items.append(
            Draft(
                source_key=f"change:{change.pk}",
                section="Changes",
                title=f"Change worsened experience: {change.external_id} {change.title}"[:200],
                body=(
                    f"Implemented {change.implemented_at:%d %b %Y} on {services}; expected to "
                    f"{change.get_expected_effect_display().lower()}. Measured effect on "
                    f"{measure}: {change.effect:+.1f} {unit} (95 % interval "
                    f"{change.ci_low:+.1f} to {change.ci_high:+.1f}; p = {change.p_value:.3f}) "
                    "against the untouched services. Decide whether to roll back or remedy."
                ),
                evidence_url=f"/changes/{change.pk}/",
                data={
                    "effect": change.effect,
                    "ci_low": change.ci_low,
                    "ci_high": change.ci_high,
                    "p_value": change.p_value,
                    "measure": change.verdict_measure,
                },
            )
        )
    return items
