import datetime

import pytest
from django.utils import timezone

from tests.factories import PersonaFactory, ServiceFactory, SurveyResponseFactory, TagFactory


@pytest.fixture
def services(org_a, users):
    """Two services of organisation A; the service owner owns only `desk`."""
    return {
        "desk": ServiceFactory(
            organisation=org_a,
            slug="service-desk",
            name="Service desk",
            owner=users["service_owner"],
        ),
        "laptops": ServiceFactory(organisation=org_a, slug="laptops", name="Laptops"),
    }


@pytest.fixture
def persona(org_a):
    return PersonaFactory(organisation=org_a, slug="doers", name="Doers")


@pytest.fixture
def make_feedback(org_a, services):
    def _make(comment="It was fine.", *, service="desk", hours_ago=1, **kwargs):
        return SurveyResponseFactory(
            organisation=org_a,
            service=services[service],
            comment=comment,
            submitted_at=timezone.now() - datetime.timedelta(hours=hours_ago),
            **kwargs,
        )

    return _make


@pytest.fixture
def tag(org_a):
    return TagFactory(organisation=org_a, name="VPN", slug="vpn")


@pytest.fixture(autouse=True)
def _rows_settle_at_once(monkeypatch):
    """On PostgreSQL suggest_tags waits 60 s after a row's receipt; tests read rows at once
    (test_jobs.py checks the wait itself)."""
    monkeypatch.setattr("feedback.jobs.settle_margin", lambda: datetime.timedelta(0))
