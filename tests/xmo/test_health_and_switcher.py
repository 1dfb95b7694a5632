"""Health endpoints and the organisation switcher."""

import pytest
from django.db import connection

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.mark.django_db
def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_503_when_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database: ConnectionError"}


@pytest.mark.django_db
def test_readyz_503_when_configured_broker_fails(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"].startswith("broker:")


@pytest.mark.django_db
def test_healthz_needs_no_login(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.fixture
def two_org_person(db):
    alpha = OrganisationFactory(slug="alpha", name="Alpha IT")
    beta = OrganisationFactory(slug="beta", name="Beta IT")
    person = UserFactory(username="both")
    MembershipFactory(user=person, organisation=alpha, role="viewer")
    MembershipFactory(user=person, organisation=beta, role="admin")
    return person, alpha, beta


def test_switcher_lists_own_organisations_and_switches(client, two_org_person):
    person, alpha, beta = two_org_person
    client.force_login(person)
    home = client.get("/")
    assert home.context["current_org"] == alpha  # first by name
    assert b'name="organisation"' in home.content and b"Beta IT" in home.content
    assert client.get("/settings/").status_code == 403  # a viewer in Alpha

    response = client.post("/switch/", {"organisation": beta.pk, "next": "/settings/"})
    assert response.status_code == 302 and response["Location"] == "/settings/"
    page = client.get("/settings/")
    assert page.status_code == 200  # an admin in Beta
    assert page.context["current_org"] == beta


def test_switch_to_foreign_organisation_is_404(client, two_org_person):
    person, alpha, _ = two_org_person
    foreign = OrganisationFactory(slug="gamma", name="Gamma IT")
    client.force_login(person)
    assert client.post("/switch/", {"organisation": foreign.pk}).status_code == 404
    assert client.post("/switch/", {"organisation": "x"}).status_code == 404
    assert client.get("/").context["current_org"] == alpha


def test_switch_ignores_offsite_next(client, two_org_person):
    person, _, beta = two_org_person
    client.force_login(person)
    response = client.post("/switch/", {"organisation": beta.pk, "next": "https://evil.test/"})
    assert response["Location"] == "/"


def test_switch_needs_post_and_login(client, two_org_person):
    _, _, beta = two_org_person
    assert client.get("/switch/").status_code == 405
    assert client.post("/switch/", {"organisation": beta.pk})["Location"].startswith("/login/")
