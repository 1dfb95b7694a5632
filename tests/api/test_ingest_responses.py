"""POST /api/v1/survey-responses/: every rule of the push contract."""

import datetime
import json

import pytest
from django.utils import timezone

from experience.models import PendingResponse, SurveyResponse
from tests.factories import PersonaFactory, ServiceFactory, SurveyResponseFactory

from .conftest import RESPONSES_URL, post_json, response_item

pytestmark = pytest.mark.django_db


def push(api, token, data, **kwargs):
    return post_json(api, RESPONSES_URL, data, token=token, **kwargs)


def test_one_object_is_stored_with_every_field(api, org_a, token_a):
    item = response_item(
        touchpoint="request",
        channel="chat",
        persona="doers",
        lost_time_minutes=45,
        factors=["slow", "had to chase"],
        comment="Took two days.",
        location="Leeds",
        assignment_group="EUC",
        ticket_ref="INC001",
        reassignments=2,
        resolution_hours=30.5,
    )
    response = push(api, token_a, item)
    assert response.status_code == 201, response.content
    assert response.json() == {"received": 1, "created": 1, "duplicates": 0}
    assert "parse;dur=" in response["Server-Timing"]
    row = SurveyResponse.objects.get(organisation=org_a, external_id="r-0")
    assert row.service.slug == "service-desk"
    assert row.persona.slug == "doers"
    assert (row.score, row.touchpoint, row.channel) == (9, "request", "chat")
    assert row.lost_time_minutes == 45
    assert row.factors == ["slow", "had to chase"]
    assert row.comment == "Took two days."
    assert (row.location, row.assignment_group, row.ticket_ref) == ("Leeds", "EUC", "INC001")
    assert (row.reassignments, row.resolution_hours) == (2, 30.5)
    assert PendingResponse.objects.filter(response=row, organisation=org_a).exists()
    assert row.source_token is not None


def test_defaults_apply(api, org_a, token_a):
    assert push(api, token_a, [response_item()]).status_code == 201
    row = SurveyResponse.objects.get()
    assert (row.touchpoint, row.channel, row.persona, row.factors, row.comment) == (
        "incident",
        "other",
        None,
        [],
        "",
    )


def test_submitted_at_keeps_the_instant(api, token_a):
    push(api, token_a, response_item(submitted_at="2026-01-05T09:30:00+02:00"))
    row = SurveyResponse.objects.get()
    assert row.submitted_at == datetime.datetime(2026, 1, 5, 7, 30, tzinfo=datetime.UTC)


def test_a_batch_is_stored(api, token_a):
    response = push(api, token_a, [response_item(n) for n in range(50)])
    assert response.json() == {"received": 50, "created": 50, "duplicates": 0}
    assert SurveyResponse.objects.count() == 50


BAD_FIELDS = [
    ("external_id", ""),
    ("external_id", "x" * 129),
    ("external_id", 12),
    ("service", 5),
    ("score", -1),
    ("score", 11),
    ("score", 7.5),
    ("score", "9"),
    ("score", True),
    ("score", None),
    ("submitted_at", "yesterday"),
    ("submitted_at", "2026-01-05T09:30:00"),  # no offset
    ("submitted_at", "2026-01-05"),
    ("submitted_at", 1700000000),
    ("touchpoint", "email"),
    ("channel", "pigeon"),
    ("persona", 3),
    ("lost_time_minutes", -1),
    ("lost_time_minutes", 100_001),
    ("lost_time_minutes", 2.5),
    ("factors", "slow"),
    ("factors", ["x" * 101]),
    ("factors", [f"f{i}" for i in range(21)]),
    ("factors", [1]),
    ("comment", "x" * 10_001),
    ("comment", None),
    ("location", "x" * 129),
    ("assignment_group", "x" * 129),
    ("ticket_ref", "x" * 129),
    ("reassignments", -1),
    ("reassignments", 1.5),
    ("resolution_hours", -0.1),
    ("resolution_hours", "1"),
    ("comment", "nul \u0000 inside"),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_each_bad_field_rejects_the_batch(api, token_a, field, value):
    batch = [response_item(0), response_item(1, **{field: value})]
    response = push(api, token_a, batch)
    assert response.status_code == 400, (field, value)
    errors = response.json()["errors"]
    assert {"index": 1, "field": field} == {k: errors[0][k] for k in ("index", "field")}
    assert errors[0]["message"]
    assert SurveyResponse.objects.count() == 0


GOOD_BOUNDS = [
    ("score", 0),
    ("score", 10),
    ("lost_time_minutes", 0),
    ("lost_time_minutes", 100_000),
    ("factors", [f"f{i}" for i in range(20)]),
    ("factors", ["x" * 100]),
    ("comment", "x" * 10_000),
    ("external_id", "x" * 128),
    ("location", "x" * 128),
    ("reassignments", 0),
    ("resolution_hours", 0),
    ("resolution_hours", 1e6),
    ("persona", None),
    ("comment", "Ünïcødé ✓ 😀"),
]


@pytest.mark.parametrize(("field", "value"), GOOD_BOUNDS)
def test_values_at_the_bounds_are_accepted(api, token_a, field, value):
    response = push(api, token_a, response_item(**{field: value}))
    assert response.status_code == 201, response.content
    if value is not None and field != "external_id":
        assert getattr(SurveyResponse.objects.get(), field) == value


@pytest.mark.parametrize("field", ["external_id", "service", "score", "submitted_at"])
def test_required_fields(api, token_a, field):
    item = response_item()
    del item[field]
    response = push(api, token_a, [item])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": field, "message": "This field is required."}
    ]


