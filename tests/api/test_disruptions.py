"""POST/GET /api/v1/disruptions/: scopes, roles, validation, scoping and bounded queries."""

import pytest

from experience.disruptions.models import Disruption
from tests.factories import DisruptionFactory, PersonaFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def item(**overrides):
    return {
        "title": "Network maintenance",
        "services": ["desk"],
        "personas": ["field"],
        "starts_at": "2026-10-10T20:00:00+02:00",
        "ends_at": "2026-10-11T02:00:00+02:00",
        "expected_happiness_effect": -12,
        "expected_lost_time_effect": 20,
        "mitigation": "Mobile hotspots at each site.",
        **overrides,
    }


@pytest.fixture
def catalogue(org_a):
    ServiceFactory(organisation=org_a, slug="desk")
    PersonaFactory(organisation=org_a, slug="field")


def test_an_ingest_token_declares_and_a_read_token_lists(api, org_a, catalogue, make_token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['ingest'])}")
    response = api.post("/api/v1/disruptions/", item(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["services"] == ["desk"] and data["personas"] == ["field"]
    assert data["starts_at"].startswith("2026-10-10T18:00:00")  # stored in UTC
    assert data["source"] and data["approved_by"] is None
    assert api.get("/api/v1/disruptions/").status_code == 403  # ingest cannot read
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['read'])}")
    listed = api.get("/api/v1/disruptions/?service=desk&active_at=2026-10-10T19:00:00Z").json()
    assert [d["id"] for d in listed["results"]] == [data["id"]]
    assert api.get("/api/v1/disruptions/?active_at=2026-10-11T00:00:00Z").json()["count"] == 0
    assert api.post("/api/v1/disruptions/", item(), format="json").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"services": []}, "services"),
        ({"services": ["nope"]}, "services"),
        ({"ends_at": "2026-10-10T20:00:00+02:00"}, "ends_at"),
        ({"mitigation": ""}, "mitigation"),
        ({"personas": ["nobody"]}, "personas"),
    ],
)
def test_bad_disruptions_are_refused(api, org_a, catalogue, make_token, overrides, field):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['ingest'])}")
    response = api.post("/api/v1/disruptions/", item(**overrides), format="json")
    assert response.status_code == 400 and field in str(response.json())
    assert not Disruption.objects.exists()


def test_roles_and_service_owners(api, org_a, catalogue, users):
    ServiceFactory(organisation=org_a, slug="mine", owner=users["service_owner"])
    for role, status in (("officer", 201), ("member", 403), ("viewer", 403)):
        api.force_authenticate(users[role])
        assert api.post("/api/v1/disruptions/", item(), format="json").status_code == status
    api.force_authenticate(users["service_owner"])
    assert api.post("/api/v1/disruptions/", item(), format="json").status_code == 400
    assert (
        api.post("/api/v1/disruptions/", item(services=["mine"]), format="json").status_code == 201
    )


def test_other_organisations_are_invisible(api, org_a, org_b, catalogue, make_token):
    theirs = DisruptionFactory(organisation=org_b, services=[ServiceFactory(organisation=org_b)])
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['read'])}")
    assert api.get(f"/api/v1/disruptions/{theirs.pk}/").status_code == 404
    assert api.get("/api/v1/disruptions/").json()["count"] == 0


def test_list_queries_are_bounded(api, org_a, make_token, django_assert_max_num_queries):
    services = [ServiceFactory(organisation=org_a) for _ in range(3)]
    for _ in range(20):
        DisruptionFactory(organisation=org_a, services=services)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['read'])}")
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/disruptions/").json()["count"] == 20
