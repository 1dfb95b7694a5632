"""Catalogue sync by token: PUT /api/v1/{services,personas,metrics}/{slug}/ is an upsert."""

import pytest
from django.core.management import call_command

from experience.models import OperationalMetric, Persona, Service
from tests.factories import (
    ApiTokenFactory,
    MembershipFactory,
    ServiceFactory,
    SurveyResponseFactory,
    UserFactory,
)
from xmo.models import ApiToken, AuditEvent


@pytest.fixture
def catalogue_token(org_a):
    return ApiTokenFactory.create_with_key(organisation=org_a, scopes=["catalogue", "read"])


def put(api, url, body, raw):
    return api.put(url, body, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_put_creates_then_updates_a_service_by_slug(api, org_a, catalogue_token):
    token, raw = catalogue_token
    owner = UserFactory(username="desk-owner")
    MembershipFactory(user=owner, organisation=org_a, role="service_owner")
    body = {"name": "Service desk", "it_area": "Support", "owner": "desk-owner"}
    created = put(api, "/api/v1/services/service-desk/", body, raw)
    assert created.status_code == 201, created.content
    assert created.json() | {"id": None} == {
        "id": None,
        "slug": "service-desk",
        "name": "Service desk",
        "description": "",
        "it_area": "Support",
        "owner": "desk-owner",
        "is_active": True,
    }
    service = Service.objects.get(organisation=org_a, slug="service-desk")
    assert service.owner == owner
    updated = put(api, "/api/v1/services/service-desk/", {**body, "name": "IT help"}, raw)
    assert updated.status_code == 200 and updated.json()["id"] == service.pk
    service.refresh_from_db()
    assert service.name == "IT help"
    events = AuditEvent.objects.filter(object_id=str(service.pk)).order_by("id")
    assert [e.action for e in events] == ["service.created", "service.updated"]
    assert all(e.actor_token == token and e.actor is None for e in events)
    assert events[1].before == {"name": "Service desk", "it_area": "Support", "owner": owner.pk,
                                "slug": "service-desk"}  # fmt: skip
    assert events[1].after["name"] == "IT help"


def test_re_put_of_the_same_body_changes_nothing(api, org_a, catalogue_token):
    _, raw = catalogue_token
    body = {"name": "Doers", "description": "Fix it themselves."}
    assert put(api, "/api/v1/personas/doers/", body, raw).status_code == 201
    again = put(api, "/api/v1/personas/doers/", body, raw)
    assert again.status_code == 200
    assert Persona.objects.filter(organisation=org_a).count() == 1
    assert AuditEvent.objects.filter(object_type="experience.persona").count() == 1


def test_metrics_upsert_and_deactivate_without_deleting_history(api, org_a, catalogue_token):
    _, raw = catalogue_token
    body = {"name": "Resolution time", "unit": "hours", "direction": "lower"}
    assert put(api, "/api/v1/metrics/mttr/", body, raw).status_code == 201
    response = put(api, "/api/v1/metrics/mttr/", {**body, "active": False}, raw)
    assert response.status_code == 200 and response.json()["is_active"] is False
    metric = OperationalMetric.objects.get(organisation=org_a, slug="mttr")
    assert metric.is_active is False
    listed = api.get("/api/v1/metrics/?is_active=false", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [m["slug"] for m in listed.json()["results"]] == ["mttr"]
    assert AuditEvent.objects.filter(action="metric.updated", after__is_active=False).exists()


def test_a_deactivated_service_keeps_its_responses(api, org_a, catalogue_token):
    _, raw = catalogue_token
    service = ServiceFactory(organisation=org_a, slug="vpn", name="VPN")
    SurveyResponseFactory(organisation=org_a, service=service)
    response = put(api, "/api/v1/services/vpn/", {"name": "VPN", "is_active": False}, raw)
    assert response.status_code == 200
    service.refresh_from_db()
    assert service.is_active is False and service.responses.count() == 1


@pytest.mark.parametrize("scopes", [["read"], ["ingest"], ["ingest", "read"]])
def test_the_catalogue_scope_is_required(api, org_a, scopes):
    _, raw = ApiTokenFactory.create_with_key(organisation=org_a, scopes=scopes)
    ServiceFactory(organisation=org_a, slug="desk", name="Desk")
    for url, body in [
        ("/api/v1/services/desk/", {"name": "Mine"}),
        ("/api/v1/services/new-one/", {"name": "New"}),
        ("/api/v1/personas/doers/", {"name": "Doers"}),
        ("/api/v1/metrics/mttr/", {"name": "MTTR"}),
    ]:
        response = put(api, url, body, raw)
        assert response.status_code == 403
        assert response.json() == {"detail": "This token lacks the 'catalogue' scope."}
    assert list(Service.objects.values_list("slug", "name")) == [("desk", "Desk")]
    assert not Persona.objects.exists() and not OperationalMetric.objects.exists()


def test_a_catalogue_only_token_cannot_read_or_push(api, org_a):
    _, raw = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["catalogue"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert api.get("/api/v1/services/", **auth).status_code == 403
    assert api.post("/api/v1/survey-responses/", [], format="json", **auth).status_code == 403


def test_never_another_organisations_objects(api, org_a, org_b, catalogue_token):
    _, raw = catalogue_token
    theirs = ServiceFactory(organisation=org_b, slug="desk", name="B's desk")
    # The same slug in A is a different object: B's is neither read nor changed.
    assert api.get("/api/v1/services/desk/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    patch = api.patch(
        "/api/v1/services/desk/", {"name": "Taken"}, format="json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip
    assert patch.status_code == 404
    assert put(api, "/api/v1/services/desk/", {"name": "A's desk"}, raw).status_code == 201
    theirs.refresh_from_db()
    assert theirs.name == "B's desk"
    assert Service.objects.get(organisation=org_a, slug="desk").name == "A's desk"
    # An owner from another organisation is not a valid owner here.
    outsider = UserFactory(username="b-person")
    MembershipFactory(user=outsider, organisation=org_b, role="admin")
    response = put(api, "/api/v1/services/desk/", {"name": "A", "owner": "b-person"}, raw)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "owner"


@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/services/Bad_Slug/", {"name": "X"}, "slug"),
        ("/api/v1/services/desk/", {"name": ""}, "name"),
        ("/api/v1/services/desk/", {}, "name"),
        ("/api/v1/services/desk/", {"name": "X", "colour": "red"}, "colour"),
        ("/api/v1/services/desk/", {"name": "X", "slug": "other"}, "slug"),
        ("/api/v1/services/desk/", {"name": "X", "is_active": "maybe"}, "is_active"),
        ("/api/v1/services/desk/", {"name": "X", "id": 5}, "id"),
        ("/api/v1/metrics/mttr/", {"name": "X", "direction": "sideways"}, "direction"),
        ("/api/v1/personas/doers/", {"name": "X" * 201}, "name"),
    ],
)
def test_invalid_bodies_are_400_with_errors_and_store_nothing(
    api, org_a, catalogue_token, url, body, field
):
    _, raw = catalogue_token
    response = put(api, url, body, raw)
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["detail"] and field in [e["field"] for e in data["errors"]]
    assert not Service.objects.exists()
    assert not Persona.objects.exists() and not OperationalMetric.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_body_that_is_not_an_object_is_400(api, org_a, catalogue_token):
    _, raw = catalogue_token
    response = put(api, "/api/v1/services/desk/", [{"name": "X"}], raw)
    assert response.status_code == 400 and "errors" in response.json()
    response = api.put(
        "/api/v1/services/desk/", "name=X", content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip
    assert response.status_code == 415


def test_signed_in_admins_may_upsert_too_and_others_may_not(login, users, org_a):
    client = login(users["admin"])
    response = client.put("/api/v1/services/vpn/", {"name": "VPN"}, content_type="application/json")
    assert response.status_code == 201
    assert AuditEvent.objects.get(action="service.created").actor == users["admin"]
    client = login(users["officer"])
    response = client.put(
        "/api/v1/services/vpn/", {"name": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 403


def test_create_api_token_accepts_the_catalogue_scope(org_a, capsys):
    call_command("create_api_token", "org-a", "--name", "cmdb", "--scopes", "catalogue,read")
    raw = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(raw))
    assert token.scopes == ["catalogue", "read"]


def test_settings_page_offers_the_catalogue_scope(login, users, org_a):
    client = login(users["admin"])
    response = client.post("/settings/tokens/", {"name": "cmdb", "scopes": ["catalogue"]})
    assert response.status_code == 200
    assert ApiToken.objects.get(name="cmdb").scopes == ["catalogue"]
