"""POST/GET /api/v1/changes/: scopes, roles, idempotency, organisation scoping, queries."""

import datetime

import pytest
from rest_framework.test import APIClient

from changes.models import Change
from experience.disruptions.models import Disruption
from tests.factories import ApiTokenFactory, ChangeFactory, ServiceFactory
from xmo.models import AuditEvent

pytestmark = pytest.mark.django_db


def client_with(org, scopes, name="itsm"):
    _, raw = ApiTokenFactory.create_with_key(organisation=org, scopes=list(scopes), name=name)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def portal(org_a):
    return ServiceFactory(organisation=org_a, slug="portal", name="Portal")


def body(**overrides):
    return {
        "external_id": "CHG0001",
        "title": "New portal search",
        "services": ["portal"],
        "implemented_at": "2026-10-07T10:00:00+00:00",
        "expected_effect": "improve",
        **overrides,
    }


def test_an_ingest_token_records_a_change_once(org_a, portal):
    api = client_with(org_a, ["ingest", "read"])
    first = api.post("/api/v1/changes/", body(), format="json")
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["external_id"] == "CHG0001" and data["services"] == ["portal"]
    assert data["source"] == "itsm" and data["window_weeks"] == 2
    assert data["verdict"]["result"] == "pending" and data["verdict"]["effect"] is None
    again = api.post("/api/v1/changes/", body(title="Changed title"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == data["id"] and again.json()["title"] == "New portal search"
    assert Change.objects.count() == 1
    assert AuditEvent.objects.filter(action="change.recorded").count() == 1


def test_a_change_may_declare_its_disruption(org_a, portal):
    api = client_with(org_a, ["ingest"])
    response = api.post(
        "/api/v1/changes/",
        body(
            disruption={
                "starts_at": "2026-10-07T08:00:00+00:00",
                "ends_at": "2026-10-07T12:00:00+00:00",
                "mitigation": "Announced; old search kept as fallback.",
                "expected_happiness_effect": -10,
            }
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    disruption = Disruption.objects.get()
    assert response.json()["disruption_id"] == disruption.pk
    assert [s.slug for s in disruption.services.all()] == ["portal"]
    assert disruption.source == "itsm" and disruption.expected_happiness_effect == -10


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"services": ["unknown"]}, "services"),
        ({"services": []}, "services"),
        ({"expected_effect": "better"}, "expected_effect"),
        ({"window_weeks": 0}, "window_weeks"),
        ({"colour": "red"}, "colour"),
        ({"implemented_at": "yesterday"}, "implemented_at"),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_stored(org_a, portal, overrides, field):
    response = client_with(org_a, ["ingest"]).post(
        "/api/v1/changes/", body(**overrides), format="json"
    )
    assert response.status_code == 400
    assert field in str(response.json())
    assert not Change.objects.exists()


def test_scopes_and_roles(org_a, portal, users, login):
    assert (
        client_with(org_a, ["read"]).post("/api/v1/changes/", body(), format="json").status_code
        == 403
    )
    assert client_with(org_a, ["ingest"], "push").get("/api/v1/changes/").status_code == 403
    assert APIClient().get("/api/v1/changes/").status_code == 401
    for role, allowed in (("officer", True), ("member", False), ("viewer", False)):
        client = login(users[role])
        response = client.post(
            "/api/v1/changes/", body(external_id=f"CHG-{role}"), content_type="application/json"
        )
        assert (response.status_code == 201) is allowed, (role, response.status_code)
    assert login(users["viewer"]).get("/api/v1/changes/").status_code == 403
    assert login(users["leader"]).get("/api/v1/changes/").status_code == 200


def test_another_organisations_change_is_a_404(org_a, org_b, portal):
    theirs = ChangeFactory(organisation=org_b, services=[ServiceFactory(organisation=org_b)])
    ours = ChangeFactory(organisation=org_a, services=[portal])
    api = client_with(org_a, ["read"])
    assert api.get(f"/api/v1/changes/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/changes/{ours.pk}/").status_code == 200
    assert [c["id"] for c in api.get("/api/v1/changes/").json()["results"]] == [ours.pk]
    # Another organisation's service slug is unknown here.
    other = ServiceFactory(organisation=org_b, slug="their-portal")
    response = api.post("/api/v1/changes/", body(services=[other.slug]), format="json")
    assert response.status_code == 403  # read token: refused before validation


def test_detail_has_the_verdict(org_a, portal):
    change = ChangeFactory(
        organisation=org_a,
        services=[portal],
        verdict="worsened",
        verdict_measure="happiness",
        effect=-14.2,
        ci_low=-20.1,
        ci_high=-8.3,
        p_value=0.0001,
        judged_at=datetime.datetime(2026, 10, 22, 5, 30, tzinfo=datetime.UTC),
        details={
            "windows": {"before_start": "2026-09-23"},
            "comparison": ["collab"],
            "measures": [],
        },
    )
    verdict = client_with(org_a, ["read"]).get(f"/api/v1/changes/{change.pk}/").json()["verdict"]
    assert verdict["result"] == "worsened" and verdict["measure"] == "happiness"
    assert (verdict["effect"], verdict["ci_low"], verdict["ci_high"]) == (-14.2, -20.1, -8.3)
    assert verdict["p_value"] == 0.0001 and verdict["comparison_services"] == ["collab"]


def test_list_runs_a_bounded_number_of_queries(org_a, portal, django_assert_max_num_queries):
    for i in range(15):
        ChangeFactory(organisation=org_a, services=[portal, ServiceFactory(organisation=org_a)])
    api = client_with(org_a, ["read"])
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/changes/?verdict=pending&service=portal")
    assert response.json()["count"] == 15
