"""One definition of an XLA's score and status, read by every page, report, agenda and the API.

An XLA's figures are given per calendar month (the organisation's time zone):

- each indicator is judged on its own cadence; for a month it counts with the evaluations
  of that month (monthly indicators), of the weeks starting in it (weekly indicators) or of
  the quarter holding it (quarterly indicators). Its status for the month is the worst of
  those evaluations that had enough data, or `insufficient_data` when none had;
- the **score** is the weighted share (0–100) of the indicators met, leaving out those with
  insufficient data; with none left it is None, shown as "insufficient data", never as 0;
- the **status** is the worst indicator status (missed < at risk < insufficient data < met).

Which XLAs a persona or service filter shows: an XLA applies when its services intersect
the services asked for and its personas intersect the personas asked for (an XLA with no
personas covers every persona, as in its evaluation). Breaches follow their XLA.

docs/analytics.md ("XLA score and status") states the same definition.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils.formats import date_format

from xmo.periods import (
    last_closed_period,
    next_period_start,
    period_start,
    previous_period_start,
)
from xmo.units import indicator_unit

from .choices import EvaluationStatus
from .models import XLA, Breach, Evaluation

SCORE_PERIOD = "month"
STATUS = EvaluationStatus
# Worst first.
STATUS_RANK = {
    STATUS.MISSED: 0,
    STATUS.AT_RISK: 1,
    STATUS.INSUFFICIENT_DATA: 2,
    STATUS.MET: 3,
}
STATUS_LABELS = dict(EvaluationStatus.choices)


@dataclass
class IndicatorFigure:
    key: str
    name: str
    period: str
    weight: float
    status: str
    value: float | None
    target: float | None
    n: int
    evaluations: list = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def unit(self) -> str:
        """The unit of the value and target: the measure's, or the metric's own."""
        return indicator_unit(self.evaluations[-1].indicator) if self.evaluations else ""


@dataclass
class XLAFigure:
    """An XLA's score and status for one month."""

    xla_id: int
    period_start: datetime.date
    score: float | None
    status: str
    is_closed: bool
    indicators: list[IndicatorFigure]

    @property
    def period(self) -> str:
        return SCORE_PERIOD

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def period_label(self) -> str:
        return date_format(self.period_start, "F Y")

    def as_dict(self) -> dict:
        return {
            "period": SCORE_PERIOD,
            "period_start": self.period_start.isoformat(),
            "score": self.score,
            "status": self.status,
            "is_closed": self.is_closed,
        }


def worst(statuses) -> str | None:
    statuses = list(statuses)
    if not statuses:
        return None
    return min(statuses, key=lambda s: STATUS_RANK.get(s, 9))


def _indicator_status(evaluations: list[Evaluation]) -> str:
    judged = [e.status for e in evaluations if e.status != STATUS.INSUFFICIENT_DATA]
    return worst(judged) or STATUS.INSUFFICIENT_DATA


def score_of(indicators: list[IndicatorFigure]) -> float | None:
    """Weighted share (0–100) of indicators met; insufficient data is left out."""
    evaluable = [i for i in indicators if i.status != STATUS.INSUFFICIENT_DATA]
    total = sum(i.weight for i in evaluable)
    if not total:
        return None
    met = sum(i.weight for i in evaluable if i.status == STATUS.MET)
    return round(100 * met / total, 4)


def _month_of(evaluation: Evaluation) -> list[datetime.date]:
    """The months an evaluation counts for."""
    if evaluation.period == "week":
        return [evaluation.period_start.replace(day=1)]
    if evaluation.period == "quarter":
        first = evaluation.period_start
        second = next_period_start(first, "month")
        return [first, second, next_period_start(second, "month")]
    return [evaluation.period_start]