def test_unknown_field_is_rejected(api, token_a):
    response = push(api, token_a, [response_item(scroe=5)])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "scroe"
    assert SurveyResponse.objects.count() == 0


def test_every_items_errors_are_reported(api, token_a):
    batch = [
        response_item(0),
        response_item(1, score=12, channel="fax"),
        response_item(2),
        response_item(3, service="nope"),
        "not an object",
        response_item(5, submitted_at=(timezone.now() + datetime.timedelta(hours=1)).isoformat()),
    ]
    response = push(api, token_a, batch)
    assert response.status_code == 400
    found = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert found == {
        (1, "score"),
        (1, "channel"),
        (3, "service"),
        (4, None),
        (5, "submitted_at"),
    }
    assert SurveyResponse.objects.count() == 0


def test_future_dates(api, token_a):
    soon = timezone.now() + datetime.timedelta(minutes=4)
    late = timezone.now() + datetime.timedelta(minutes=6)
    assert push(api, token_a, response_item(0, submitted_at=soon.isoformat())).status_code == 201
    response = push(api, token_a, response_item(1, submitted_at=late.isoformat()))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "submitted_at"


def test_absurdly_old_dates_are_rejected(api, token_a):
    response = push(api, token_a, response_item(submitted_at="0001-01-01T00:00:00+14:00"))
    assert response.status_code == 400


def test_unknown_slugs(api, token_a):
    response = push(api, token_a, [response_item(0, service="nope"), response_item(1, persona="x")])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "service", "message": "Unknown service 'nope'."},
        {"index": 1, "field": "persona", "message": "Unknown persona 'x'."},
    ]


