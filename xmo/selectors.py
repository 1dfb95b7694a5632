"""Reads for the office pages, always scoped to one organisation."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from .models import Membership


def memberships_of(user):
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def organisation_members(org):
    """The active people of the organisation, for owner and assignee pickers."""
    return (
        get_user_model()
        .objects.filter(memberships__organisation=org, is_active=True)
        .order_by("username")
        .distinct()
    )


def local_now(org) -> datetime.datetime:
    return timezone.now().astimezone(ZoneInfo(org.time_zone))


def month_bounds(org, month_start: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """UTC instants bounding a local calendar month of the organisation."""
    tz = ZoneInfo(org.time_zone)
    start = datetime.datetime.combine(month_start, datetime.time.min, tzinfo=tz)
    nxt = (month_start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    end = datetime.datetime.combine(nxt, datetime.time.min, tzinfo=tz)
    return start, end


def notifications_of(user, org):
    """The person's notifications in the centre (not the e-mail-only ones), newest first."""
    from .models import Notification

    return Notification.objects.filter(recipient=user, organisation=org, in_app=True).order_by(
        "-created_at", "-id"
    )


def unread_notification_count(user, org) -> int:
    """One COUNT on the (recipient, read_at) index: the badge in the header."""
    return notifications_of(user, org).filter(read_at__isnull=True).count()


def notification_preferences_of(user, org) -> list[dict]:
    """Every known kind (and any other the person has a preference for) with its channel."""
    from .choices import NOTIFICATION_KINDS
    from .models import NotificationPreference

    chosen = dict(
        NotificationPreference.objects.filter(user=user, organisation=org).values_list(
            "kind", "channel"
        )
    )
    kinds = dict(NOTIFICATION_KINDS)
    for kind in chosen:
        kinds.setdefault(kind, kind)
    return [
        {"kind": kind, "label": label, "channel": chosen.get(kind, "both")}
        for kind, label in kinds.items()
    ]
