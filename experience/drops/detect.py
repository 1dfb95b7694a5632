"""Score drops: significant falls of happiness (or rises of lost time) per segment.

Each closed week W (Monday, local) is tested for the whole organisation and every value of
service, persona, touchpoint, channel, location and assignment group, in two windows (the
week; the week and the one before it, pooled) against the 8 weeks before the window. The
tests and how the error budget is spent over segments, measures and windows are in
experience/drops/testing.py; this module reads the figures and stores the drops.

Drivers: factor and tag share changes (the window against its baseline) and the split of
the change into mix and rate over child segments (channels of a service; services of the
whole organisation): mix = Σ (w1 − w0)·h0, rate = Σ w1·(h1 − h0), which add up exactly to
the total change.

Drops of one week and measure whose responses overlap are then grouped into incidents
(experience/drops/incidents.py); notifications (`incident.detected`) go out per incident.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation

from xmo.periods import period_start

from ..choices import DropMeasure, SegmentKind
from ..models import ScoreDrop, Service
from ..segments import Segment, daily_stats, responses, segment_labels
from ..selectors import factor_counts
from ..stats import Stats
from .incidents import build_incidents
from .testing import (
    ALPHA,
    BASELINE_WEEKS,
    MIN_BASELINE_N,
    MIN_N,
    decide,
    happiness_test,
    lost_time_test,
    normal_cdf,
    week_tests,
    weighted_holm,
)

__all__ = [
    "ALPHA",
    "MIN_BASELINE_N",
    "MIN_N",
    "detect_score_drops",
    "detect_week",
    "happiness_test",
    "lost_time_test",
    "mix_rate",
    "normal_cdf",
    "weighted_holm",
]

WEEKS_PER_RUN = 4
TOP_DRIVERS = 5

_SEGMENT_FIELD = {
    "service": "services",
    "persona": "personas",
    "touchpoint": "touchpoints",
    "channel": "channels",
    "location": "locations",
    "assignment_group": "assignment_groups",
}


def _segment_stats(org, start, end, dimension=None) -> dict:
    """{segment value: Stats} for one dimension (None: the whole organisation → {"": Stats})."""
    result: dict = defaultdict(Stats)
    for (_, value), stats in daily_stats(
        org, start, end, None, dimension, with_hist=False, allow_month=True
    ).items():
        result["" if dimension is None else value].add(stats)
    return result


def _segment(kind: str, value: str) -> Segment:
    if kind == SegmentKind.ALL:
        return Segment()
    return Segment(**{_SEGMENT_FIELD[kind]: (value,)})


def _share_changes(before: dict, after: dict, n0: int, n1: int, key: str) -> list[dict]:
    rows = []
    for name in set(before) | set(after):
        s0 = 100 * before.get(name, 0) / n0 if n0 else 0.0
        s1 = 100 * after.get(name, 0) / n1 if n1 else 0.0
        rows.append(
            {
                key: name,
                "share_before": round(s0, 2),
                "share_after": round(s1, 2),
                "delta": round(s1 - s0, 2),
            }
        )
    rows.sort(key=lambda r: (-abs(r["delta"]), r[key]))
    return rows[:TOP_DRIVERS]


def _tag_counts(org, start, end, segment) -> dict:
    from feedback.models import FeedbackTag

    rows = (
        FeedbackTag.objects.filter(response__in=responses(org, start, end, segment).values("id"))
        .values("tag__name")
        .annotate(c=Count("response", distinct=True))
        .order_by()
    )
    return {r["tag__name"]: r["c"] for r in rows}


def _measure_value(stats: Stats, measure: str) -> tuple[float | None, int]:
    if measure == DropMeasure.HAPPINESS:
        if not stats.n:
            return None, 0
        return 100 * (stats.promoters - stats.detractors) / stats.n, stats.n
    if not stats.lost_n:
        return None, 0
    return stats.lost_sum / stats.lost_n, stats.lost_n


def mix_rate(children0: dict, children1: dict, measure: str) -> dict | None:
    """Split the change of the measure into mix and rate over child segments (exact)."""
    figures0 = {k: _measure_value(s, measure) for k, s in children0.items()}
    figures1 = {k: _measure_value(s, measure) for k, s in children1.items()}
    total0 = sum(w for _, w in figures0.values())
    total1 = sum(w for _, w in figures1.values())
    if not total0 or not total1:
        return None
    mix = rate = 0.0
    children = []
    for key in sorted(set(figures0) | set(figures1), key=str):
        h0, n0 = figures0.get(key, (None, 0))
        h1, n1 = figures1.get(key, (None, 0))
        w0, w1 = n0 / total0, n1 / total1
        if h0 is None:  # a child new this week: all of its effect is mix
            h0 = h1 if h1 is not None else 0.0
        if h1 is None:
            h1 = h0
        mix += (w1 - w0) * h0
        rate += w1 * (h1 - h0)
        children.append(
            {
                "key": key or "",
                "weight_before": round(w0, 4),
                "weight_after": round(w1, 4),
                "value_before": round(h0, 4),
                "value_after": round(h1, 4),
            }
        )
    return {
        "mix": round(mix, 4),
        "rate": round(rate, 4),
        "total": round(mix + rate, 4),
        "dominant": "mix" if abs(mix) > abs(rate) else "rate",
        "children": children,
    }


def _drivers(org, kind, value, measure, week, week_end, base_start) -> dict:
    segment = _segment(kind, value)
    before = factor_counts(org, start=base_start, end=week, segment=segment)
    after = factor_counts(org, start=week, end=week_end, segment=segment)
    n0 = _segment_total(org, base_start, week, segment)
    n1 = _segment_total(org, week, week_end, segment)
    drivers = {
        "factors": _share_changes(
            {r["factor"]: r["count"] for r in before},
            {r["factor"]: r["count"] for r in after},
            n0,
            n1,
            "factor",
        ),
        "tags": _share_changes(
            _tag_counts(org, base_start, week, segment),
            _tag_counts(org, week, week_end, segment),
            n0,
            n1,
            "tag",
        ),
        "mix_rate": None,
    }
    child = {SegmentKind.ALL: "service", SegmentKind.SERVICE: "channel"}.get(kind)
    if child:
        children0 = _children(org, base_start, week, segment, child)
        children1 = _children(org, week, week_end, segment, child)
        split = mix_rate(children0, children1, measure)
        if split is not None:
            split["child"] = child
        drivers["mix_rate"] = split
    return drivers


def _segment_total(org, start, end, segment) -> int:
    total = 0
    for stats in daily_stats(org, start, end, segment, with_hist=False, allow_month=True).values():
        total += stats.n
    return total


def _children(org, start, end, segment, dimension) -> dict:
    result: dict = defaultdict(Stats)
    for (_, value), stats in daily_stats(
        org, start, end, segment, dimension, with_hist=False, allow_month=True
    ).items():
        result[value].add(stats)
    return result


def _week_stats(org, week, dimension, cache: dict) -> dict:
    """Segment stats of one week, remembered for the run (baselines overlap week to week)."""
    key = (week, dimension)
    if key not in cache:
        cache[key] = _segment_stats(org, week, week + datetime.timedelta(days=7), dimension)
    return cache[key]


def detect_week(org, week: datetime.date, cache: dict | None = None) -> list[ScoreDrop]:
    """Test every segment for the closed week starting `week`; upsert the drops found."""
    cache = {} if cache is None else cache
    week_end = week + datetime.timedelta(days=7)
    found = []
    tests = week_tests(lambda w, dimension: _week_stats(org, w, dimension, cache), week)
    for test in decide(tests):
        start = week - datetime.timedelta(days=7 * (test.weeks - 1))
        base_start = start - datetime.timedelta(days=7 * BASELINE_WEEKS)
        found.append(
            _upsert_drop(
                org,
                week=week,
                kind=test.kind,
                value=test.value,
                measure=test.measure,
                figures={
                    "window_weeks": test.weeks,
                    "value": round(test.current, 4),
                    "baseline_value": round(test.baseline_value, 4),
                    "delta": round(test.delta, 4),
                    "n": test.n,
                    "baseline_n": test.baseline_n,
                    "p_value": min(1.0, max(0.0, test.p_value)),
                    "drivers": _drivers(
                        org, test.kind, test.value, test.measure, start, week_end, base_start
                    ),
                },
            )
        )
    return found


def _upsert_drop(org, *, week, kind, value, measure, figures) -> ScoreDrop:
    # Stored for many readers (reports, agendas): in the installation's language. Pages show
    # choice-coded segments in the reader's language (ScoreDrop.segment_name).
    with translation.override(settings.LANGUAGE_CODE):
        label = str(SegmentKind.ALL.label)
        if kind != SegmentKind.ALL:
            label = segment_labels(org, kind, [value]).get(value, value)
    service = None
    if kind == SegmentKind.SERVICE:
        service = Service.objects.filter(organisation=org, slug=value).first()
    drop, created = ScoreDrop.objects.get_or_create(
        organisation=org,
        week_start=week,
        measure=measure,
        segment_kind=kind,
        segment_value=value,
        defaults={"segment_label": label, "service": service, **figures},
    )
    if not created:
        # Re-running refreshes the figures but keeps status, acknowledgement and notes.
        changed = [f for f, v in figures.items() if getattr(drop, f) != v]
        for f in changed:
            setattr(drop, f, figures[f])
        if changed:
            drop.save(update_fields=changed)
    return drop


def detect_score_drops(
    org, *, now: datetime.datetime | None = None, weeks: int = WEEKS_PER_RUN
) -> dict:
    """Check the last `weeks` closed weeks (idempotent: drops are upserted)."""
    now = now or timezone.now()
    today = now.astimezone(ZoneInfo(org.time_zone)).date()
    current = period_start(today, "week")
    found = incidents = 0
    cache: dict = {}
    for back in range(weeks, 0, -1):
        week = current - datetime.timedelta(days=7 * back)
        found += len(detect_week(org, week, cache))
        # Right after the week's drops are stored: group them (experience/drops/incidents.py).
        incidents += len(build_incidents(org, week))
    return {"weeks": weeks, "drops": found, "incidents": incidents}
