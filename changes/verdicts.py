"""The verdict on a change: its services' experience before and after, against the rest.

Windows (local days of the organisation, half-open):
- after: `window_weeks` × 7 days from the day after the change's local implementation day,
  or from the first day after its declared disruption when that ends later;
- before: as many days, ending on the implementation day (exclusive), or on the day the
  disruption started when that is earlier.

Comparison group: the organisation's active services that no other change (implemented
between the start of the before window and the end of the after window) and no declared
disruption overlapping the windows touched. The estimator, its interval, p and the
minimum sample are experience/effects.py's.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from experience import effects
from experience.disruptions.models import Disruption
from experience.disruptions.selectors import local_span
from experience.models import Service

from .choices import Verdict
from .models import Change


def change_windows(change: Change) -> effects.Windows:
    tz = ZoneInfo(change.organisation.time_zone)
    day = change.implemented_at.astimezone(tz).date()
    span = datetime.timedelta(days=7 * change.window_weeks)
    before_end, after_start = day, day + datetime.timedelta(days=1)
    disruption = change.disruption
    if disruption is not None:
        last_disrupted = (disruption.ends_at - datetime.timedelta(microseconds=1)).astimezone(tz)
        after_start = max(after_start, last_disrupted.date() + datetime.timedelta(days=1))
        before_end = min(before_end, disruption.starts_at.astimezone(tz).date())
    return effects.Windows(before_end - span, before_end, after_start, after_start + span)


def comparison_services(change: Change, windows: effects.Windows, treated: set[str]) -> list[str]:
    """Slugs of the organisation's services nothing touched during the windows."""
    org = change.organisation
    start, end = local_span(org, windows.before_start, windows.after_end)
    touched = set(
        Service.objects.filter(
            changes__organisation=org,
            changes__implemented_at__gte=start,
            changes__implemented_at__lt=end,
        ).values_list("slug", flat=True)
    )
    touched |= set(
        Service.objects.filter(
            disruptions__in=Disruption.objects.filter(
                organisation=org, starts_at__lt=end, ends_at__gt=start
            )
        ).values_list("slug", flat=True)
    )
    return sorted(
        Service.objects.filter(organisation=org, is_active=True)
        .exclude(slug__in=treated | touched)
        .values_list("slug", flat=True)
    )


def is_due(change: Change, today: datetime.date) -> bool:
    return change_windows(change).after_end <= today


def judge(change: Change, *, now: datetime.datetime | None = None) -> Change:
    """Measure the change and store its verdict (idempotent: the same data, the same verdict)."""
    now = now or timezone.now()
    windows = change_windows(change)
    treated = {s.slug for s in change.services.all()}
    control = comparison_services(change, windows, treated)
    measured = effects.measure_effects(change.organisation, windows, sorted(treated), control)
    verdict = effects.overall(measured)
    lead = effects.headline(measured)
    with transaction.atomic():
        change.verdict = verdict
        change.verdict_measure = lead.measure
        change.effect, change.ci_low, change.ci_high = lead.effect, lead.ci_low, lead.ci_high
        change.p_value = lead.p_value
        change.details = {
            "windows": windows.as_dict(),
            "treated": sorted(treated),
            "comparison": control,
            "measures": [e.as_dict() for e in measured],
        }
        change.judged_at = now
        change.save(
            update_fields=[
                "verdict",
                "verdict_measure",
                "effect",
                "ci_low",
                "ci_high",
                "p_value",
                "details",
                "judged_at",
            ]
        )
    return change


def judge_due_changes(org, *, now: datetime.datetime | None = None) -> dict:
    """Judge every pending change whose after window has closed."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(org.time_zone)).date()
    pending = (
        Change.objects.filter(organisation=org, verdict=Verdict.PENDING)
        .select_related("organisation", "disruption")
        .prefetch_related("services")
    )
    counts = {"judged": 0, "waiting": 0}
    for change in pending:
        if is_due(change, today):
            judge(change, now=now)
            counts["judged"] += 1
        else:
            counts["waiting"] += 1
    return counts
