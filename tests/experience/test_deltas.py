"""Incremental runs append delta rows; readers sum them; compaction folds them into one row.

Runs on SQLite and PostgreSQL (the PostgreSQL chunk path aggregates in the worker; its rows
are compared with the SQL statements' in tests/experience/test_rebuild.py).
"""

import datetime

import pytest
from django.db.models import Count

from experience.models import FactorRollup, ResponseRollup
from experience.rollups import compaction, process_new, rebuild_rollups
from experience.rollups.compaction import compact_rollups
from experience.segments import Segment
from experience.selectors import breakdown, factor_counts, lost_time_concentration, summary, trend
from tests.experience.helpers import generate, make_dimensions, rollup_rows, rollup_snapshot

pytestmark = pytest.mark.django_db

FIRST, LAST = datetime.date(2026, 1, 5), datetime.date(2026, 2, 20)
KEY = (
    "span",
    "grain",
    "day",
    "service",
    "persona_key",
    "touchpoint",
    "channel",
    "location",
    "assignment_group",
)


def _in_batches(org, batches=3, n=300):
    """Push and process `batches` batches over the same weeks: the same keys again and again."""
    services, personas = make_dimensions(org)
    for batch in range(batches):
        generate(
            org, services, personas, n=n, first=FIRST, last=LAST, seed=batch, prefix=f"b{batch}"
        )
        assert process_new(org)["responses"] == n


def _most_rows_per_key(model, org, key=KEY):
    rows = model.objects.filter(organisation=org).values(*key).annotate(c=Count("id"))
    return max(rows.values_list("c", flat=True))


def _figures(org):
    """What dashboards show, through the selectors."""
    start, end = FIRST, LAST + datetime.timedelta(days=1)
    figures = []
    for segment in (Segment(), Segment(services=("desk",)), Segment(channels=("phone",))):
        for name in ("happiness", "lost_time_mean", "lost_time_median", "response_count"):
            kwargs = {"measure_name": name, "start": start, "end": end, "segment": segment}
            figures.append(trend(org, period="week", **kwargs))
            figures.append(summary(org, **kwargs))
            figures.append(breakdown(org, dimension="location", **kwargs))
        figures.append(factor_counts(org, start=start, end=end, segment=segment))
        figures.append(lost_time_concentration(org, start=start, end=end, segment=segment))
    return figures


def test_each_run_appends_delta_rows_that_add_up_to_the_rebuild(org_a):
    _in_batches(org_a)
    rows, deltas = rollup_rows(ResponseRollup, org_a)
    assert rows == deltas > 0
    assert rollup_rows(FactorRollup, org_a)[0] == rollup_rows(FactorRollup, org_a)[1] > 0
    assert _most_rows_per_key(ResponseRollup, org_a) == 3  # one per run
    assert _most_rows_per_key(FactorRollup, org_a, (*KEY, "factor")) == 3
    incremental = rollup_snapshot(org_a)

    rebuild_rollups(org_a)
    assert rollup_snapshot(org_a) == incremental
    assert rollup_rows(ResponseRollup, org_a)[1] == rollup_rows(FactorRollup, org_a)[1] == 0
    assert _most_rows_per_key(ResponseRollup, org_a) == 1


def test_compaction_leaves_one_row_per_key_and_the_same_figures(org_a):
    _in_batches(org_a)
    incremental = rollup_snapshot(org_a)
    figures = _figures(org_a)
    rows_before = rollup_rows(ResponseRollup, org_a)[0]

    result = compact_rollups(org_a)

    assert rollup_snapshot(org_a) == incremental
    assert _figures(org_a) == figures
    rows, deltas = rollup_rows(ResponseRollup, org_a)
    assert deltas == rollup_rows(FactorRollup, org_a)[1] == 0
    assert result["keys"] == rows + rollup_rows(FactorRollup, org_a)[0]
    assert result["rows"] >= rows_before > rows
    assert _most_rows_per_key(ResponseRollup, org_a) == 1
    assert _most_rows_per_key(FactorRollup, org_a, (*KEY, "factor")) == 1
    # One row per key with the summed figures: exactly the rows a rebuild writes.
    compacted = _raw_rows(org_a)
    rebuild_rollups(org_a)
    assert _raw_rows(org_a) == compacted
    assert compact_rollups(org_a) == {"keys": 0, "rows": 0}


def _raw_rows(org):
    """Every stored row (not merged by key), without id: what is physically there."""
    snapshot = {}
    for model in (ResponseRollup, FactorRollup):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        rows = model.objects.filter(organisation=org).values_list(*fields)
        snapshot[model.__name__] = sorted(
            tuple(repr(sorted(v.items())) if isinstance(v, dict) else repr(v) for v in row)
            for row in rows
        )
    return snapshot


def test_new_deltas_after_compaction_fold_into_the_compacted_rows(org_a, monkeypatch):
    monkeypatch.setattr(compaction, "BATCH_ROWS", 50)  # several batches, several transactions
    _in_batches(org_a, batches=2)
    compact_rollups(org_a)
    _more(org_a)
    figures = _figures(org_a)
    incremental = rollup_snapshot(org_a)
    assert rollup_rows(ResponseRollup, org_a)[1] > 0
    compact_rollups(org_a)
    assert rollup_snapshot(org_a) == incremental
    assert _figures(org_a) == figures
    assert _most_rows_per_key(ResponseRollup, org_a) == 1


def _more(org):
    from experience.models import Persona, Service

    services = list(Service.objects.filter(organisation=org).order_by("slug"))
    personas = list(Persona.objects.filter(organisation=org).order_by("slug"))
    generate(org, services, personas, n=200, first=FIRST, last=LAST, seed=99, prefix="more")
    assert process_new(org)["responses"] == 200


def test_process_new_compacts_past_the_threshold(org_a, monkeypatch):
    monkeypatch.setattr(compaction, "COMPACT_AFTER", 10**9)
    _in_batches(org_a, batches=2)
    deltas = rollup_rows(ResponseRollup, org_a)[1]
    assert deltas > 0
    incremental_figures = _figures(org_a)

    monkeypatch.setattr(compaction, "COMPACT_AFTER", deltas)
    _more(org_a)
    assert rollup_rows(ResponseRollup, org_a)[1] == 0
    assert rollup_rows(FactorRollup, org_a)[1] == 0
    assert _most_rows_per_key(ResponseRollup, org_a) == 1
    snapshot = rollup_snapshot(org_a)
    assert _figures(org_a) != incremental_figures  # the new responses are counted
    rebuild_rollups(org_a)
    assert rollup_snapshot(org_a) == snapshot


def test_the_compaction_job_is_registered():
    from xmo.jobs import load_jobs

    job = load_jobs()["compact_rollups"]
    assert job.schedule and not job.on_demand
