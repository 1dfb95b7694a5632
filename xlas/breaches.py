"""Breaches: raised once per indicator and closed period; owner first, then leaders.

Rule: a breach is raised for the closed period P of an indicator when the last N closed
periods up to and including P (N = the indicator's consecutive_misses, from the version
that judged P) were all `missed`, without a gap. Insufficient data or a missing evaluation
breaks the run. Each notification carries a dedupe key, so it goes out once whatever runs
twice or at the same time.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext

from xmo import webhooks
from xmo.choices import Role
from xmo.models import Membership
from xmo.notifying import notify
from xmo.periods import next_period_start, previous_period_start

from . import notices
from .acknowledged import Acknowledger
from .choices import BreachStatus, EvaluationStatus, Severity
from .models import Breach, Evaluation


def severity(value: float | None, target: float, warning: float, direction: str) -> str:
    """How far past the target, in units of the target–warning gap.

    r = (target − value) / |target − warning| for "higher is better" (mirrored for "lower").
    A missed value lies past the warning level, so r > 1: r ≤ 1.5 low, ≤ 2 medium, ≤ 3 high,
    above 3 critical. With no gap (warning = target) the unit is 10 % of |target| (or 1).
    """
    if value is None:
        return Severity.MEDIUM
    distance = (target - value) if direction == "higher" else (value - target)
    gap = abs(target - warning) or (abs(target) * 0.1) or 1.0
    ratio = distance / gap
    if ratio <= 1.5:
        return Severity.LOW
    if ratio <= 2:
        return Severity.MEDIUM
    if ratio <= 3:
        return Severity.HIGH
    return Severity.CRITICAL


def _breach_url(breach) -> str:
    for name in ("xlas:breach_detail", "xlas:breach"):
        try:
            return reverse(name, args=[breach.pk])
        except NoReverseMatch:
            continue
    return ""


def _notify_owner(breach) -> bool:
    owner = breach.xla.owner
    if owner is None:
        return False
    notify(
        organisation=breach.organisation,
        recipients=[owner],
        kind="breach",
        **notices.breach_raised(breach),
        url=_breach_url(breach),
        dedupe_key=f"breach:{breach.pk}:owner",
    )
    Breach.objects.filter(pk=breach.pk, escalation_level__lt=1).update(escalation_level=1)
    return True


def _emit(breach, event: str) -> None:
    webhooks.emit(
        organisation_id=breach.organisation_id,
        event=event,
        key=f"breach:{breach.pk}",
        # English whatever the language of the run: the payload is a contract (JSON keys and
        # texts), unlike the notifications, which are written in each recipient's language.
        payload={
            "id": breach.pk,
            "title": f"XLA breach: {breach.indicator.name} of {breach.xla.name}",
            "url": webhooks.absolute_url(_breach_url(breach)),
            "xla": {"id": breach.xla_id, "name": breach.xla.name},
            "indicator_key": breach.indicator_key,
            "period": breach.period,
            "period_start": breach.period_start,
            "value": breach.value,
            "target": breach.target,
            "severity": breach.severity,
            "escalation_level": breach.escalation_level,
        },
    )


def _run_is_missed(by_start: dict, evaluation: Evaluation, needed: int) -> bool:
    start = evaluation.period_start
    for _ in range(needed):
        current = by_start.get(start)
        if current is None or not current.is_closed or current.status != EvaluationStatus.MISSED:
            return False
        start = previous_period_start(start, evaluation.period)
    return True


def flag_breaches(org, *, now: datetime.datetime | None = None) -> dict:
    closed = (
        Evaluation.objects.filter(organisation=org, is_closed=True)
        .select_related("indicator", "xla", "xla__owner")
        .order_by("xla_id", "indicator_key", "period", "period_start")
    )
    series: dict = {}
    for evaluation in closed:
        key = (evaluation.xla_id, evaluation.indicator_key, evaluation.period)
        series.setdefault(key, {})[evaluation.period_start] = evaluation
    existing = set(
        Breach.objects.filter(organisation=org).values_list(
            "xla_id", "indicator_key", "period", "period_start"
        )
    )
    raised = notified = 0
    for (xla_id, key, period), by_start in series.items():
        for start, evaluation in sorted(by_start.items()):
            if evaluation.status != EvaluationStatus.MISSED:
                continue
            if (xla_id, key, period, start) in existing:
                continue
            indicator = evaluation.indicator
            if not _run_is_missed(by_start, evaluation, indicator.consecutive_misses):
                continue
            try:
                with transaction.atomic():
                    breach = Breach.objects.create(
                        organisation=org,
                        xla_id=xla_id,
                        indicator=indicator,
                        indicator_key=key,
                        evaluation=evaluation,
                        period=period,
                        period_start=start,
                        value=evaluation.value,
                        target=indicator.target,
                        severity=severity(
                            evaluation.value,
                            indicator.target,
                            indicator.warning,
                            indicator.direction,
                        ),
                        assignee=evaluation.xla.owner,
                        disruption_id=evaluation.disruption_id,
                    )
                    _emit(breach, webhooks.events.BREACH_RAISED)
                raised += 1
            except IntegrityError:  # raised by a concurrent run
                pass
    # Notify every breach whose owner has not been told yet (also retries a failed send);
    # a breach acknowledged in advance by a declared disruption is shown, not notified.
    pending = Breach.objects.filter(organisation=org, escalation_level=0).select_related(
        "xla__owner", "indicator", "organisation"
    )
    acknowledge_breaches(org, pending)
    for breach in pending.filter(disruption__isnull=True):
        notified += _notify_owner(breach)
    return {"raised": raised, "owners_notified": notified}


def escalate_breaches(org, *, now: datetime.datetime | None = None) -> dict:
    """Tell the leaders about breaches nobody acknowledged within the escalation delay."""
    now = now or timezone.now()
    due = now - datetime.timedelta(hours=org.escalation_delay_hours)
    breaches = Breach.objects.filter(
        organisation=org,
        acknowledged_at__isnull=True,
        escalation_level__lt=2,
        created_at__lte=due,
        status__in=(BreachStatus.OPEN, BreachStatus.INVESTIGATING),
    ).select_related("xla__owner", "indicator", "organisation")
    acknowledged = acknowledge_breaches(org, breaches)
    breaches = breaches.filter(disruption__isnull=True)
    leaders = [
        m.user
        for m in Membership.objects.filter(organisation=org, role=Role.LEADER).select_related(
            "user"
        )
    ]
    escalated = 0
    for breach in breaches:
        if breach.escalation_level < 1:
            _notify_owner(breach)
        notify(
            organisation=org,
            recipients=leaders,
            kind="breach_escalated",
            **notices.breach_escalated(breach, delay_hours=org.escalation_delay_hours),
            url=_breach_url(breach),
            dedupe_key=f"breach:{breach.pk}:leaders",
        )
        claimed = Breach.objects.filter(pk=breach.pk, escalation_level__lt=2).update(
            escalation_level=2, escalated_at=now
        )
        if claimed:
            breach.escalation_level = 2
            _emit(breach, webhooks.events.BREACH_ESCALATED)
        escalated += claimed
    result = {"escalated": escalated}
    if acknowledged:
        result["acknowledged_in_advance"] = acknowledged
    return result


def acknowledge_breaches(org, breaches) -> int:
    """Mark the breaches (of a queryset) whose period a declared disruption covers.

    Runs before anyone is told, so a disruption declared after the breach was raised still
    holds its escalation back. Returns how many of them are acknowledged in advance.
    """
    unmarked = list(
        breaches.filter(disruption__isnull=True).prefetch_related("xla__services", "xla__personas")
    )
    if unmarked:
        first = min(b.period_start for b in unmarked)
        last = max(next_period_start(b.period_start, b.period) for b in unmarked)
        acknowledger = Acknowledger(org, first, last)
        for breach in unmarked:
            end = next_period_start(breach.period_start, breach.period)
            found = acknowledger.disruption_id(breach.xla, breach.period_start, end)
            if found:
                Breach.objects.filter(pk=breach.pk, disruption__isnull=True).update(
                    disruption_id=found
                )
    return breaches.filter(disruption__isnull=False).count()


def rejudge_breaches(org, xla, *, since: datetime.date, reason: str) -> dict:
    """After periods from `since` were re-judged: raise the breaches that now hold, withdraw
    (with the reason) those that no longer do, and reopen withdrawn ones that hold again."""
    raised = flag_breaches(org)["raised"]
    closed = Evaluation.objects.filter(xla=xla, is_closed=True).select_related("indicator")
    series: dict = {}
    for evaluation in closed:
        series.setdefault((evaluation.indicator_key, evaluation.period), {})[
            evaluation.period_start
        ] = evaluation
    withdrawn = reopened = 0
    for breach in Breach.objects.filter(xla=xla, period_start__gte=since).select_related(
        "indicator"
    ):
        by_start = series.get((breach.indicator_key, breach.period), {})
        evaluation = by_start.get(breach.period_start)
        holds = evaluation is not None and _run_is_missed(
            by_start, evaluation, evaluation.indicator.consecutive_misses
        )
        if not holds and breach.status != BreachStatus.WITHDRAWN:
            now = evaluation.get_status_display().lower() if evaluation else gettext("not judged")
            breach.status = BreachStatus.WITHDRAWN
            breach.status_reason = " ".join(
                [reason, gettext("The period is now %(status)s.") % {"status": now}]
            )
            breach.save(update_fields=["status", "status_reason", "updated_at"])
            withdrawn += 1
        elif holds and breach.status == BreachStatus.WITHDRAWN:
            breach.status = BreachStatus.OPEN
            breach.status_reason = " ".join([reason, gettext("The breach rule holds again.")])
            breach.value = evaluation.value
            breach.target = evaluation.indicator.target
            breach.save(update_fields=["status", "status_reason", "value", "target", "updated_at"])
            reopened += 1
    return {"raised": raised, "withdrawn": withdrawn, "reopened": reopened}
