"""Monthly partitions of the survey responses on PostgreSQL (experience.partitions): rows land
in their month, idempotency stays exact through ResponseKey, the job creates months ahead and
empties the default partition, and retention drops rolled-up months without touching their
rollups."""

import datetime
import json

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from experience import partitions
from experience.ingest import RESPONSES, ingest
from experience.jobs import response_partitions_job
from experience.models import PendingResponse, ResponseKey, RetiredResponses, SurveyResponse
from experience.rollups import process_new, rebuild_rollups
from feedback.models import FeedbackTag
from tests.experience.helpers import generate, make_dimensions, rollup_snapshot
from tests.factories import OrganisationFactory, SurveyResponseFactory, TagFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

UTC = datetime.UTC


def _at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def _partition_of(response) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM experience_surveyresponse WHERE id = %s",
            [response.pk],
        )
        return cursor.fetchone()[0]


def _body(external_ids, service, day="2027-03-10T09:00:00Z"):
    items = [
        {"external_id": e, "service": service.slug, "score": 8, "submitted_at": day}
        for e in external_ids
    ]
    return json.dumps(items).encode()


def test_the_responses_table_is_partitioned_by_month_with_a_default_partition():
    assert partitions.is_partitioned()
    response = SurveyResponseFactory(submitted_at=_at("2031-07-04"))
    assert _partition_of(response) == partitions.DEFAULT_PARTITION


def test_the_job_creates_the_months_ahead_and_moves_waiting_rows_out_of_the_default():
    waiting = SurveyResponseFactory(submitted_at=_at("2025-05-20"), external_id="old-1")
    result = response_partitions_job(today="2027-03-10")
    assert result["partitioned"]
    assert {"2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2025-05"} <= set(
        result["created"]
    )
    assert result["rows_moved"] == 1
    assert _partition_of(waiting) == "experience_surveyresponse_y2025m05"
    assert _partition_of(SurveyResponseFactory(submitted_at=_at("2027-04-02"))) == (
        "experience_surveyresponse_y2027m04"
    )
    # The move kept the key: the external id is still taken.
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponseFactory(
            organisation=waiting.organisation, external_id="old-1", submitted_at=_at("2027-03-01")
        )
    # A second run has nothing to do.
    assert response_partitions_job(today="2027-03-10")["created"] == []


@time_machine.travel(datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC), tick=False)
def test_ingestion_stores_each_external_id_once_across_partitions():
    org = OrganisationFactory()
    service = make_dimensions(org)[0][0]
    first = ingest(RESPONSES, organisation=org, body=_body(["a", "b"], service))
    # The same ids in another month (another partition) are still repeats.
    again = ingest(
        RESPONSES, organisation=org, body=_body(["b", "c"], service, "2027-05-02T08:00:00Z")
    )
    assert (first.created, again.created, again.duplicates) == (2, 1, 1)
    stored = SurveyResponse.objects.filter(organisation=org)
    assert sorted(stored.values_list("external_id", flat=True)) == ["a", "b", "c"]
    assert ResponseKey.objects.filter(organisation=org).count() == 3
    assert PendingResponse.objects.filter(organisation=org).count() == 3
    # Another organisation may use the same ids.
    other = OrganisationFactory()
    other_service = make_dimensions(other)[0][0]
    assert ingest(RESPONSES, organisation=other, body=_body(["a"], other_service)).created == 1


def test_a_deleted_response_frees_its_key_and_a_moved_one_keeps_it():
    response = SurveyResponseFactory(external_id="k-1", submitted_at=_at("2027-03-03"))
    org = response.organisation
    response.submitted_at = _at("2029-11-30")
    response.save()
    assert ResponseKey.objects.filter(organisation=org, external_id="k-1").count() == 1
    response.delete()
    assert not ResponseKey.objects.filter(organisation=org, external_id="k-1").exists()
    SurveyResponseFactory(organisation=org, external_id="k-1")


def test_a_response_keeps_its_external_id():
    response = SurveyResponseFactory(external_id="fixed")
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.filter(pk=response.pk).update(external_id="changed")


def test_retention_drops_rolled_up_months_and_keeps_their_rollups(settings):
    settings.RESPONSE_RETENTION_MONTHS = 12
    org = OrganisationFactory(time_zone="Pacific/Kiritimati")  # UTC+14: days straddle months
    services, personas = make_dimensions(org)
    generate(
        org,
        services,
        personas,
        n=300,
        first=datetime.date(2026, 2, 20),
        last=datetime.date(2026, 7, 10),
        seed=7,
    )
    old = SurveyResponse.objects.filter(organisation=org).order_by("submitted_at").first()
    FeedbackTag.objects.create(response=old, tag=TagFactory(organisation=org))
    partitions.ensure_partitions(today=datetime.date(2026, 7, 15))
    process_new(org)
    rebuild_rollups(org)
    before = rollup_snapshot(org)
    # A response of April still waits for the rollups: April stays until it is rolled up.
    late = SurveyResponseFactory(
        organisation=org, service=services[0], submitted_at=_at("2026-04-11")
    )

    result = partitions.retire_partitions(today=datetime.date(2027, 6, 15))  # keeps 2026-06 on
    assert result["dropped"] == ["2026-02", "2026-03"]
    assert result["waiting"] == ["2026-04"]
    assert RetiredResponses.boundary() == datetime.date(2026, 4, 1)
    april = datetime.datetime(2026, 4, 1, tzinfo=UTC)
    assert not SurveyResponse.objects.filter(organisation=org, submitted_at__lt=april).exists()
    assert not FeedbackTag.objects.filter(response_id=old.pk).exists()
    # Retired ids stay taken: a resent old response is not stored again.
    assert ResponseKey.objects.filter(organisation=org, external_id=old.external_id).exists()

    late.delete()
    rebuild_rollups(org)
    assert rollup_snapshot(org) == before


def test_retention_is_off_by_default():
    assert partitions.retire_partitions(today=datetime.date(2040, 1, 1))["retention"] == "off"
