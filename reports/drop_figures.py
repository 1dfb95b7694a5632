"""The report's "Score drops and their drivers" figures: one row per incident or drop.

Incidents group the drops of one week that share responses (experience/drops/incidents.py);
the report shows each incident once, under its headline drop, with its strongest factor and
tag shifts and the mix/rate split of the change.
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext

from experience.models import ScoreDrop
from experience.segments import segment_labels


def _iso(value):
    return value.isoformat() if value is not None else None


def _driver_items(items) -> list[dict]:
    result = []
    for item in items or []:
        if isinstance(item, dict):
            name = next(
                (item[k] for k in ("label", "name", "factor", "tag", "key") if item.get(k)), ""
            )
            change = next(
                (item[k] for k in ("delta", "change", "share_delta", "contribution") if k in item),
                None,
            )
            result.append({"name": str(name), "change": change})
        else:
            result.append({"name": str(item), "change": None})
    return result


def top_drivers(drivers, limit: int = 3, labels: dict | None = None) -> dict:
    """The strongest factor and tag shifts of a drop, and its mix/rate split when known.

    The detector (experience/drops.py) stores the split under drivers["mix_rate"] with one
    row per sub-segment (service or channel); older rows kept mix and rate at the top level.
    `labels` maps a sub-segment key to its display name.
    """
    drivers = drivers if isinstance(drivers, dict) else {}
    split = drivers.get("mix_rate") if isinstance(drivers.get("mix_rate"), dict) else drivers
    labels = labels or {}

    def strongest(items):
        items = _driver_items(items)
        return sorted(
            items,
            key=lambda d: -abs(d["change"]) if isinstance(d["change"], int | float) else 0,
        )[:limit]

    segments = []
    for child in split.get("children") or []:
        if not isinstance(child, dict):
            continue
        w0, w1 = child.get("weight_before"), child.get("weight_after")
        v0, v1 = child.get("value_before"), child.get("value_after")
        key = child.get("key") or ""
        complete = None not in (w0, w1, v0, v1)
        segments.append(
            {
                "key": key,
                "label": labels.get(key) or key or gettext("(none)"),
                "share_before": None if w0 is None else round(100 * w0, 2),
                "share_after": None if w1 is None else round(100 * w1, 2),
                "value_before": v0,
                "value_after": v1,
                # This sub-segment's part of the split: mix = (w1 − w0)·h0, rate = w1·(h1 − h0).
                "mix": round((w1 - w0) * v0, 4) if complete else None,
                "rate": round(w1 * (v1 - v0), 4) if complete else None,
            }
        )
    return {
        "factors": strongest(drivers.get("factors")),
        "tags": strongest(drivers.get("tags")),
        "mix": split.get("mix"),
        "rate": split.get("rate"),
        "child": split.get("child") or "",
        "segments": segments,
    }


def _child_labels(org, drops) -> dict:
    """{child dimension: {key: display name}} for the sub-segments of the drops' splits."""
    keys: dict[str, set] = {}
    for drop in drops:
        split = (drop.drivers or {}).get("mix_rate") if isinstance(drop.drivers, dict) else None
        if isinstance(split, dict) and split.get("child"):
            keys.setdefault(split["child"], set()).update(
                c.get("key") for c in split.get("children") or [] if isinstance(c, dict)
            )
    return {dim: segment_labels(org, dim, values) for dim, values in keys.items()}


def drop_figures(org, start, end) -> dict:
    """One row per incident (its headline drop; experience/drops/incidents.py) or ungrouped drop."""
    drops = (
        ScoreDrop.objects.filter(organisation=org, week_start__gte=start, week_start__lt=end)
        .select_related("incident")
        .order_by("week_start", "delta", "segment_kind", "segment_value")
    )
    drops = list(drops)
    members: dict = {}
    for d in drops:
        if d.incident_id:
            members.setdefault(d.incident_id, []).append(d)
    leads = []
    for d in drops:
        group = members.get(d.incident_id) if d.incident_id else None
        if group is None:
            leads.append((d, 0))
            continue
        heads = [
            m
            for m in group
            if (m.segment_kind, m.segment_value)
            == (d.incident.headline_kind, d.incident.headline_value)
        ]
        if d is (heads[0] if heads else group[0]):
            leads.append((d, len(group) - 1))
    labels = _child_labels(org, [d for d, _ in leads])
    rows = [
        {
            "id": d.pk,
            "incident": d.incident_id,
            "related": related,
            "week_start": _iso(d.week_start),
            "week_label": date_format(d.week_start, "j M Y"),
            "measure": d.measure,
            "measure_label": d.get_measure_display(),
            "segment_kind": d.segment_kind,
            "segment": d.segment_label or d.segment_value,
            "value": d.value,
            "baseline_value": d.baseline_value,
            "delta": d.delta,
            "n": d.n,
            "p_value": d.p_value,
            "status": d.status,
            "drivers": top_drivers(
                d.drivers,
                labels=labels.get(((d.drivers or {}).get("mix_rate") or {}).get("child")),
            ),
        }
        for d, related in leads
    ]
    return {"rows": rows, "total": len(drops), "incidents": len(rows)}
