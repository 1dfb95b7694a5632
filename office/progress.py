"""Progress and forecast of key results.

The value so far is the measure's latest closed monthly value since the key result started (XLA
indicators: their monthly evaluations; happiness and lost time: the monthly trend of the
segment). The forecast at the target date is the least-squares line through the monthly
values (xlas.evaluation.least_squares_projection, the projection XLA evaluation uses for
open periods). Progress is the share of the way from the start value to the target covered.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from experience.segments import Segment
from experience.selectors import trend
from xlas.evaluation import least_squares_projection
from xlas.models import Evaluation, Indicator
from xmo.periods import local_today, next_period_start, period_start
from xmo.templatetags.xmo_format import indicator_unit

from .choices import KeyResultMeasure
from .models import KeyResult

UNITS = {
    KeyResultMeasure.HAPPINESS: "points",
    KeyResultMeasure.LOST_TIME: "min",
}


@dataclass
class Progress:
    key_result: object
    points: list[tuple[datetime.date, float]]
    forecast: float | None
    unit: str = ""
    indicator_name: str = ""

    @property
    def current(self) -> float | None:
        return self.points[-1][1] if self.points else None

    @property
    def as_of(self) -> datetime.date | None:
        return self.points[-1][0] if self.points else None

    @property
    def percent(self) -> float | None:
        kr = self.key_result
        if self.current is None or kr.target_value == kr.start_value:
            return None
        return 100 * (self.current - kr.start_value) / (kr.target_value - kr.start_value)

    @property
    def bar(self) -> int:
        return int(max(0, min(100, self.percent or 0)))

    def _reaches(self, value: float | None) -> bool:
        kr = self.key_result
        if value is None:
            return False
        if kr.target_value >= kr.start_value:
            return value >= kr.target_value
        return value <= kr.target_value

    @property
    def verdict(self) -> str:
        """achieved / on_track / at_risk / no_data"""
        if self.current is None:
            return "no_data"
        if self._reaches(self.current):
            return "achieved"
        return "on_track" if self._reaches(self.forecast) else "at_risk"

    @property
    def verdict_label(self) -> str:
        return {
            "achieved": _("Target reached"),
            "on_track": _("On track"),
            "at_risk": _("At risk"),
            "no_data": _("No data yet"),
        }[self.verdict]


def _segment(kr) -> Segment:
    return Segment(
        services=(kr.service.slug,) if kr.service_id else (),
        personas=(kr.persona.slug,) if kr.persona_id else (),
    )


def _forecast(kr, points) -> float | None:
    xy = [((day - kr.starts_on).days, value) for day, value in points]
    return least_squares_projection(xy, (kr.due_on - kr.starts_on).days)


def key_result_progress(org, key_results, *, today: datetime.date | None = None) -> list[Progress]:
    """Progress of each key result (of one organisation), in the order given."""
    today = today or local_today(org)
    key_results = list(key_results)
    evaluations: dict[tuple[int, str], list[tuple[datetime.date, float]]] = {}
    indicators: dict[tuple[int, str], Indicator] = {}
    xla_krs = [kr for kr in key_results if kr.measure == KeyResultMeasure.XLA_INDICATOR]
    if xla_krs:
        xla_ids = {kr.xla_id for kr in xla_krs}
        keys = {kr.indicator_key for kr in xla_krs}
        rows = Evaluation.objects.filter(
            organisation=org,
            xla_id__in=xla_ids,
            indicator_key__in=keys,
            period="month",
            is_closed=True,
            value__isnull=False,
        ).order_by("period_start")
        for xla_id, key, start, value in rows.values_list(
            "xla_id", "indicator_key", "period_start", "value"
        ):
            evaluations.setdefault((xla_id, key), []).append((start, value))
        # The unit and name come from the version in force (the latest active one).
        for indicator in (
            Indicator.objects.filter(
                version__xla_id__in=xla_ids, key__in=keys, version__status="active"
            )
            .select_related("metric", "version")
            .order_by("version__number")
        ):
            indicators[(indicator.version.xla_id, indicator.key)] = indicator
    result = []
    for kr in key_results:
        first = period_start(kr.starts_on, "month")
        # Closed months only: a month just begun would swing the value and the line.
        end = min(period_start(today, "month"), next_period_start(kr.due_on, "month"))
        unit, name = UNITS.get(kr.measure, ""), ""
        if kr.measure == KeyResultMeasure.XLA_INDICATOR:
            indicator = indicators.get((kr.xla_id, kr.indicator_key))
            unit = indicator_unit(indicator)
            name = indicator.name if indicator else kr.indicator_key
            points = [
                (day, value)
                for day, value in evaluations.get((kr.xla_id, kr.indicator_key), [])
                if first <= day < end
            ]
        elif end > first:
            series = trend(
                org,
                measure_name=kr.measure,
                period="month",
                start=first,
                end=end,
                segment=_segment(kr),
            )
            points = [(p["period_start"], p["value"]) for p in series if p["value"] is not None]
        else:
            points = []
        result.append(Progress(kr, points, _forecast(kr, points), unit, name))
    return result


def key_result_summaries(org, objectives, *, today: datetime.date | None = None) -> dict:
    """Per objective id, its key results' verdicts in words: "1 on track, 1 at risk"."""
    key_results = KeyResult.objects.filter(
        objective__in=[o.pk for o in objectives], objective__organisation=org
    ).select_related("service", "persona")
    counts: dict[int, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for progress in key_result_progress(org, key_results, today=today):
        verdicts = counts.setdefault(progress.key_result.objective_id, {})
        verdicts[progress.verdict] = verdicts.get(progress.verdict, 0) + 1
        labels[progress.verdict] = progress.verdict_label.lower()
    return {
        objective_id: ", ".join(f"{n} {labels[v]}" for v, n in sorted(verdicts.items()))
        for objective_id, verdicts in counts.items()
    }
