"""Agenda items of the weekly operational review: drops, breaches, feedback, actions due."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

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
    OPEN_ACTION_STATUSES,
    Draft,
    _action_rows,
    action_columns,
    day,
    local_date,
    num,
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
        value = _("no value") if breach.value is None else num(breach.value)
        facts = {
            "period": breach.get_period_display(),
            "start": day(breach.period_start),
            "value": value,
            "target": num(breach.target),
            "severity": breach.get_severity_display().lower(),
            "status": breach.get_status_display().lower(),
        }
        if breach.assignee:
            facts["assignee"] = person_name(breach.assignee)
            body = _(
                "%(period)s from %(start)s: %(value)s against a target of %(target)s. "
                "Severity %(severity)s, %(status)s, assigned to %(assignee)s."
            )
        else:
            body = _(
                "%(period)s from %(start)s: %(value)s against a target of %(target)s. "
                "Severity %(severity)s, %(status)s."
            )
        items.append(
            Draft(
                source_key=f"breach:{breach.pk}",
                section=_("Breaches"),
                title=_("Breach: %(xla)s — %(indicator)s")
                % {"xla": breach.xla.name, "indicator": breach.indicator.name},
                body=body % facts,
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
            section=_("Feedback"),
            title=ngettext(
                "Untagged feedback: %(count)s comment",
                "Untagged feedback: %(count)s comments",
                untagged,
            )
            % {"count": untagged},
            body=_("Tag new comments so their themes show in drivers and reports.")
            if untagged
            else _("Every comment is tagged."),
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
                section=_("Feedback"),
                title=_("Negative comments needing follow-up (%(count)s)")
                % {"count": negative_count},
                body=_("Scores 0–6 with a comment, not yet followed up. Agree who contacts whom."),
                evidence_url="/feedback/?" + urlencode({"score": "0-6", "status": "follow_up"}),
                data={
                    "count": negative_count,
                    "columns": [_("Date"), _("Service"), _("Score"), _("Comment")],
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
                section=pgettext("meeting", "Actions"),
                title=_("Actions due by %(date)s (%(count)s)")
                % {"date": day(due_by), "count": len(due)},
                evidence_url="/meetings/actions/",
                data={"columns": action_columns(), "rows": rows, "row_urls": urls},
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
        unit = _(" min") if incident.measure == "lost_time" else _(" points")
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
                num(d.delta, sign=True),
                "" if d.explained_share is None else f"{100 * d.explained_share:.0f} %",
            ]
            for d in members
        ]
        items.append(
            Draft(
                source_key=f"incident:{incident.pk}",
                section=_("Score drops"),
                title=f"{incident.get_measure_display()}: {incident.headline_label}"
                + (
                    ngettext(
                        " (+%(count)s related segment)",
                        " (+%(count)s related segments)",
                        len(members) - 1,
                    )
                    % {"count": len(members) - 1}
                    if len(members) > 1
                    else ""
                ),
                body=(
                    _(
                        "Week of %(week)s: %(change)s%(unit)s for %(segment)s, explaining "
                        "%(share)s %% of the incident's overall change."
                    )
                    if share is not None and len(members) > 1
                    else _("Week of %(week)s: %(change)s%(unit)s for %(segment)s.")
                )
                % {
                    "week": day(incident.week_start),
                    "change": num(incident.change, sign=True),
                    "unit": unit,
                    "segment": incident.headline_label,
                    "share": f"{100 * (share or 0):.0f}",
                },
                evidence_url=f"/experience/drops/{headline.pk}/"
                if headline
                else "/experience/drops/",
                data={
                    "change": incident.change,
                    "columns": [
                        _("Segment"),
                        _("Name"),
                        pgettext("delta", "Change"),
                        _("Explains"),
                    ],
                    "rows": rows,
                    "row_urls": [f"/experience/drops/{d.pk}/" for d in members],
                },
            )
        )
    for drop in drops.filter(incident__isnull=True).order_by("delta", "id"):
        unit = _(" min") if drop.measure == "lost_time" else _(" points")
        items.append(
            Draft(
                source_key=f"drop:{drop.pk}",
                section=_("Score drops"),
                title=f"{drop.get_measure_display()}: {drop.segment_label or drop.segment_value}",
                body=_(
                    "Week of %(week)s: %(value)s against a baseline of %(baseline)s "
                    "(%(delta)s%(unit)s; n = %(n)s)."
                )
                % {
                    "week": day(drop.week_start),
                    "value": num(drop.value),
                    "baseline": num(drop.baseline_value),
                    "delta": num(drop.delta, sign=True),
                    "unit": unit,
                    "n": drop.n,
                },
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
        unit = _("points") if change.verdict_measure == "happiness" else _("minutes")
        measure = _("happiness") if change.verdict_measure == "happiness" else _("mean lost time")
        services = ", ".join(s.name for s in change.services.all())
        items.append(
            Draft(
                source_key=f"change:{change.pk}",
                section=_("Changes"),
                title=(
                    _("Change worsened experience: %(id)s %(title)s")
                    % {"id": change.external_id, "title": change.title}
                )[:200],
                body=_(
                    "Implemented %(date)s on %(services)s; expected to %(expected)s. Measured "
                    "effect on %(measure)s: %(effect)s %(unit)s (95 %% interval %(low)s to "
                    "%(high)s; p = %(p)s) against the untouched services. Decide whether to "
                    "roll back or remedy."
                )
                % {
                    "date": day(change.implemented_at),
                    "services": services,
                    "expected": change.get_expected_effect_display().lower(),
                    "measure": measure,
                    "effect": num(change.effect, sign=True),
                    "unit": unit,
                    "low": num(change.ci_low, sign=True),
                    "high": num(change.ci_high, sign=True),
                    "p": num(change.p_value, 3),
                },
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