def test_another_organisations_slugs_are_unknown(api, org_b, token_a):
    ServiceFactory(organisation=org_b, slug="b-only")
    PersonaFactory(organisation=org_b, slug="b-persona")
    response = push(
        api, token_a, [response_item(0, service="b-only"), response_item(1, persona="b-persona")]
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["service", "persona"]
    assert SurveyResponse.objects.count() == 0


def test_same_slug_resolves_to_the_tokens_organisation(api, org_a, org_b, token_a):
    ServiceFactory(organisation=org_b, slug="service-desk")
    push(api, token_a, response_item())
    assert SurveyResponse.objects.get().service.organisation == org_a


def test_duplicates_inside_a_batch_keep_the_first(api, token_a):
    batch = [response_item(0, score=1), response_item(1), response_item(0, score=10)]
    response = push(api, token_a, batch)
    assert response.json() == {"received": 3, "created": 2, "duplicates": 1}
    assert SurveyResponse.objects.get(external_id="r-0").score == 1


def test_duplicates_across_batches(api, token_a):
    push(api, token_a, [response_item(n) for n in range(5)])
    response = push(api, token_a, [response_item(n, score=2) for n in range(3, 8)])
    assert response.json() == {"received": 5, "created": 3, "duplicates": 2}
    assert SurveyResponse.objects.count() == 8
    assert SurveyResponse.objects.get(external_id="r-3").score == 9
    again = push(api, token_a, [response_item(n) for n in range(8)])
    assert again.json() == {"received": 8, "created": 0, "duplicates": 8}


def test_external_ids_are_per_organisation(api, org_a, org_b, token_a, make_token):
    ServiceFactory(organisation=org_b, slug="service-desk")
    SurveyResponseFactory(organisation=org_b, external_id="r-0")
    response = push(api, token_a, response_item(0))
    assert response.json()["created"] == 1


def test_batch_limit(api, token_a, settings):
    settings.XMO_MAX_BATCH_ITEMS = 10_000
    item = response_item()
    response = push(api, token_a, [item] * 10_001)
    assert response.status_code == 413
    assert "10000" in response.json()["detail"]
    assert SurveyResponse.objects.count() == 0


def test_batch_of_exactly_the_limit_is_accepted(api, token_a):
    batch = [response_item(n) for n in range(10_000)]
    response = push(api, token_a, batch)
    assert response.status_code == 201
    assert response.json()["created"] == 10_000


def test_invalid_batch_over_the_limit_is_413(api, token_a):
    response = push(api, token_a, [{"bad": 1}] * 10_001)
    assert response.status_code == 413


def test_body_too_large(api, token_a, settings):
    settings.XMO_MAX_BODY_BYTES = 1000
    response = push(api, token_a, [response_item(n) for n in range(20)])
    assert response.status_code == 413
    assert response.json()["detail"]
    assert SurveyResponse.objects.count() == 0


def test_body_longer_than_declared_content_length_is_413(token_a, settings, rf):
    from experience.api.views import SurveyResponseIngestView

    settings.XMO_MAX_BODY_BYTES = 1000
    body = json.dumps([response_item(n) for n in range(20)]).encode()
    request = rf.post(
        RESPONSES_URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token_a}"
    )
    request.META["CONTENT_LENGTH"] = "10"
    request._body = body
    response = SurveyResponseIngestView.as_view()(request)
    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_not_json_is_415(api, token_a, content_type):
    response = push(api, token_a, response_item(), content_type=content_type)
    assert response.status_code == 415
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[1,", b"", b"nonsense", b'{"external_id": "x",}', b"\xff\xfe[]", b'["\xc3"]'],
)
def test_malformed_json_and_invalid_utf8_are_400(api, token_a, raw):
    response = push(api, token_a, None, raw=raw)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_400(api, token_a, literal):
    body = json.dumps(response_item(resolution_hours=1.0)).replace("1.0", literal)
    response = push(api, token_a, None, raw=body.encode())
    assert response.status_code == 400
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize("raw", [b"[]", b"5", b'"text"', b"null", b"[[1]]"])
def test_other_json_shapes_are_400(api, token_a, raw):
    response = push(api, token_a, None, raw=raw)
    assert response.status_code == 400


def test_lone_surrogate_is_400(api, token_a):
    body = json.dumps(response_item(comment="x")).replace('"x"', '"\\ud800"')
    assert push(api, token_a, None, raw=body.encode()).status_code == 400


def test_rollups_are_queued_after_commit(api, org_a, token_a, django_capture_on_commit_callbacks):
    from unittest import mock

    with (
        mock.patch("xmo.jobs.enqueue") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        push(api, token_a, response_item())
    enqueue.assert_called_once_with("rollups", org_a.pk)


def test_rejected_batches_queue_nothing(api, token_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        push(api, token_a, response_item(score=99))
    assert callbacks == []


def test_unusual_offsets_are_stored_as_the_same_instant(api, token_a):
    response = push(api, token_a, response_item(submitted_at="2026-01-05T23:30:00+18:06"))
    assert response.status_code == 201
    row = SurveyResponse.objects.get()
    assert row.submitted_at == datetime.datetime(2026, 1, 5, 5, 24, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b'[{"factors": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]"],
)
def test_deeply_nested_json_is_400(api, token_a, raw):
    response = push(api, token_a, None, raw=raw)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("path", ["portable", "postgres"])
def test_new_responses_are_queued_once(api, org_a, token_a, settings, path):
    """Each created response gets one queue row; a duplicate is not queued again."""
    from django.db import connection

    from experience.rollups import process_new

    if path == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL write path needs PostgreSQL")
    settings.IS_POSTGRES = path == "postgres"

    def queued():
        return sorted(
            PendingResponse.objects.filter(organisation=org_a).values_list(
                "response__external_id", flat=True
            )
        )

    push(api, token_a, [response_item(n) for n in range(5)])
    assert queued() == [f"r-{n}" for n in range(5)]
    process_new(org_a)
    assert queued() == []
    response = push(api, token_a, [response_item(n) for n in range(3, 8)])
    assert response.json() == {"received": 5, "created": 3, "duplicates": 2}
    assert queued() == ["r-5", "r-6", "r-7"]
