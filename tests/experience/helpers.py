"""Generated survey data for the analytics tests, and snapshots of the rollup tables."""

import datetime
import math
import random
from zoneinfo import ZoneInfo

from experience.models import (
    FactorRollup,
    MetricRollup,
    ResponseRollup,
    SurveyResponse,
)
from experience.rollups import sketch
from tests.factories import PersonaFactory, ServiceFactory, enqueue_responses

CHANNELS = ["portal", "phone", "email", "chat", "walk_in"]
TOUCHPOINTS = ["incident", "request", "proactive"]
LOCATIONS = ["", "paris", "lyon", "nantes"]
GROUPS = ["", "l1-desk", "l2-network", "field"]
FACTORS = ["slow", "friendly", "reassigned", "fixed-first-time", "unclear", "waited"]


def make_dimensions(org):
    services = [ServiceFactory(organisation=org, slug=s) for s in ("desk", "laptops", "collab")]
    personas = [PersonaFactory(organisation=org, slug=p) for p in ("doers", "triers", "execs")]
    return services, personas


def generate(org, services, personas, *, n, first, last, seed, prefix="r"):
    """n random responses submitted uniformly between local dates first and last (inclusive)."""
    rng = random.Random(seed)
    tz = ZoneInfo(org.time_zone)
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    span = (datetime.datetime.combine(last, datetime.time.max, tzinfo=tz) - start).total_seconds()
    rows = []
    for i in range(n):
        moment = start + datetime.timedelta(seconds=rng.uniform(0, span))
        lost = rng.choice(
            [None, None, 0, 5, 10, 15, 30, 45, 60, 90, 120, 240, 480, rng.randint(1, 900)]
        )
        rows.append(
            SurveyResponse(
                organisation=org,
                external_id=f"{prefix}-{seed}-{i}",
                service=rng.choice(services),
                persona=rng.choice([None, *personas]),
                score=rng.choice([0, 2, 3, 5, 6, 6, 7, 8, 8, 9, 9, 10, 10, 10]),
                lost_time_minutes=lost,
                factors=rng.sample(FACTORS, rng.choice([0, 0, 1, 1, 2, 3])),
                touchpoint=rng.choice(TOUCHPOINTS),
                channel=rng.choice(CHANNELS),
                location=rng.choice(LOCATIONS),
                assignment_group=rng.choice(GROUPS),
                submitted_at=moment.astimezone(datetime.UTC),
            )
        )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows, batch_size=2000))
    return rows


def _canonical(value):
    """JSON objects compare by content, not key order."""
    if isinstance(value, dict):
        return repr(sorted((str(k), v) for k, v in value.items()))
    return repr(value)


# Value columns of the response and factor rollups; every other column but id and delta is
# part of the key.
_VALUES = {
    ResponseRollup: (
        "n",
        "promoters",
        "detractors",
        "score_sum",
        "score_sq_sum",
        "lost_n",
        "lost_sum",
        "lost_sq_sum",
        "lost_hist",
    ),
    FactorRollup: ("count",),
}


def _logical(model, rows, fields):
    """One row per key: delta rows and the key's row summed (histograms minute by minute)."""
    values = _VALUES[model]
    key_at = [i for i, f in enumerate(fields) if f not in values]
    merged = {}
    for row in rows:
        key = tuple(row[i] for i in key_at)
        total = merged.setdefault(key, dict.fromkeys(values))
        for name in values:
            value = row[fields.index(name)]
            if name == "lost_hist":
                hist = total[name] or {}
                for minutes, answers in value.items():
                    hist[str(minutes)] = hist.get(str(minutes), 0) + answers
                total[name] = hist
            else:
                total[name] = (total[name] or 0) + value
    return [
        tuple(key[key_at.index(i)] if i in key_at else total[f] for i, f in enumerate(fields))
        for key, total in merged.items()
    ]


def _metric_logical(rows, fields):
    """One row per metric rollup key, as readers combine them: counts and sketches added,
    min of mins, max of maxes, the latest sample by (time, id). The float sum depends on how
    samples were chunked in its last bits only: compared to 12 significant digits."""
    at = {name: fields.index(name) for name in fields}
    merged = {}
    for row in rows:
        key = (row[at["organisation_id"]], row[at["day"]], row[at["metric_id"]])
        key = (*key, row[at["service_id"]])
        total = merged.get(key)
        if total is None:
            merged[key] = total = {"count": 0, "sum": [], "min": None, "max": None}
            total.update(last=None, sketch={})
        total["count"] += row[at["count"]]
        total["sum"].append(row[at["sum"]])
        low, high = row[at["min"]], row[at["max"]]
        total["min"] = low if total["min"] is None else min(total["min"], low)
        total["max"] = high if total["max"] is None else max(total["max"], high)
        last = (row[at["last_at"]], row[at["last_id"]], row[at["last_value"]])
        if total["last"] is None or last[:2] > total["last"][:2]:
            total["last"] = last
        for code, count in sketch.decode(row[at["sketch"]]).items():
            total["sketch"][code] = total["sketch"].get(code, 0) + count
    return [
        (
            *key,
            t["count"],
            f"{math.fsum(t['sum']):.12g}",
            t["min"],
            t["max"],
            *t["last"],
            t["sketch"],
        )
        for key, t in merged.items()
    ]


def rollup_snapshot(org):
    """The logical content of every rollup of the organisation: one row per key (delta rows
    summed into their key), without ids or the delta flag, sorted: comparable across builds."""
    snapshot = {}
    for model in (ResponseRollup, FactorRollup, MetricRollup):
        fields = [
            f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "delta")
        ]
        rows = list(model.objects.filter(organisation=org).values_list(*fields))
        if model in _VALUES:
            rows = _logical(model, rows, fields)
        elif model is MetricRollup:
            rows = _metric_logical(rows, fields)
        snapshot[model.__name__] = sorted(tuple(_canonical(v) for v in row) for row in rows)
    return snapshot


def rollup_rows(model, org):
    """How many rows the organisation has in `model`, and how many of them are deltas."""
    rows = model.objects.filter(organisation=org)
    return rows.count(), rows.filter(delta=True).count()
