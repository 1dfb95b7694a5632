"""Property-based run of the whole API against its own OpenAPI schema (/api/schema/).

Every operation gets a bounded number of generated requests, authenticated with a token
holding both scopes; no answer may be a 5xx or differ from what the schema promises.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    ApiTokenFactory,
    BreachFactory,
    MonthlyReportFactory,
    OperationalMetricFactory,
    PersonaFactory,
    ScoreDropFactory,
    ServiceFactory,
    SurveyResponseFactory,
    XLAFactory,
)
from xmo.api.throttling import TokenRateThrottle

try:
    from schemathesis.checks import not_a_server_error
except ImportError:  # moved between releases
    from schemathesis.specs.openapi.checks import not_a_server_error

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load_schema():
    from xmo.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


pytestmark = pytest.mark.django_db

# The schema endpoint needs no database, so it is loaded when the module is collected.
schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose
    close_old_connections would close the connection holding the test transaction on
    PostgreSQL (Django's own test client disconnects it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def keep_connection():
    """Like Django's test client: the test's transaction must outlive each WSGI request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(org_a, monkeypatch, keep_connection):
    """Organisation A with a little of everything, and a token with both scopes."""
    monkeypatch.setattr(
        TokenRateThrottle,
        "THROTTLE_RATES",
        {**TokenRateThrottle.THROTTLE_RATES, "token": "100000/minute"},
    )
    desk = ServiceFactory(organisation=org_a, slug="service-desk")
    PersonaFactory(organisation=org_a, slug="doers")
    OperationalMetricFactory(organisation=org_a, slug="resolution-time")
    SurveyResponseFactory(organisation=org_a, service=desk, comment="Slow VPN")
    xla = XLAFactory(organisation=org_a)
    xla.services.add(desk)
    BreachFactory(indicator__version__xla=xla)
    ScoreDropFactory(organisation=org_a, service=desk)
    MonthlyReportFactory(organisation=org_a, status="published")
    _, raw = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["ingest", "read"])
    return raw


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_matches_its_schema(case, world):
    response = case.call(headers={"Authorization": f"Bearer {world}"})
    case.validate_response(response, checks=CHECKS)