def xla_figures(org, months, xla_ids=None) -> dict[tuple[int, datetime.date], XLAFigure]:
    """{(xla_id, month start): XLAFigure} for the given months (only where evaluated)."""
    months = sorted({m.replace(day=1) for m in months})
    if not months:
        return {}
    first, end = months[0], next_period_start(months[-1], "month")
    wanted = set(months)
    quarters = {period_start(m, "quarter") for m in months}
    qs = Evaluation.objects.filter(organisation=org).filter(
        Q(period="month", period_start__in=months)
        | Q(period="week", period_start__gte=first, period_start__lt=end)
        | Q(period="quarter", period_start__in=quarters)
    )
    if xla_ids is not None:
        qs = qs.filter(xla_id__in=list(xla_ids))
    grouped: dict = defaultdict(lambda: defaultdict(list))
    for ev in qs.select_related("indicator__version", "indicator__metric").order_by(
        "period_start", "id"
    ):
        for month in _month_of(ev):
            if month in wanted:
                grouped[(ev.xla_id, month)][ev.indicator_key].append(ev)
    result = {}
    for (xla_id, month), per_key in grouped.items():
        indicators = []
        for key, evaluations in per_key.items():
            latest = evaluations[-1]
            indicators.append(
                IndicatorFigure(
                    key=key,
                    name=latest.indicator.name,
                    period=latest.period,
                    weight=latest.indicator.weight,
                    status=_indicator_status(evaluations),
                    value=latest.value if len(evaluations) == 1 else None,
                    target=latest.indicator.target,
                    n=sum(e.n for e in evaluations),
                    evaluations=evaluations,
                )
            )
        indicators.sort(key=lambda i: (i.evaluations[-1].indicator.order, i.key))
        result[(xla_id, month)] = XLAFigure(
            xla_id=xla_id,
            period_start=month,
            score=score_of(indicators),
            status=worst(i.status for i in indicators) or STATUS.INSUFFICIENT_DATA,
            is_closed=all(e.is_closed for i in indicators for e in i.evaluations),
            indicators=indicators,
        )
    return result


def xla_figure(org, xla_id: int, month: datetime.date) -> XLAFigure | None:
    return xla_figures(org, [month], [xla_id]).get((xla_id, month.replace(day=1)))


def last_closed_month(org) -> datetime.date:
    return last_closed_period(org, SCORE_PERIOD)[0]


def recent_months(org, count: int = 12, *, upto: datetime.date | None = None) -> list:
    """The `count` months ending with `upto` (default: the last closed month), oldest first."""
    month = (upto or last_closed_month(org)).replace(day=1)
    months = [month]
    for _ in range(count - 1):
        months.append(previous_period_start(months[-1], "month"))
    return list(reversed(months))


def recent_figures(org, xla_id: int, count: int = 12) -> list[XLAFigure]:
    """The XLA's figures for the recent months, the open month included, newest first."""
    open_month = next_period_start(last_closed_month(org), "month")
    months = recent_months(org, count, upto=open_month)
    figures = xla_figures(org, months, [xla_id])
    return [figures[(xla_id, m)] for m in reversed(months) if (xla_id, m) in figures]


def latest_figures(org, xla_ids) -> dict[int, XLAFigure]:
    """{xla_id: figure of its latest closed month with a closed evaluation}."""
    from django.db.models import Max

    last = last_closed_month(org)
    latest = dict(
        Evaluation.objects.filter(organisation=org, xla_id__in=list(xla_ids), is_closed=True)
        .values_list("xla_id")
        .annotate(latest=Max("period_start"))
        .order_by()
    )
    months = {x: min(day.replace(day=1), last) for x, day in latest.items()}
    figures = xla_figures(org, set(months.values()), list(months))
    return {x: figures[(x, m)] for x, m in months.items() if (x, m) in figures}


def tile_aggregate(figures) -> dict:
    """The dashboard tile: the mean of the scores shown, each XLA weighted equally."""
    scores = [f.score for f in figures if f is not None and f.score is not None]
    return {
        "value": round(sum(scores) / len(scores), 2) if scores else None,
        "xlas": len(scores),
        "met": sum(1 for s in scores if s >= 100),
        "insufficient": sum(1 for f in figures if f is not None and f.score is None),
    }


# --- which XLAs a filter selects ---------------------------------------------------------


def applies_q(services=(), personas=()) -> Q:
    """Q on XLA for a service/persona filter."""
    through_s, through_p = XLA.services.through, XLA.personas.through
    ref = OuterRef("pk")
    q = Q()
    if services:
        q &= Exists(through_s.objects.filter(xla_id=ref, service__slug__in=list(services)))
    if personas:
        q &= Exists(
            through_p.objects.filter(xla_id=ref, persona__slug__in=list(personas))
        ) | ~Exists(through_p.objects.filter(xla_id=ref))
    return q


def applicable_xlas(org, *, services=(), personas=()):
    """XLAs of the organisation that apply to the filter (see the module docstring)."""
    return XLA.objects.filter(organisation=org).filter(applies_q(services, personas))


def applicable_breaches(org, *, services=(), personas=()):
    return Breach.objects.filter(organisation=org).filter(
        xla__in=applicable_xlas(org, services=services, personas=personas)
    )
