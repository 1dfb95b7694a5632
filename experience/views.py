"""Score-drop review pages: the list of recent drops and each drop's trend, drivers, comments."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from meetings.forms import ActionItemForm
from meetings.models import ActionItem, AgendaItem
from meetings.services import action_create
from xmo.access import org_required
from xmo.periods import current_period
from xmo.roles import can

from .choices import DropMeasure
from .drops import services as drop_services
from .forms import DropFilterForm, InvestigationForm
from .models import ScoreDrop
from .segments import Segment, responses, segment_labels
from .selectors import trend

PAGE_SIZE = 25
COMMENTS_PAGE_SIZE = 15
RECENT_WEEKS = 8
TREND_WEEKS_BEFORE = 12
TREND_WEEKS_AFTER = 2

_SEGMENT_FIELD = {
    "service": "services",
    "persona": "personas",
    "touchpoint": "touchpoints",
    "channel": "channels",
    "location": "locations",
    "assignment_group": "assignment_groups",
}


def drop_segment(drop: ScoreDrop) -> Segment:
    field = _SEGMENT_FIELD.get(drop.segment_kind)
    return Segment(**{field: (drop.segment_value,)}) if field else Segment()


def trend_measure(drop: ScoreDrop) -> str:
    return "happiness" if drop.measure == DropMeasure.HAPPINESS else "lost_time_mean"


# --- Drivers --------------------------------------------------------------------------------
# ScoreDrop.drivers, as written by the detection job (experience/drops.py):
#   {"factors": [{"factor", "share_before", "share_after", "delta"}...],  shares in % of responses
#    "tags":    [{"tag", "share_before", "share_after", "delta"}...],
#    "mix_rate": {"mix", "rate", "total", "dominant", "child": "channel",
#                 "children": [{"key", "weight_before", "weight_after",
#                               "value_before", "value_after"}]} or None}
# Other key spellings (label/baseline_share/share, top-level mix/rate) are read too.


def _first(item: dict, *keys, default=None):
    for key in keys:
        if key in item and item[key] is not None:
            return item[key]
    return default


def _shift_rows(raw, kind: str) -> list[dict]:
    if isinstance(raw, dict):
        raw = [{"label": k, "delta": v} for k, v in raw.items()]
    rows = []
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        before = _first(item, "baseline_share", "share_before", "before", "baseline")
        after = _first(item, "share_after", "share", "share_now", "week_share", "after")
        delta = _first(item, "delta", "shift", "change")
        if delta is None and before is not None and after is not None:
            delta = after - before
        if delta is None:
            continue
        rows.append(
            {
                "kind": kind,
                "label": str(_first(item, "label", "name", "factor", "tag", "key", default="?")),
                "before": before,
                "after": after,
                "delta": float(delta),
            }
        )
    return sorted(rows, key=lambda r: -abs(r["delta"]))


def driver_view(drop: ScoreDrop) -> dict:
    drivers = drop.drivers or {}
    split = _first(drivers, "mix_rate", "split", default=drivers)
    split = split if isinstance(split, dict) else {}
    factors = _shift_rows(_first(drivers, "factors", "factor_shifts", default=[]), "Factor")
    tags = _shift_rows(_first(drivers, "tags", "tag_shifts", default=[]), "Tag")
    combined = sorted(factors + tags, key=lambda r: -abs(r["delta"]))
    mix, rate = _first(split, "mix"), _first(split, "rate")
    segments = []
    for seg in _first(split, "segments", "children", default=[]) or []:
        if isinstance(seg, dict):
            before_w, after_w = _first(seg, "weight_before"), _first(seg, "weight_after")
            segments.append(
                {
                    "label": _first(seg, "label", "name", "key", default="?") or "(none)",
                    "before_share": _first(
                        seg,
                        "baseline_share",
                        "share_before",
                        default=None if before_w is None else 100 * before_w,
                    ),
                    "after_share": _first(
                        seg,
                        "share_after",
                        "share",
                        default=None if after_w is None else 100 * after_w,
                    ),
                    "before_value": _first(seg, "baseline_value", "value_before"),
                    "after_value": _first(seg, "value_after", "value", "value_now"),
                    "mix": _first(seg, "mix"),
                    "rate": _first(seg, "rate"),
                }
            )
            row = segments[-1]
            v0, v1 = row["before_value"], row["after_value"]
            if row["mix"] is None and None not in (before_w, after_w, v0):
                # This child's part of the split: mix = (w1 − w0)·h0, rate = w1·(h1 − h0).
                row["mix"] = (after_w - before_w) * v0
                if v1 is not None:
                    row["rate"] = after_w * (v1 - v0)
    dimension = _first(split, "child", "dimension", "by", default="")
    if dimension in ("service", "persona", "channel", "touchpoint") and segments:
        # Show sub-segments by name (Virtual agent, Walk-in), never by stored code.
        names = segment_labels(drop.organisation, dimension, [s["label"] for s in segments])
        for row in segments:
            row["label"] = names.get(row["label"], row["label"])
    return {
        "factors": factors,
        "tags": tags,
        "top": combined[0] if combined else None,
        "rows": combined[:15],
        "mix": mix,
        "rate": rate,
        "dimension": _first(split, "child", "dimension", "by", default=""),
        "segments": segments,
        "explanation": _mix_rate_words(drop, mix, rate, _first(split, "child", "dimension", "by")),
        "figure": _drivers_figure(combined[:10]) if combined else None,
    }


def _mix_rate_words(drop, mix, rate, dimension) -> str:
    if mix is None or rate is None:
        return ""
    unit = "points" if drop.measure == DropMeasure.HAPPINESS else "minutes"
    groups = f"{dimension.replace('_', ' ')}s" if dimension else "sub-segments"
    total = mix + rate

    def signed(value):
        return f"{value:+.1f}".replace("-", "\u2212")

    text = (
        f"Of the {signed(total)} {unit} change, {signed(mix)} comes from mix — responses moving "
        f"between {groups} that score differently — and {signed(rate)} from rate — scores "
        f"changing within the {groups} themselves. "
    )
    if abs(rate) >= 2 * abs(mix):
        text += "This is mostly a real change in experience, not a change in who answered."
    elif abs(mix) >= 2 * abs(rate):
        text += (
            "This is mostly a change in who answered (volume shifting between groups); "
            "the experience inside each group moved little."
        )
    else:
        text += "Both effects matter: look at the volume shift and at the groups that fell."
    return text


def _drivers_figure(rows: list[dict]) -> dict:
    rows = list(reversed(rows))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(r["delta"], 2) for r in rows],
                "y": [f"{r['kind']}: {r['label']}" for r in rows],
                "marker": {"color": ["#e03131" if r["delta"] > 0 else "#2f9e44" for r in rows]},
                "hovertemplate": "%{y}: %{x:+.1f} pts<extra></extra>",
            }
        ],
        "layout": {
            "height": max(220, 34 * len(rows) + 60),
            "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
            "xaxis": {"title": {"text": "Change in share (points)"}, "zeroline": True},
            "yaxis": {"automargin": True},
        },
    }


def _trend_figure(drop: ScoreDrop, series: list[dict]) -> dict:
    x = [row["period_start"].isoformat() for row in series]
    # Points sit at each week's Monday; shade half a week either side of the drop's point.
    half = datetime.timedelta(days=3, hours=12)
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "x": x,
                "y": [row["ci_high"] for row in series],
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "95 % confidence interval",
                "x": x,
                "y": [row["ci_low"] for row in series],
                "fill": "tonexty",
                "fillcolor": "rgba(66,99,235,0.15)",
                "line": {"width": 0},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Weekly value",
                "x": x,
                "y": [row["value"] for row in series],
                "text": [f"n={row['n']}" for row in series],
                "line": {"color": "#4263eb"},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Baseline",
                "x": [x[0], x[-1]] if x else [],
                "y": [drop.baseline_value, drop.baseline_value] if x else [],
                "line": {"dash": "dot", "color": "#868e96"},
            },
        ],
        "layout": {
            "height": 320,
            "margin": {"l": 50, "r": 20, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"type": "date"},
            "shapes": [
                {
                    "type": "rect",
                    "xref": "x",
                    "yref": "paper",
                    "x0": (
                        datetime.datetime.combine(drop.week_start, datetime.time()) - half
                    ).isoformat(),
                    "x1": (
                        datetime.datetime.combine(drop.week_start, datetime.time()) + half
                    ).isoformat(),
                    "y0": 0,
                    "y1": 1,
                    "fillcolor": "rgba(224,49,49,0.10)",
                    "line": {"width": 0},
                }
            ],
        },
    }


# --- Pages ----------------------------------------------------------------------------------


def incident_entries(drops) -> list[dict]:
    """One entry per incident among the drops (its headline first), one per ungrouped drop."""
    groups: dict = {}
    for drop in drops:
        key = ("incident", drop.incident_id) if drop.incident_id else ("drop", drop.pk)
        groups.setdefault(key, []).append(drop)
    entries = []
    for members in groups.values():
        incident = members[0].incident
        lead = members[0]
        if incident is not None:
            heads = [
                d
                for d in members
                if (d.segment_kind, d.segment_value)
                == (incident.headline_kind, incident.headline_value)
            ]
            lead = heads[0] if heads else lead
        others = sorted(
            (d for d in members if d.pk != lead.pk),
            key=lambda d: (-(d.explained_share or 0), d.delta, d.pk),
        )
        entries.append({"incident": incident, "lead": lead, "others": others})
    entries.sort(key=lambda e: (-e["lead"].week_start.toordinal(), e["lead"].delta, -e["lead"].pk))
    return entries


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
        this_week, _ = current_period(org, "week")
        drops = drops.filter(week_start__gte=this_week - datetime.timedelta(weeks=RECENT_WEEKS))
    for field in ("measure", "segment_kind", "status"):
        if filters.get(field):
            drops = drops.filter(**{field: filters[field]})
    drops = drops.select_related("service", "acknowledged_by", "incident").order_by(
        "-week_start", "delta", "-id"
    )
    page = Paginator(incident_entries(drops), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "form": form,
        "query": query.urlencode(),
        "recent_weeks": RECENT_WEEKS,
        "filtered": any(filters.get(f) for f in ("measure", "segment_kind", "status"))
        or bool(week),
    }
    template = "experience/_drop_rows.html" if request.htmx else "experience/drop_list.html"
    return render(request, template, context)


def _drop_or_404(request, pk) -> ScoreDrop:
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
    return Paginator(comments, COMMENTS_PAGE_SIZE).get_page(request.GET.get("comments_page"))


def _work_context(request, drop, **extra):
    org = request.organisation
    context = {
        "drop": drop,
        "investigation_form": InvestigationForm(initial={"notes": drop.investigation_notes}),
        "action_form": ActionItemForm(organisation=org),
        "actions": ActionItem.objects.filter(organisation=org, score_drop=drop).select_related(
            "owner"
        ),
        "agenda_items": AgendaItem.objects.filter(
            meeting__organisation=org, source_key=f"drop:{drop.pk}"
        ).select_related("meeting", "meeting__series"),
        "next_meeting": drop_services.next_weekly_meeting(org),
    }
    context.update(extra)
    return context


@org_required("view_score_drops")
def drop_detail(request, pk):
    drop = _drop_or_404(request, pk)
    # Comments are feedback: only roles that read feedback see them.
    reads_feedback = can(request.membership, "view_feedback")
    comments = _comments_page(request, drop) if reads_feedback else None
    if request.htmx and "comments_page" in request.GET:
        if not reads_feedback:
            raise PermissionDenied("Your role may not view feedback.")
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
        trend_figure=_trend_figure(drop, series) if series else None,
        series=series,
    )
    return render(request, "experience/drop_detail.html", context)


def _done(request, drop, text, level=messages.SUCCESS, **extra):
    """htmx gets the refreshed review panel; a plain form post goes back to the page."""
    if request.htmx:
        drop = _drop_or_404(request, drop.pk)
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
    drop = drop_services.drop_acknowledge(actor=request.user, drop=_drop_or_404(request, pk))
    return _done(request, drop, "Score drop acknowledged.")


@org_required("review_score_drops")
@require_POST
def drop_investigate(request, pk):
    drop = _drop_or_404(request, pk)
    form = InvestigationForm(request.POST)
    if not form.is_valid():
        return _done(
            request,
            drop,
            "Write what you are investigating to open the investigation.",
            messages.ERROR,
            investigation_form=form,
        )
    drop = drop_services.drop_investigate(
        actor=request.user, drop=drop, notes=form.cleaned_data["notes"]
    )
    return _done(request, drop, "Investigation opened.")


@org_required("review_score_drops")
@require_POST
def drop_close(request, pk):
    drop = drop_services.drop_close(actor=request.user, drop=_drop_or_404(request, pk))
    return _done(request, drop, "Score drop closed.")


@org_required("review_score_drops")
@require_POST
def drop_action_create(request, pk):
    drop = _drop_or_404(request, pk)
    form = ActionItemForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return _done(
            request,
            drop,
            "The action needs a title: " + form.errors.as_text(),
            messages.ERROR,
            action_form=form,
        )
    action_create(
        actor=request.user, organisation=drop.organisation, score_drop=drop, **form.cleaned_data
    )
    return _done(request, drop, "Action created.")


@org_required("review_score_drops")
@require_POST
def drop_add_to_agenda(request, pk):
    drop = _drop_or_404(request, pk)
    try:
        item, created = drop_services.drop_add_to_agenda(actor=request.user, drop=drop)
    except drop_services.NoPlannedMeeting:
        return _done(
            request,
            drop,
            "No weekly meeting is planned yet, so the drop could not be put on an agenda. "
            "Plan the next weekly operational review under Meetings, then try again.",
            messages.WARNING,
        )
    when = f"{item.meeting.scheduled_for:%d %b %Y}"
    text = (
        f"Added to the agenda of {item.meeting.series} on {when}."
        if created
        else f"Already on the agenda of {item.meeting.series} on {when}."
    )
    return _done(request, drop, text)
