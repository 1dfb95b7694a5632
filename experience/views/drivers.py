"""What a score drop's page shows: its segment, the drivers in words, the two figures,
and the list's grouping of drops into incidents."""

from __future__ import annotations

import datetime

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xmo import palette
from xmo.templatetags.xmo_format import format_number

from ..choices import DropMeasure, SegmentKind
from ..models import ScoreDrop
from ..segments import Segment, segment_labels

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
# ScoreDrop.drivers, as written by the detection job (experience/drops/detect.py):
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


def _shift_rows(raw, kind: str, note: str) -> list[dict]:
    """`kind` heads a sentence ("Factor"), `note` follows a name ("factor"; German keeps
    the capital)."""
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
                "note": note,
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
    factors = _shift_rows(
        _first(drivers, "factors", "factor_shifts", default=[]),
        _("Factor"),
        pgettext("after a name", "factor"),
    )
    tags = _shift_rows(
        _first(drivers, "tags", "tag_shifts", default=[]), _("Tag"), pgettext("after a name", "tag")
    )
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
        "dimension": dimension,
        "dimension_label": _dimension_label(dimension),
        "segments": segments,
        "explanation": _mix_rate_words(drop, mix, rate, _first(split, "child", "dimension", "by")),
        "figure": _drivers_figure(combined[:10]) if combined else None,
    }


def _dimension_label(dimension) -> str:
    if dimension in SegmentKind.values:
        return str(SegmentKind(dimension).label)
    return _("Sub-segment")


# The groups a mix/rate split runs over, in the plural, as the sentence names them.
def _groups(dimension) -> str:
    groups = {
        "service": _("services"),
        "persona": _("personas"),
        "touchpoint": _("touchpoints"),
        "channel": _("channels"),
        "location": _("locations"),
        "assignment_group": _("assignment groups"),
    }
    if not dimension:
        return _("sub-segments")
    return groups.get(dimension, f"{dimension.replace('_', ' ')}s")


def _mix_rate_words(drop, mix, rate, dimension) -> str:
    if mix is None or rate is None:
        return ""
    values = {
        "total": format_number(mix + rate, 1, sign=True),
        "mix": format_number(mix, 1, sign=True),
        "rate": format_number(rate, 1, sign=True),
        "groups": _groups(dimension),
    }
    if drop.measure == DropMeasure.HAPPINESS:
        text = _(
            "Of the %(total)s points change, %(mix)s comes from mix — responses moving between "
            "%(groups)s that score differently — and %(rate)s from rate — scores changing within "
            "the %(groups)s themselves."
        )
    else:
        text = _(
            "Of the %(total)s minutes change, %(mix)s comes from mix — responses moving between "
            "%(groups)s that score differently — and %(rate)s from rate — scores changing within "
            "the %(groups)s themselves."
        )
    text = text % values + " "
    if abs(rate) >= 2 * abs(mix):
        text += _("This is mostly a real change in experience, not a change in who answered.")
    elif abs(mix) >= 2 * abs(rate):
        text += _(
            "This is mostly a change in who answered (volume shifting between groups); "
            "the experience inside each group moved little."
        )
    else:
        text += _("Both effects matter: look at the volume shift and at the groups that fell.")
    return text


def _separators() -> dict:
    """Plotly's own number format follows the page's language ("12,5" in German)."""
    decimal = get_format("DECIMAL_SEPARATOR")
    return {"separators": decimal + get_format("THOUSAND_SEPARATOR")} if decimal != "." else {}


def _drivers_figure(rows: list[dict]) -> dict:
    rows = list(reversed(rows))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [round(r["delta"], 2) for r in rows],
                "y": [f"{r['kind']}: {r['label']}" for r in rows],
                "marker": {
                    "color": [palette.WORSE if r["delta"] > 0 else palette.BETTER for r in rows]
                },
                "hovertemplate": "%{y}: %{x:+.1f} " + _("pts") + "<extra></extra>",
            }
        ],
        "layout": {
            "height": max(220, 34 * len(rows) + 60),
            "margin": {"l": 10, "r": 20, "t": 10, "b": 40},
            "xaxis": {"title": {"text": _("Change in share (points)")}, "zeroline": True},
            "yaxis": {"automargin": True},
            **_separators(),
        },
    }


def trend_figure(drop: ScoreDrop, series: list[dict]) -> dict:
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
                # xgettext:no-python-format
                "name": _("95 % confidence interval"),
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
                "name": _("Weekly value"),
                "x": x,
                "y": [row["value"] for row in series],
                "text": [f"n={row['n']}" for row in series],
                "line": {"color": palette.LINE},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Baseline"),
                "x": [x[0], x[-1]] if x else [],
                "y": [drop.baseline_value, drop.baseline_value] if x else [],
                "line": {"dash": "dot", "color": palette.BENCHMARK},
            },
        ],
        "layout": {
            "height": 320,
            "margin": {"l": 50, "r": 20, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"type": "date"},
            **_separators(),
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
