import datetime
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import (
    ApiTokenFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ServiceFactory,
)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def make_token(db):
    """make_token(org, scopes) → raw key of a new token."""

    def _make(org, scopes=("ingest", "read")):
        _, raw = ApiTokenFactory.create_with_key(organisation=org, scopes=list(scopes))
        return raw

    return _make


@pytest.fixture
def setup_a(org_a):
    """Organisation A's services, personas and metrics that pushed items name."""
    return {
        "services": [
            ServiceFactory(organisation=org_a, slug="service-desk", name="Service desk"),
            ServiceFactory(organisation=org_a, slug="laptops", name="Laptops & computers"),
        ],
        "personas": [PersonaFactory(organisation=org_a, slug="doers", name="Doers")],
        "metrics": [OperationalMetricFactory(organisation=org_a, slug="resolution-time")],
    }


@pytest.fixture
def token_a(org_a, setup_a, make_token):
    return make_token(org_a)


def recent(minutes=30):
    return (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat()


def response_item(n=0, **overrides):
    item = {
        "external_id": f"r-{n}",
        "service": "service-desk",
        "score": 9,
        "submitted_at": recent(),
    }
    item.update(overrides)
    return item


def sample_item(n=0, **overrides):
    item = {
        "metric": "resolution-time",
        "service": "service-desk",
        "value": 4.5,
        "measured_at": recent(),
    }
    if n is not None:
        item["external_id"] = f"s-{n}"
    item.update(overrides)
    return item


def post_json(client, path, data, token=None, raw=None, content_type="application/json"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = raw if raw is not None else json.dumps(data)
    return client.generic("POST", path, body, content_type=content_type, **headers)


RESPONSES_URL = "/api/v1/survey-responses/"
SAMPLES_URL = "/api/v1/metric-samples/"
