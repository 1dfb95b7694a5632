"""Silent feeds: a service or API token that usually sends and has stopped.

A source "usually sends" when it sent responses on at least ACTIVE_DAYS of the last
WINDOW_DAYS days (days of receipt, local); it is silent when nothing arrived for longer than
the organisation's silent_feed_gap_hours. Each silence opens one DataQualityAlert (one open
per subject) and notifies the admins once; the alert is resolved when data returns.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xmo import webhooks
from xmo.choices import Role
from xmo.i18n import later, later_number
from xmo.models import ApiToken, Membership
from xmo.notifying import notify

from .choices import AlertKind
from .models import DataQualityAlert, Service, SurveyResponse

WINDOW_DAYS = 28
ACTIVE_DAYS = 15  # more than half of the window


def _sources(org, since):
    """{subject: (label, days active, last received_at)} for services and tokens."""
    tz = ZoneInfo(org.time_zone)
    recent = SurveyResponse.objects.filter(organisation=org, received_at__gte=since)
    found = {}
    for field, prefix in (("service_id", "service"), ("source_token_id", "token")):
        days = (
            recent.exclude(**{f"{field}__isnull": True})
            .annotate(day=TruncDate("received_at", tzinfo=tz))
            .values(field, "day")
            .distinct()
            .order_by()
        )
        active: dict = {}
        for row in days:
            active[row[field]] = active.get(row[field], 0) + 1
        last = dict(
            SurveyResponse.objects.filter(organisation=org, **{f"{field}__in": list(active)})
            .values(field)
            .annotate(last=Max("received_at"))
            .values_list(field, "last")
            .order_by()
        )
        for pk, count in active.items():
            found[f"{prefix}:{pk}"] = (prefix, pk, count, last.get(pk))
    return found


def _label(prefix, pk) -> str:
    if prefix == "service":
        service = Service.objects.filter(pk=pk).first()
        return f"service {service.name}" if service else f"service {pk}"
    token = ApiToken.objects.filter(pk=pk).first()
    return f"API token {token.name}" if token else f"API token {pk}"


def _source_words(prefix, pk):
    """The source in the recipient's language: "service Portal" / "Service Portal"."""
    if prefix == "service":
        service = Service.objects.filter(pk=pk).first()
        return later(_("service %(name)s"), name=service.name if service else pk)
    token = ApiToken.objects.filter(pk=pk).first()
    return later(_("API token %(name)s"), name=token.name if token else pk)


def silent_feed_notice(prefix, pk, *, hours: int, days: int) -> dict:
    """Title and body of the admins' notification, lazy: each reads it in their language."""
    source = _source_words(prefix, pk)
    return {
        "title": later(_("Silent feed: %(source)s"), source=source),
        "body": later(
            _(
                "No responses from %(source)s for %(hours)s hours; it sent on %(days)s of the "
                "last %(window)s days."
            ),
            source=source,
            hours=later_number(hours),
            days=later_number(days),
            window=later_number(WINDOW_DAYS),
        ),
    }


def detect_silent_feeds(org, *, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    gap = datetime.timedelta(hours=org.silent_feed_gap_hours)
    sources = _sources(org, now - datetime.timedelta(days=WINDOW_DAYS))
    open_alerts = {
        a.subject: a
        for a in DataQualityAlert.objects.filter(
            organisation=org, kind=AlertKind.SILENT_FEED, resolved_at__isnull=True
        )
    }
    admins = [
        m.user
        for m in Membership.objects.filter(organisation=org, role=Role.ADMIN).select_related("user")
    ]
    opened = resolved = 0
    for subject, (prefix, pk, days, last) in sources.items():
        silent = last is not None and now - last > gap
        alert = open_alerts.get(subject)
        if silent and days >= ACTIVE_DAYS and alert is None:
            hours = int((now - last).total_seconds() // 3600)
            label = _label(prefix, pk)
            try:
                with transaction.atomic():
                    alert = DataQualityAlert.objects.create(
                        organisation=org,
                        kind=AlertKind.SILENT_FEED,
                        subject=subject,
                        message=(
                            f"No responses from {label} for {hours} hours; it sent on "
                            f"{days} of the last {WINDOW_DAYS} days."
                        ),
                        last_seen_at=last,
                    )
                    webhooks.emit(
                        organisation_id=org.pk,
                        event=webhooks.events.FEED_SILENT,
                        key=f"alert:{alert.pk}",
                        payload={
                            "id": alert.pk,
                            "title": f"Silent feed: {label}",
                            "summary": alert.message,
                            "source": {"kind": prefix, "id": pk, "label": label},
                            "last_seen_at": last,
                            "silent_hours": hours,
                        },
                    )
            except IntegrityError:  # opened by a concurrent run
                continue
            opened += 1
            notify(
                organisation=org,
                recipients=admins,
                kind="silent_feed",
                **silent_feed_notice(prefix, pk, hours=hours, days=days),
                dedupe_key=f"silent-feed:{alert.pk}",
            )
        elif not silent and alert is not None:
            alert.resolved_at = now
            alert.last_seen_at = last
            alert.save(update_fields=["resolved_at", "last_seen_at"])
            resolved += 1
    return {"opened": opened, "resolved": resolved}
