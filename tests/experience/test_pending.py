"""The queue of responses to roll up: claimed by deletion, emptied by a rebuild."""

import datetime

import pytest
from django.db import connection
from django.db.models import Sum

from experience.models import PendingResponse, ResponseRollup, SurveyResponse
from experience.rollups import process_new, rebuild_rollups
from experience.rollups.responses import process_response_chunk
from tests.factories import ServiceFactory, SurveyResponseFactory

pytestmark = pytest.mark.django_db


def _total(org):
    day = ResponseRollup.objects.filter(organisation=org, span="day", grain="service")
    return day.aggregate(n=Sum("n"))["n"] or 0


def _response_rows(org):
    fields = [f.attname for f in SurveyResponse._meta.concrete_fields]
    return list(SurveyResponse.objects.filter(organisation=org).order_by("pk").values(*fields))


def test_a_claim_deletes_queue_rows_and_leaves_responses_untouched(org_a):
    service = ServiceFactory(organisation=org_a)
    SurveyResponseFactory.create_batch(7, organisation=org_a, service=service)
    before = _response_rows(org_a)

    assert process_response_chunk(org_a, limit=4) == 4
    assert PendingResponse.objects.filter(organisation=org_a).count() == 3
    assert process_response_chunk(org_a, limit=4) == 3
    assert process_response_chunk(org_a, limit=4) == 0

    assert not PendingResponse.objects.exists()
    assert _response_rows(org_a) == before
    assert _total(org_a) == 7


def test_only_queued_responses_are_rolled_up(org_a):
    service = ServiceFactory(organisation=org_a)
    SurveyResponseFactory(organisation=org_a, service=service, processed=True)
    SurveyResponseFactory.create_batch(2, organisation=org_a, service=service)
    assert process_new(org_a)["responses"] == 2
    assert _total(org_a) == 2


def test_rebuild_empties_the_queue_and_rolls_up_everything(org_a, org_b):
    service = ServiceFactory(organisation=org_a)
    now = datetime.datetime.now(datetime.UTC)
    SurveyResponseFactory.create_batch(
        3, organisation=org_a, service=service, submitted_at=now - datetime.timedelta(days=2)
    )
    process_new(org_a)
    SurveyResponseFactory.create_batch(4, organisation=org_a, service=service)
    other = SurveyResponseFactory(organisation=org_b)
    assert PendingResponse.objects.filter(organisation=org_a).count() == 4

    assert rebuild_rollups(org_a)["responses"] == 7

    assert not PendingResponse.objects.filter(organisation=org_a).exists()
    assert _total(org_a) == 7
    assert list(PendingResponse.objects.values_list("response_id", flat=True)) == [other.pk]
    assert process_new(org_a)["responses"] == 0
    assert _total(org_a) == 7


@pytest.mark.django_db(transaction=True)
def test_migration_queues_the_unprocessed_responses():
    from django.db.migrations.executor import MigrationExecutor

    before = [("experience", "0006_response_highlighted_index")]
    after = [("experience", "0007_pending_response")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    organisation = apps.get_model("xmo", "Organisation").objects.create(slug="m", name="M")
    service = apps.get_model("experience", "Service").objects.create(
        organisation=organisation, slug="desk", name="Desk"
    )
    response = apps.get_model("experience", "SurveyResponse")
    now = datetime.datetime.now(datetime.UTC)
    rows = {
        flag: response.objects.create(
            organisation=organisation,
            service=service,
            external_id=str(flag),
            score=9,
            submitted_at=now,
            processed=flag,
        )
        for flag in (True, False)
    }

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    pending = apps.get_model("experience", "PendingResponse").objects.all()
    assert [(p.response_id, p.organisation_id) for p in pending] == [
        (rows[False].pk, organisation.pk)
    ]

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    processed = apps.get_model("experience", "SurveyResponse").objects.values_list(
        "external_id", "processed"
    )
    assert sorted(processed) == [("False", False), ("True", True)]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
