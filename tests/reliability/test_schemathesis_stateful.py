"""Stateful property-based run of the API: sequences of calls that follow the schema's links.

Schemathesis 4 derives links between operations from the schema (a created service, persona
or metric is read, replaced and patched by its id). The run is signed in as an organisation
admin through the browser session (with its CSRF token), the only identity allowed to write
configuration; no answer may be a 5xx or differ from what the schema promises.
"""

import secrets
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
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
MAX_EXAMPLES = 25
STEPS = 6


def _schema():
    from xmo.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _schema()


@pytest.fixture
def admin_session(org_a, users, client, monkeypatch):
    monkeypatch.setattr(
        TokenRateThrottle,
        "THROTTLE_RATES",
        {**TokenRateThrottle.THROTTLE_RATES, "token": "100000/minute", "user": "100000/minute"},
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
    client.force_login(users["admin"])
    csrf = secrets.token_hex(16)
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        "headers": {"X-CSRFToken": csrf},
    }


def test_the_schema_links_operations():
    workflow = schema.as_state_machine()
    assert workflow.bundles, "no links between operations: nothing stateful to test"


@pytest.mark.slow
# Committed, as in production: a request that fails inside the database must not leave a
# test-wide transaction aborted for the requests after it.
@pytest.mark.django_db(transaction=True)
def test_stateful_sequences_match_the_schema(admin_session):
    seen = Counter()

    class Workflow(schema.as_state_machine()):
        def before_call(self, case):
            case.cookies = {**(case.cookies or {}), **admin_session["cookies"]}
            case.headers = {**(case.headers or {}), **admin_session["headers"]}

        def after_call(self, response, case):
            seen[(case.operation.method.upper(), case.operation.path, response.status_code)] += 1

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    calls = sum(seen.values())
    created = sum(
        n for (method, _, status), n in seen.items() if method == "POST" and status == 201
    )
    linked = sum(n for (_, path, status), n in seen.items() if "{id}" in path and status == 200)
    print(f"stateful run: {calls} calls, {created} created, {linked} follow-up calls by id")
    for key, n in sorted(seen.items()):
        print(" ", key, n)
    # The run really exercised writes and the links that follow them.
    assert created > 0 and linked > 0, dict(seen)
