"""The NumPy engine (experience.rollups.engine) writes the figures of the SQL statements.

Each test rolls up the same responses three ways and compares the logical content (rows of
a key summed): incrementally with the SQL statements (rolled back), incrementally with the
worker's pass (delta rows), then by a full rebuild (one row per key), across chunk
boundaries, time zones, awkward text and the fallback to SQL.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from experience.models import ResponseRollup
from experience.rollups import engine, process_new, rebuild_rollups
from experience.rollups import statements as sql_statements
from tests.experience.helpers import generate, make_dimensions, rollup_snapshot
from tests.factories import ServiceFactory, SurveyResponseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _column(name):
    fields = [f.attname for f in ResponseRollup._meta.concrete_fields if f.attname != "id"]
    return fields.index(name)


class _Undo(Exception):
    pass


def _with_the_sql_statements(org, monkeypatch):
    """The rollups the SQL statements write incrementally; rolled back afterwards."""

    def refuse(*args):
        raise engine.OutOfRange("the SQL statements, for comparison")

    try:
        with transaction.atomic(), monkeypatch.context() as patch:
            patch.setattr(engine, "append_deltas", refuse)
            process_new(org)
            snapshot = rollup_snapshot(org)
            raise _Undo
    except _Undo:
        return snapshot


def _both_ways(org, monkeypatch, *, fast=True):
    """Roll up incrementally with the SQL statements and with the worker's pass, then
    rebuild; the figures must not change. Checks which path the chunks and the rebuild took:
    the worker's pass (fast) or the SQL statements (delta rows, then the rebuild's)."""
    reference = _with_the_sql_statements(org, monkeypatch)
    assert not ResponseRollup.objects.filter(organisation=org).exists()
    statements = []
    real_insert = sql_statements.insert

    def spy(*args, **kwargs):
        statements.append(kwargs["delta"])
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(sql_statements, "insert", spy)
    process_new(org)
    incremental = rollup_snapshot(org)
    assert incremental == reference
    assert ResponseRollup.objects.filter(organisation=org, delta=False).count() == 0
    result = rebuild_rollups(org)
    assert rollup_snapshot(org) == incremental
    assert ResponseRollup.objects.filter(organisation=org, delta=True).count() == 0
    assert statements == ([] if fast else [True, False])
    return incremental, result


@pytest.mark.parametrize("chunk", [1, 97, 100_000])
def test_the_rebuild_matches_the_incremental_rollups_whatever_the_chunk_size(
    org_a, monkeypatch, chunk
):
    org_a.time_zone = "America/Sao_Paulo"
    org_a.save()
    services, personas = make_dimensions(org_a)
    generate(
        org_a,
        services,
        personas,
        n=1500,
        first=datetime.date(2025, 11, 20),
        last=datetime.date(2026, 3, 10),
        seed=7,
    )
    monkeypatch.setattr(engine, "CHUNK_ROWS", chunk)
    incremental, result = _both_ways(org_a, monkeypatch)
    assert result["responses"] == 1500
    assert len(incremental["ResponseRollup"]) > 1000
    assert len(incremental["FactorRollup"]) > 1000


def test_text_that_copy_and_csv_must_escape_survives_the_rebuild(org_a, monkeypatch):
    service = ServiceFactory(organisation=org_a)
    awkward = ["tab\there", "new\nline", "back\\slash", 'quote"s, comma', "ünïcödé ✓", " ", ""]
    for i, text in enumerate(awkward * 3):
        SurveyResponseFactory(
            organisation=org_a,
            service=service,
            score=i % 11,
            lost_time_minutes=None if i % 4 == 0 else i * 7,
            location=text,
            assignment_group=awkward[(i + 1) % len(awkward)],
            factors=[text or "plain", "plain", text or "plain"],
        )
    incremental, _ = _both_ways(org_a, monkeypatch)
    locations = {row[_column("location")] for row in incremental["ResponseRollup"]}
    assert repr("tab\there") in locations and repr("new\nline") in locations


def test_a_day_split_across_chunks_is_one_row(org_a, monkeypatch):
    org_a.time_zone = "Europe/Paris"
    org_a.save()
    service = ServiceFactory(organisation=org_a)
    moment = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("Europe/Paris"))
    for i in range(40):  # the night the clocks change, every 5 minutes
        SurveyResponseFactory(
            organisation=org_a,
            service=service,
            score=i % 11,
            lost_time_minutes=i % 3,
            submitted_at=moment + datetime.timedelta(minutes=5 * i),
        )
    monkeypatch.setattr(engine, "CHUNK_ROWS", 7)
    incremental, _ = _both_ways(org_a, monkeypatch)
    span, grain = _column("span"), _column("grain")
    service_days = [
        row
        for row in incremental["ResponseRollup"]
        if (row[span], row[grain]) == ("'day'", "'service'")
    ]
    assert len(service_days) == 1  # 00:30 to 03:45 local time, one local day


def test_data_outside_the_fast_path_falls_back_to_the_sql_statements(org_a, monkeypatch):
    service = ServiceFactory(organisation=org_a)
    SurveyResponseFactory(
        organisation=org_a,
        service=service,
        submitted_at=datetime.datetime(1969, 7, 20, 20, 17, tzinfo=datetime.UTC),
    )
    SurveyResponseFactory(organisation=org_a, service=service, lost_time_minutes=12)
    _both_ways(org_a, monkeypatch, fast=False)


def test_an_organisation_without_responses_rebuilds_to_nothing(org_a):
    assert rebuild_rollups(org_a) == {"responses": 0, "samples": 0}
    assert rollup_snapshot(org_a) == {"ResponseRollup": [], "FactorRollup": [], "MetricRollup": []}
