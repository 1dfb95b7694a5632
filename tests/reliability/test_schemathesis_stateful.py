"""Stateful property-based run of the API: sequences of calls that follow the schema's links.

Schemathesis derives links between operations from the schema (a created service, persona or
metric is read, replaced and patched by its id) and chains up to STEPS calls per scenario. The
run is signed in as an organisation admin through the browser session (with its CSRF token),
the only identity allowed to write configuration; no answer may be a 5xx or differ from what
the schema promises.

How every scenario (Hypothesis example) starts from the same state, so that a scenario replays
exactly and Hypothesis never sees a rule behave differently the second time:

- The data the scenarios build on is created once, inside the test's transaction. Each
  scenario runs inside a savepoint opened in the state machine's `setup` and rolled back in its
  `teardown`, so nothing one scenario writes is visible to the next (the run checks that every
  table holds as many rows at the start of each scenario, and at the end, as before the first).
- PostgreSQL sequences are not transactional: they are set back to the table contents at the
  start of each scenario, so the n-th object a scenario creates always gets the same id (an id
  Hypothesis makes up then points at the same row, or at none, every time).
- Each call runs in its own savepoint as well. A request is autocommitted in production; here a
  request that leaves the transaction unusable (aborted on PostgreSQL, or marked for rollback)
  is rolled back alone instead of failing every call after it with a misleading error.
- The cache (rate-limit counters) is cleared at the start of each scenario, and the limits are
  raised so that no scenario meets one.
- The Hypothesis example database is off and generation is derandomized.

The two small tests at the end check the per-call savepoint on its own.
"""

import contextlib
import secrets
from collections import Counter

import pytest
import schemathesis
from django.apps import apps
from django.core.cache import cache
from django.core.management.color import no_style
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, close_old_connections, connection, transaction
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from experience.models import Service
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


# The schema endpoint needs no database, so it is loaded when the module is collected.
schema = _schema()


@pytest.fixture
def keep_connection():
    """Like Django's test client: the test's transaction must outlive each WSGI request
    (close_old_connections, fired around every request, would close it on PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_session(org_a, users, client, monkeypatch, caplog, keep_connection):
    """Organisation A with a little of everything; the cookies and header of its admin."""
    # The 4xx answers are expected by the hundred; a 5xx is still logged (and fails the run).
    caplog.set_level("ERROR", logger="django.request")
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


def _reset_sequences():
    """Point every sequence just past its table's largest id (a no-op where ids roll back)."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), apps.get_models(include_auto_created=True)
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _row_counts():
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def _call_in_savepoint(call):
    """Run one request in a savepoint, kept if the request left the transaction usable."""
    response = None
    try:
        with transaction.atomic():
            response = call()
    except DatabaseError:
        # Raised on leaving the block: the request left the transaction aborted, and it has
        # been rolled back to the savepoint. The answer it gave is still checked.
        if response is None:
            raise
    return response


@pytest.mark.slow
@pytest.mark.django_db
def test_stateful_sequences_match_the_schema(admin_session):
    seen = Counter()
    starting_rows = _row_counts()
    scenarios = []

    class Workflow(schema.as_state_machine()):
        def setup(self):
            cache.clear()
            _reset_sequences()
            # Every scenario sees the database exactly as the first one did.
            assert _row_counts() == starting_rows
            scenarios.append(self)
            self._scenario = transaction.atomic()
            self._scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._scenario.__exit__(None, None, None)

        def before_call(self, case):
            # Every call is the admin's: a made-up bearer token (the schema offers token
            # auth too) would otherwise take precedence over the session and get a 401.
            headers = {
                name: value
                for name, value in (case.headers or {}).items()
                if name.lower() != "authorization"
            }
            case.headers = {**headers, **admin_session["headers"]}
            case.cookies = {**(case.cookies or {}), **admin_session["cookies"]}

        def call(self, case, **kwargs):
            return _call_in_savepoint(lambda: case.call(**kwargs))

        def after_call(self, response, case):
            super().after_call(response, case)
            seen[(case.operation.method.upper(), case.operation.path, response.status_code)] += 1

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
    calls = sum(seen.values())
    created = sum(
        n for (method, _, status), n in seen.items() if method == "POST" and status == 201
    )
    linked = sum(n for (_, path, status), n in seen.items() if "{id}" in path and status == 200)
    operations = len({(method, path) for method, path, _ in seen})
    print(
        f"stateful run: {len(scenarios)} scenarios, {calls} calls, {created} created, "
        f"{linked} follow-up calls by id, {operations} operations"
    )
    for key, n in sorted(seen.items()):
        print(" ", key, n)
    # The run really exercised writes and the links that follow them.
    assert created > 0 and linked > 0, dict(seen)
    # ...and what the scenarios wrote was rolled back with them.
    assert _row_counts() == starting_rows


# --- the per-call savepoint the run relies on ---------------------------------------------


@pytest.mark.django_db
def test_a_request_marked_for_rollback_is_undone_alone(org_a):
    def request():
        ServiceFactory(organisation=org_a, slug="undone")
        transaction.set_rollback(True)
        return "answer"

    with transaction.atomic():  # one scenario
        assert _call_in_savepoint(request) == "answer"
        _call_in_savepoint(lambda: ServiceFactory(organisation=org_a, slug="kept"))
        assert list(Service.objects.values_list("slug", flat=True)) == ["kept"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_request_that_aborts_the_transaction_is_undone_alone(org_a):
    def request():
        ServiceFactory(organisation=org_a, slug="undone")
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
        return "answer"

    with transaction.atomic():  # one scenario
        assert _call_in_savepoint(request) == "answer"
        _call_in_savepoint(lambda: ServiceFactory(organisation=org_a, slug="kept"))
        assert list(Service.objects.values_list("slug", flat=True)) == ["kept"]
