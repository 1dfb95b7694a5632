"""Tokens: scopes, revocation, last use; sessions: roles and CSRF; throttling."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from experience.models import SurveyResponse
from xmo.models import ApiToken
from xmo.services import api_token_create, api_token_revoke

from .conftest import RESPONSES_URL, SAMPLES_URL, post_json, response_item, sample_item

pytestmark = pytest.mark.django_db

READ_URLS = [
    "/api/v1/services/",
    "/api/v1/personas/",
    "/api/v1/metrics/",
    "/api/v1/xlas/",
    "/api/v1/breaches/",
    "/api/v1/score-drops/",
    "/api/v1/feedback/",
    "/api/v1/reports/",
    "/api/v1/trends/",
]


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize("url", READ_URLS)
def test_no_token_is_401(api, url):
    response = api.get(url)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("url", [RESPONSES_URL, SAMPLES_URL])
def test_push_without_token_is_401(api, setup_a, url):
    response = post_json(api, url, response_item())
    assert response.status_code == 401
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Bearer a b", "Bearer ünï"])
def test_invalid_token_is_401(api, header):
    response = api.get("/api/v1/services/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_token_is_401(api, org_a, setup_a):
    token, raw = api_token_create(organisation=org_a, name="itsm", scopes=["ingest", "read"])
    assert api.get("/api/v1/services/", **bearer(raw)).status_code == 200
    api_token_revoke(token=token)
    assert api.get("/api/v1/services/", **bearer(raw)).status_code == 401
    response = post_json(api, RESPONSES_URL, response_item(), token=raw)
    assert response.status_code == 401
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize("url", READ_URLS)
def test_ingest_only_token_cannot_read(api, org_a, setup_a, make_token, url):
    raw = make_token(org_a, scopes=["ingest"])
    response = api.get(url, **bearer(raw))
    assert response.status_code == 403
    assert "read" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "item"), [(RESPONSES_URL, response_item), (SAMPLES_URL, sample_item)]
)
def test_read_only_token_cannot_push(api, org_a, setup_a, make_token, url, item):
    raw = make_token(org_a, scopes=["read"])
    response = post_json(api, url, item(), token=raw)
    assert response.status_code == 403
    assert "ingest" in response.json()["detail"]
    assert SurveyResponse.objects.count() == 0


def test_tokens_cannot_change_configuration(api, org_a, setup_a, make_token):
    raw = make_token(org_a)
    response = api.post(
        "/api/v1/services/", {"slug": "x", "name": "X"}, format="json", **bearer(raw)
    )
    assert response.status_code == 403


def test_last_use_is_recorded(api, org_a, setup_a):
    token, raw = api_token_create(organisation=org_a, name="itsm", scopes=["read"])
    assert token.last_used_at is None
    api.get("/api/v1/services/", **bearer(raw))
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < datetime.timedelta(seconds=10)


def test_only_the_hash_is_stored(org_a):
    token, raw = api_token_create(organisation=org_a, name="itsm", scopes=["read"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.key_hash, stored.key_prefix)
    assert stored.key_hash == ApiToken.hash_key(raw)


def test_signed_in_admin_may_push_with_csrf(org_a, users, setup_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    response = post_json(client, RESPONSES_URL, response_item())
    assert response.status_code == 403  # no CSRF token
    client.get("/api/v1/services/")
    csrf = client.cookies.get("csrftoken")
    if csrf is None:
        from django.middleware.csrf import _get_new_csrf_string

        csrf_value = _get_new_csrf_string()
        client.cookies["csrftoken"] = csrf_value
    else:
        csrf_value = csrf.value
    response = client.generic(
        "POST",
        RESPONSES_URL,
        '{"external_id": "a", "service": "service-desk", "score": 3, '
        f'"submitted_at": "{(timezone.now() - datetime.timedelta(hours=1)).isoformat()}"}}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_value,
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("role", ["officer", "member", "leader", "service_owner", "viewer"])
def test_other_roles_may_not_push(login, users, setup_a, role):
    response = post_json(login(users[role]), RESPONSES_URL, response_item())
    assert response.status_code == 403


def test_throttled_token_gets_429_with_retry_after(api, org_a, setup_a, make_token, settings):
    from rest_framework.settings import api_settings

    from xmo.api.throttling import TokenRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "token": "3/minute"}
    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = rates
    try:
        raw = make_token(org_a)
        other = make_token(org_a)
        statuses = [api.get("/api/v1/services/", **bearer(raw)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = api.get("/api/v1/services/", **bearer(raw))
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
        assert response.json()["detail"]
        # The limit is per token.
        assert api.get("/api/v1/services/", **bearer(other)).status_code == 200
    finally:
        TokenRateThrottle.THROTTLE_RATES = original
