"""Score drops: significant weekly falls of happiness (or rises of lost time) per segment.

Each closed week W (Monday, local) is compared with its trailing baseline, the 8 weeks
before W. Segments: the whole organisation and every value of service, persona, touchpoint,
channel, location and assignment group.

- Happiness: one-sided two-sample z test on h = p − d (p share 9–10, d share 0–6) with the
  multinomial variance Var(p − d) = (p + d − (p − d)²) / n for each sample:
  z = (h1 − h0) / √(V1 + V0), p-value = Φ(z).
- Lost time: one-sided Welch z test on the means: z = (m1 − m0) / √(s1²/n1 + s0²/n0),
  p-value = 1 − Φ(z).
- Only segments with n ≥ MIN_N this week and ≥ MIN_BASELINE_N in the baseline are tested.
  The p-values of every test of one week (both measures) go through Benjamini–Hochberg at
  ALPHA; a drop is flagged when it survives BH and its effect is at least the minimum.

Drivers: factor and tag share changes (this week against the baseline) and the split of
the change into mix and rate over child segments (channels of a service; services of the
whole organisation): mix = Σ (w1 − w0)·h0, rate = Σ w1·(h1 − h0), which add up exactly to
the total change.

Drops of one week and measure whose responses overlap are then grouped into incidents
(experience/drops/incidents.py); notifications (`incident.detected`) go out per incident.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from xmo.periods import period_start

from ..choices import DropMeasure, SegmentKind
from ..models import ScoreDrop, Service
from ..segments import DIMENSIONS, Segment, daily_stats, responses, segment_labels
from ..selectors import factor_counts
from ..stats import Stats
from .incidents import build_incidents

ALPHA = 0.01
MIN_N = 30
MIN_BASELINE_N = 100
MIN_HAPPINESS_DROP = 10.0  # happiness points
MIN_LOST_TIME_RISE = 15.0  # minutes
BASELINE_WEEKS = 8
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


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def happiness_test(this: Stats, base: Stats) -> tuple[float, float, float] | None:
    """(h1, h0, one-sided p-value of a fall) in happiness points, or None if undefined."""
    if not this.n or not base.n:
        return None

    def parts(s):
        p, d = s.promoters / s.n, s.detractors / s.n
        return p - d, max(0.0, (p + d - (p - d) ** 2) / s.n)

    h1, v1 = parts(this)
    h0, v0 = parts(base)
    if v1 + v0 == 0:
        return 100 * h1, 100 * h0, 1.0 if h1 >= h0 else 0.0
    z = (h1 - h0) / math.sqrt(v1 + v0)
    return 100 * h1, 100 * h0, normal_cdf(z)


def lost_time_test(this: Stats, base: Stats) -> tuple[float, float, float] | None:
    """(m1, m0, one-sided p-value of a rise) of mean lost time, or None if undefined."""
    if this.lost_n < 2 or base.lost_n < 2:
        return None

    def parts(s):
        mean = s.lost_sum / s.lost_n
        var = max(0.0, (s.lost_sq_sum - s.lost_n * mean * mean) / (s.lost_n - 1))
        return mean, var / s.lost_n

    m1, v1 = parts(this)
    m0, v0 = parts(base)
    if v1 + v0 == 0:
        return m1, m0, 1.0 if m1 <= m0 else 0.0
    z = (m1 - m0) / math.sqrt(v1 + v0)
    return m1, m0, 1 - normal_cdf(z)


def benjamini_hochberg(p_values: list[float], alpha: float = ALPHA) -> list[bool]:
    """Which hypotheses are rejected with the false discovery rate controlled at alpha."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    cutoff = -1
    for rank, i in enumerate(order, start=1):
        if p_values[i] <= alpha * rank / m:
            cutoff = rank
    rejected = [False] * m
    for rank, i in enumerate(order, start=1):
        rejected[i] = rank <= cutoff
    return rejected


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


def _baseline_stats(org, week, dimension, cache: dict) -> dict:
    total: dict = defaultdict(Stats)
    for back in range(1, BASELINE_WEEKS + 1):
        earlier = week - datetime.timedelta(days=7 * back)
        for value, stats in _week_stats(org, earlier, dimension, cache).items():
            total[value].add(stats)
    return total


def detect_week(org, week: datetime.date, cache: dict | None = None) -> list[ScoreDrop]:
    """Test every segment for the closed week starting `week`; upsert the drops found."""
    cache = {} if cache is None else cache
    week_end = week + datetime.timedelta(days=7)
    base_start = week - datetime.timedelta(days=7 * BASELINE_WEEKS)
    tests = []  # (kind, value, measure, this value, baseline value, n, baseline n, p)
    for dimension in (None, *DIMENSIONS):
        kind = SegmentKind.ALL if dimension is None else dimension
        this = _week_stats(org, week, dimension, cache)
        base = _baseline_stats(org, week, dimension, cache)
        for value, stats in this.items():
            if dimension is not None and not value:
                continue  # no persona / location / group given: not a segment
            baseline = base.get(value, Stats())
            if stats.n >= MIN_N and baseline.n >= MIN_BASELINE_N:
                result = happiness_test(stats, baseline)
                if result:
                    tests.append((kind, value, DropMeasure.HAPPINESS, *result, stats.n, baseline.n))
            if stats.lost_n >= MIN_N and baseline.lost_n >= MIN_BASELINE_N:
                result = lost_time_test(stats, baseline)
                if result:
                    tests.append(
                        (kind, value, DropMeasure.LOST_TIME, *result, stats.lost_n, baseline.lost_n)
                    )
    rejected = benjamini_hochberg([t[5] for t in tests])
    found = []
    for test, significant in zip(tests, rejected, strict=True):
        kind, value, measure, current, baseline_value, p_value, n, baseline_n = test
        delta = current - baseline_value
        big_enough = (
            -delta >= MIN_HAPPINESS_DROP
            if measure == DropMeasure.HAPPINESS
            else delta >= MIN_LOST_TIME_RISE
        )
        if not (significant and big_enough):
            continue
        found.append(
            _upsert_drop(
                org,
                week=week,
                kind=kind,
                value=value,
                measure=measure,
                figures={
                    "value": round(current, 4),
                    "baseline_value": round(baseline_value, 4),
                    "delta": round(delta, 4),
                    "n": n,
                    "baseline_n": baseline_n,
                    "p_value": min(1.0, max(0.0, p_value)),
                    "drivers": _drivers(org, kind, value, measure, week, week_end, base_start),
                },
            )
        )
    return found


def _upsert_drop(org, *, week, kind, value, measure, figures) -> ScoreDrop:
    label = "Whole organisation"
    service = None
    if kind != SegmentKind.ALL:
        label = segment_labels(org, kind, [value]).get(value, value)
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
