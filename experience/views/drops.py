"""Score-drop review pages: the list of recent drops and each drop's trend, drivers, comments.

The review panel's actions and agenda entry belong to meetings: the panel includes them
through meetings' template tags and meetings' views answer their forms with this panel
(`after_drop_write`).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_required
from xmo.pagination import page_of, query_without_page
from xmo.periods import current_period
from xmo.roles import can

from ..drops import services as drop_services
from ..forms import DropFilterForm, InvestigationForm
from ..models import ScoreDrop
from ..segments import responses
from ..selectors import trend
from .drivers import driver_view, drop_segment, incident_entries, trend_figure, trend_measure

PAGE_SIZE = 25
COMMENTS_PAGE_SIZE = 15
RECENT_WEEKS = 8
TREND_WEEKS_BEFORE = 12
TREND_WEEKS_AFTER = 2


@org_required("view_score_drops")
def drop_list(request):
    org = request.organisation
    drops = ScoreDrop.objects.filter(organisation=org)
    weeks = list(drops.order_by("-week_start").values_list("week_start", flat=True).distinct()[:52])
    form = DropFilterForm(request.GET or None, weeks=weeks)
    filters = form.cleaned_data if form.is_valid() else {}
    week = filters.get("week")
    if week == "all":
        pass
    elif week:
        drops = drops.filter(week_start=datetime.date.fromisoformat(week))
    else:
        this_week, _next = current_period(org, "week")
        drops = drops.filter(week_start__gte=this_week - datetime.timedelta(weeks=RECENT_WEEKS))
    for field in ("measure", "segment_kind", "status"):
        if filters.get(field):
            drops = drops.filter(**{field: filters[field]})
    drops = drops.select_related("service", "acknowledged_by", "incident").order_by(
        "-week_start", "delta", "-id"
    )
    page = page_of(request, incident_entries(drops), PAGE_SIZE)
    context = {
        "page": page,
        "form": form,
        "query": query_without_page(request),
        "recent_weeks": RECENT_WEEKS,
        "filtered": any(filters.get(f) for f in ("measure", "segment_kind", "status"))
        or bool(week),
    }
    template = "experience/_drop_rows.html" if request.htmx else "experience/drop_list.html"
    return render(request, template, context)


def drop_or_404(request, pk) -> ScoreDrop:
    """The organisation's score drop; another organisation's is a 404."""
    return get_object_or_404(
        ScoreDrop.objects.select_related("service", "acknowledged_by"),
        pk=pk,
        organisation=request.organisation,
    )


def _comments_page(request, drop):
    week_end = drop.week_start + datetime.timedelta(days=7)
    comments = (
        responses(request.organisation, drop.week_start, week_end, drop_segment(drop))
        .exclude(comment="")
        .select_related("service", "persona")
        .order_by("score", "-submitted_at", "-id")
    )
    return page_of(request, comments, COMMENTS_PAGE_SIZE, "comments_page")


def _work_context(request, drop, **extra):
    context = {
        "drop": drop,
        "investigation_form": InvestigationForm(initial={"notes": drop.investigation_notes}),
    }
    context.update(extra)
    return context


@org_required("view_score_drops")
def drop_detail(request, pk):
    drop = drop_or_404(request, pk)
    # Comments are feedback: only roles that read feedback see them.
    reads_feedback = can(request.membership, "view_feedback")
    comments = _comments_page(request, drop) if reads_feedback else None
    if request.htmx and "comments_page" in request.GET:
        if not reads_feedback:
            raise PermissionDenied(_("Your role may not view feedback."))
        return render(
            request, "experience/_drop_comments.html", {"drop": drop, "comments": comments}
        )
    org = request.organisation
    this_week, next_week = current_period(org, "week")
    start = drop.week_start - datetime.timedelta(weeks=TREND_WEEKS_BEFORE)
    end = min(drop.week_start + datetime.timedelta(weeks=TREND_WEEKS_AFTER + 1), next_week)
    series = trend(
        org,
        measure_name=trend_measure(drop),
        period="week",
        start=start,
        end=end,
        segment=drop_segment(drop),
    )
    context = _work_context(
        request,
        drop,
        comments=comments,
        drivers=driver_view(drop),
        trend_figure=trend_figure(drop, series) if series else None,
        series=series,
    )
    return render(request, "experience/drop_detail.html", context)


def after_drop_write(request, drop, text, level=messages.SUCCESS, **extra):
    """htmx gets the refreshed review panel; a plain form post goes back to the page."""
    if request.htmx:
        drop = drop_or_404(request, drop.pk)
        return render(
            request,
            "experience/_drop_work.html",
            _work_context(request, drop, notice=text, notice_level=level, **extra),
            status=400 if level == messages.ERROR else 200,
        )
    messages.add_message(request, level, text)
    return redirect("experience:drop_detail", pk=drop.pk)


@org_required("review_score_drops")
@require_POST
def drop_acknowledge(request, pk):
    drop = drop_services.drop_acknowledge(actor=request.user, drop=drop_or_404(request, pk))
    return after_drop_write(request, drop, _("Score drop acknowledged."))


@org_required("review_score_drops")
@require_POST
def drop_investigate(request, pk):
    drop = drop_or_404(request, pk)
    form = InvestigationForm(request.POST)
    if not form.is_valid():
        return after_drop_write(
            request,
            drop,
            _("Write what you are investigating to open the investigation."),
            messages.ERROR,
            investigation_form=form,
        )
    drop = drop_services.drop_investigate(
        actor=request.user, drop=drop, notes=form.cleaned_data["notes"]
    )
    return after_drop_write(request, drop, _("Investigation opened."))


@org_required("review_score_drops")
@require_POST
def drop_close(request, pk):
    drop = drop_services.drop_close(actor=request.user, drop=drop_or_404(request, pk))
    return after_drop_write(request, drop, _("Score drop closed."))
