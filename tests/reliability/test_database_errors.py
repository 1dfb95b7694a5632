"""A lost database connection is a 503 with Retry-After (JSON on the API), never a 500 page.

The fault test with a real PostgreSQL restart is test_fault_postgres.py; these run anywhere.
"""

import json
from unittest import mock

import pytest
from django.db import DataError, InterfaceError, OperationalError

from tests.factories import ApiTokenFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_api_push_gets_503_json_when_the_database_goes_away(client, org_a, error):
    ServiceFactory(organisation=org_a, slug="service-desk")
    _, key = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["ingest"])
    item = {
        "external_id": "x",
        "service": "service-desk",
        "score": 5,
        "submitted_at": "2026-01-01T00:00:00+00:00",
    }
    with mock.patch("experience.ingest.write", side_effect=error("server closed the connection")):
        response = client.post(
            "/api/v1/survey-responses/",
            json.dumps(item),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    assert "database" in response.json()["detail"].lower()


def test_api_read_gets_503_json(client, org_a):
    _, key = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["read"])
    with mock.patch(
        "experience.api.views.ServiceViewSet.get_queryset", side_effect=OperationalError("gone")
    ):
        response = client.get("/api/v1/services/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 503
    assert response.json()["detail"]


def test_a_page_gets_a_503_page_not_a_500(client, users):
    client.raise_request_exception = False
    client.force_login(users["officer"])
    with mock.patch("reports.views.home_figures", side_effect=OperationalError("gone")):
        response = client.get("/")
    assert response.status_code == 503
    assert "Retry-After" in response
    assert b"unavailable" in response.content.lower()


def test_other_errors_stay_500(client, users):
    client.raise_request_exception = False
    client.force_login(users["officer"])
    with mock.patch("reports.views.home_figures", side_effect=RuntimeError("bug")):
        assert client.get("/").status_code == 500


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
    ],
)
def test_input_the_database_cannot_hold_is_a_400(client, users, error):
    """What PostgreSQL refuses (NUL in text) and SQLite refuses (huge ids): a bad request."""
    client.raise_request_exception = False
    client.force_login(users["officer"])
    with mock.patch("reports.views.home_figures", side_effect=error):
        assert client.get("/").status_code == 400
