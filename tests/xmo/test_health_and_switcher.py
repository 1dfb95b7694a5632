"""Health endpoints and the organisation switcher."""

import pytest
from django.db import connection

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.mark.django_db
def test_readyz_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == body["broker"] == "ok"
    assert body["replica"] == "none"  # no DATABASE_REPLICA_URL: every read uses the primary
    assert body["checks"] == {"database": "ok", "broker": "ok", "replica": "none"}
    assert "reason" not in body
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_503_when_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "down"
    assert body["reason"] == "database: ConnectionError"


@pytest.mark.django_db
def test_readyz_200_degraded_when_only_the_broker_is_down(client, settings):
    """The broker is reported, not required: pushes are still stored while it is down."""
    from tests.reliability.procs import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # a closed loopback port
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["broker"] == "down"
    assert body["status"] == "degraded"
    assert body["reason"].startswith("broker: ")


@pytest.mark.django_db
def test_readyz_reports_a_missing_embedded_queue_folder(client, settings, tmp_path):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "absent")}
    response = client.get("/readyz")
    assert (response.status_code, response.json()["broker"]) == (200, "down")
    (tmp_path / "absent").mkdir()
    response = client.get("/readyz")
    assert (response.status_code, response.json()["status"]) == (200, "ok")


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_with_a_running_redis(client):
    body = client.get("/readyz").json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")


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
