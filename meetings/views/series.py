"""Meeting series pages: the list, a series, its calendar, its next meeting."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_object_or_404, org_required
from xmo.pagination import page_of

from .. import selectors, services
from ..calendar import series_calendar
from ..choices import MeetingStatus
from ..forms import (
    SeriesForm,
)
from ..models import MeetingSeries
from ..schedule import describe, next_occurrences
from .common import PAGE_SIZE


@org_required("view_meetings")
def index(request):
    org = request.organisation
    now = timezone.now()
    meetings = selectors.meetings_list(org)
    upcoming = list(
        meetings.exclude(status=MeetingStatus.CLOSED)
        .filter(scheduled_for__gte=now - datetime.timedelta(days=1))
        .order_by("scheduled_for")[:10]
    )
    past = page_of(
        request,
        meetings.exclude(pk__in=[m.pk for m in upcoming]).order_by("-scheduled_for"),
        PAGE_SIZE,
    )
    return render(
        request,
        "meetings/index.html",
        {
            "upcoming": upcoming,
            "past": past,
            "series_count": MeetingSeries.objects.filter(organisation=org).count(),
            "my_open_actions": selectors.open_actions(org, owner=request.user).count(),
        },
    )


@org_required("view_meetings")
def series_list(request):
    page = page_of(request, selectors.series_list(request.organisation), PAGE_SIZE)
    for series in page:
        series.rule = describe(series)
    return render(request, "meetings/series_list.html", {"page": page})


@org_required("run_meetings")
def series_create(request):
    return _series_form(request, MeetingSeries(organisation=request.organisation))


@org_required("run_meetings")
def series_edit(request, pk):
    return _series_form(request, org_object_or_404(request, MeetingSeries, pk=pk))


def _series_form(request, series):
    org = request.organisation
    form = SeriesForm(request.POST or None, instance=series, organisation=org)
    if request.method == "POST" and form.is_valid():
        saved = services.series_save(actor=request.user, organisation=org, form=form)
        messages.success(request, _("Saved the series “%(name)s”.") % {"name": saved.name})
        return redirect("meetings:series_detail", pk=saved.pk)
    return render(request, "meetings/series_form.html", {"form": form, "series": series})


@org_required("view_meetings")
def series_detail(request, pk):
    series = get_object_or_404(
        MeetingSeries.objects.select_related("organisation").prefetch_related(
            "services", "default_attendees"
        ),
        organisation=request.organisation,
        pk=pk,
    )
    occurrences = next_occurrences(series, timezone.now(), 6)
    meetings = page_of(
        request,
        selectors.meetings_list(request.organisation)
        .filter(series=series)
        .order_by("-scheduled_for"),
        PAGE_SIZE,
    )
    return render(
        request,
        "meetings/series_detail.html",
        {
            "series": series,
            "rule": describe(series),
            "occurrences": occurrences,
            "meetings": meetings,
            "recipients": [r for r in series.minutes_recipients.splitlines() if r.strip()],
        },
    )


@org_required("view_meetings")
def series_calendar_ics(request, pk):
    series = get_object_or_404(
        MeetingSeries.objects.select_related("organisation"),
        organisation=request.organisation,
        pk=pk,
    )
    response = HttpResponse(series_calendar(series), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="xmo-series-{series.pk}.ics"'
    return response


@require_POST
@org_required("run_meetings")
def series_next_meeting(request, pk):
    series = get_object_or_404(
        MeetingSeries.objects.select_related("organisation"),
        organisation=request.organisation,
        pk=pk,
    )
    meeting = services.meeting_next(actor=request.user, series=series)
    if meeting.drafted_at is None:
        services.meeting_draft(actor=request.user, meeting=meeting)
    return redirect("meetings:detail", pk=meeting.pk)


# --- the meeting ------------------------------------------------------------------------------
