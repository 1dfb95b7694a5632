"""The home page's sections, one per role: what each person comes to do, with counts and links.

- officer (and admin): the work queue, each count linking to the list filtered to it;
- leader (and admin, viewer): the month at a glance, the dashboard's own cached tiles, and
  (leader, admin) what waits for their approval;
- member, and anyone with open actions or meetings to attend: the next meeting, their actions;
- service owner, and anyone who owns a service: their services.

Sections add up: a person who fits several descriptions sees each section that fits.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from experience.choices import DropStatus, TriageStatus
from experience.models import Incident, ScoreDrop, Service, SurveyResponse
from experience.segments import Segment
from experience.selectors import breakdown
from meetings.choices import MeetingStatus
from meetings.models import ActionItem, Meeting
from meetings.selectors import OPEN as OPEN_ACTIONS
from xlas.choices import BreachStatus, VersionStatus
from xlas.models import Breach, XLAVersion
from xmo.periods import current_period, local_today
from xmo.roles import ADMIN, LEADER, MEMBER, OFFICER, SERVICE_OWNER, VIEWER

from .choices import ReportStatus
from .dashboard.figures import dashboard_data, normalise_filters
from .models import MonthlyReport

OPEN_BREACH = (BreachStatus.OPEN, BreachStatus.INVESTIGATING)
MAX_ACTIONS = 10


def _url(name: str, **params) -> str:
    url = reverse(name)
    if params:
        url += "?" + urlencode(params, doseq=True)
    return url


def work_queue(org) -> list[dict]:
    """The officer's queue: each item a count and the filtered list it opens."""
    comments = (
        SurveyResponse.objects.filter(organisation=org, triage_status=TriageStatus.NEW)
        .exclude(comment="")
        .count()
    )
    drops = ScoreDrop.objects.filter(organisation=org, status=DropStatus.NEW).count()
    incidents = Incident.objects.filter(organisation=org, status=DropStatus.NEW).count()
    breaches = Breach.objects.filter(
        organisation=org, status=BreachStatus.OPEN, acknowledged_at__isnull=True
    ).count()
    reports = dict(
        MonthlyReport.objects.filter(
            organisation=org, status__in=[ReportStatus.DRAFT, ReportStatus.IN_REVIEW]
        )
        .values_list("status")
        .annotate(n=Count("id"))
    )
    overdue = ActionItem.objects.filter(
        organisation=org, status__in=OPEN_ACTIONS, due_on__lt=local_today(org)
    ).count()
    return [
        {
            "key": "comments",
            "label": _("New comments to triage"),
            "count": comments,
            "unit": ngettext("comment", "comments", comments),
            "url": _url("feedback:inbox", status=TriageStatus.NEW),
        },
        {
            "key": "drops",
            "label": _("New score drops"),
            "count": drops,
            "unit": ngettext(
                "drops in %(count)s new incident", "drops in %(count)s new incidents", incidents
            )
            % {"count": incidents},
            "url": _url("experience:drop_list", week="all", status=DropStatus.NEW),
        },
        {
            "key": "breaches",
            "label": _("Unacknowledged breaches"),
            "count": breaches,
            "unit": ngettext("breach", "breaches", breaches),
            "url": _url("xlas:breach_list", status=BreachStatus.OPEN, acknowledged="false"),
        },
        {
            "key": "reports",
            "label": _("Reports in draft or review"),
            "count": sum(reports.values()),
            "unit": _("%(draft)s draft, %(in_review)s in review")
            % {
                "draft": reports.get(ReportStatus.DRAFT, 0),
                "in_review": reports.get(ReportStatus.IN_REVIEW, 0),
            },
            "url": _url("reports:archive", status=[ReportStatus.DRAFT, ReportStatus.IN_REVIEW]),
        },
        {
            "key": "actions",
            "label": _("Overdue actions"),
            "count": overdue,
            "unit": ngettext("action", "actions", overdue),
            "url": _url("meetings:actions", overdue="1"),
        },
    ]


def month_at_a_glance(org, membership) -> dict:
    """The dashboard's headline tiles for its default month, from the dashboard's own cache.

    The same call the dashboard makes with no filters, so the figures are the dashboard's.
    """
    filters = normalise_filters(org, membership, QueryDict())
    data = dashboard_data(org, filters)
    latest = (
        MonthlyReport.objects.filter(organisation=org, status=ReportStatus.PUBLISHED)
        .order_by("-month")
        .first()
    )
    return {
        "month": datetime.date.fromisoformat(data["month"]),
        "tiles": data["tiles"],
        "lost_time_cost": data["lost_time_cost"],
        "latest_report": latest,
    }


def approvals(org) -> list[dict]:
    """What waits for a leader: reports in review, XLA versions proposed for approval."""
    in_review = MonthlyReport.objects.filter(
        organisation=org, status=ReportStatus.IN_REVIEW
    ).count()
    proposed = XLAVersion.objects.filter(
        xla__organisation=org, status=VersionStatus.PROPOSED
    ).count()
    return [
        {
            "key": "reports_in_review",
            "label": _("Reports in review, to read before publication"),
            "count": in_review,
            "unit": ngettext("report", "reports", in_review),
            "url": _url("reports:archive", status=ReportStatus.IN_REVIEW),
        },
        {
            "key": "xla_versions",
            "label": _("XLA changes awaiting approval"),
            "count": proposed,
            "unit": ngettext("version", "versions", proposed),
            "url": _url("xlas:xla_list", awaiting="approval"),
        },
    ]


def next_meeting(org, user):
    """The next meeting the person attends; else the organisation's next one."""
    upcoming = (
        Meeting.objects.filter(organisation=org, scheduled_for__gte=_start_of_today(org))
        .exclude(status=MeetingStatus.CLOSED)
        .select_related("series")
        .annotate(items=Count("agenda_items", filter=Q(agenda_items__is_removed=False)))
        .order_by("scheduled_for")
    )
    return upcoming.filter(attendees__user=user).first() or upcoming.first()


def _start_of_today(org):
    from xmo.periods import local_date_to_utc

    return local_date_to_utc(org, local_today(org))


def my_actions(org, user) -> dict:
    qs = ActionItem.objects.filter(organisation=org, owner=user, status__in=OPEN_ACTIONS)
    today = local_today(org)
    return {
        "count": qs.count(),
        "overdue": qs.filter(due_on__lt=today).count(),
        "rows": list(qs.select_related("meeting__series").order_by("due_on", "id")[:MAX_ACTIONS]),
        "today": today,
        "url": reverse("meetings:actions_mine"),
    }


def my_services(org, user) -> list[dict]:
    """The person's services: this month's happiness (one breakdown), open breaches, link."""
    services = list(Service.objects.filter(organisation=org, owner=user).order_by("name"))
    if not services:
        return []
    start, end = current_period(org, "month")
    happiness = {
        row["key"]: row
        for row in breakdown(
            org,
            measure_name="happiness",
            dimension="service",
            start=start,
            end=end,
            segment=Segment(services=tuple(s.slug for s in services)),
        )
    }
    breaches = dict(
        Breach.objects.filter(organisation=org, status__in=OPEN_BREACH, xla__services__in=services)
        .values_list("xla__services")
        .annotate(n=Count("id", distinct=True))
    )
    return [
        {
            "service": s,
            "happiness": happiness.get(s.slug, {}).get("value"),
            "n": happiness.get(s.slug, {}).get("n", 0),
            "open_breaches": breaches.get(s.pk, 0),
            "url": reverse("experience:service_experience", args=[s.slug]),
            "breaches_url": _url("xlas:breach_list", service=s.pk, status=list(OPEN_BREACH)),
        }
        for s in services
    ]


def home_figures(membership) -> dict:
    """Every section the person's role (and what they own or attend) calls for."""
    org, user, role = membership.organisation, membership.user, membership.role
    sections: dict = {}
    if role in (OFFICER, ADMIN):
        sections["queue"] = work_queue(org)
    if role in (LEADER, ADMIN, VIEWER):
        sections["glance"] = month_at_a_glance(org, membership)
    if role in (LEADER, ADMIN):
        sections["approvals"] = approvals(org)
    actions = my_actions(org, user)
    if role == MEMBER or actions["count"]:
        sections["actions"] = actions
        sections["next_meeting"] = next_meeting(org, user)
    services = my_services(org, user)
    if role == SERVICE_OWNER or services:
        sections["services"] = services
    return sections
