"""Edge cases from an outside test run: each used to give a silent 200 or an unclear error.

- `page_size=null` (or any page size that is not a whole number) is a 400, not the default
  page;
- an empty date filter (`?submitted_to=`) is a 400, not the unfiltered list;
- an over-long URL is a JSON 414;
- half a UTF-16 surrogate pair in a JSON body is a 400 whose message names it.
"""

import datetime
import json

import pytest
import time_machine

from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 10, 31, 23, 30, tzinfo=datetime.UTC)  # a month end


@pytest.fixture
def read(client, org_a):
    _, raw = ApiTokenFactory.create_with_key(organisation=org_a, scopes=["read", "ingest"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def _get(url):
        return client.get(url, **headers)

    _get.headers = headers
    return _get


# -- page_size ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["null", "abc", "1.5", "", "%20", "0", "-5", "1e3", "١٢"])
def test_a_page_size_that_is_not_a_whole_number_is_a_400(read, value):
    response = read(f"/api/v1/services/?page_size={value}")
    assert response.status_code == 400, (value, response.content)
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert body["errors"][0]["field"] == "page_size"
    assert "whole number from 1 to 1000" in body["errors"][0]["message"]


def test_valid_page_sizes_still_page_and_large_ones_are_capped(read, setup_a):
    one = read("/api/v1/services/?page_size=1")
    assert one.status_code == 200
    assert len(one.json()["results"]) == 1 and one.json()["count"] == 2
    assert "page_size=1" in one.json()["next"]
    assert read("/api/v1/services/?page_size=5000").status_code == 200
    assert read("/api/v1/services/").status_code == 200


# -- empty date filters ---------------------------------------------------------------------

DATE_FILTERS = [
    ("/api/v1/feedback/", "submitted_from"),
    ("/api/v1/feedback/", "submitted_to"),
    ("/api/v1/breaches/", "period_from"),
    ("/api/v1/breaches/", "period_to"),
    ("/api/v1/score-drops/", "week_from"),
    ("/api/v1/score-drops/", "week_to"),
    ("/api/v1/reports/", "month_from"),
    ("/api/v1/reports/", "month_to"),
    ("/api/v1/trends/", "from"),
    ("/api/v1/trends/", "to"),
]


@pytest.mark.parametrize(("path", "name"), DATE_FILTERS)
@pytest.mark.parametrize("value", ["", "%20%20"])
def test_an_empty_date_filter_is_a_400_naming_the_filter(read, path, name, value):
    response = read(f"{path}?{name}={value}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"]
    assert any(error["field"] == name for error in body["errors"]), body


@pytest.mark.parametrize(("path", "name"), DATE_FILTERS[:8])
def test_a_date_filter_with_a_date_still_filters(read, path, name):
    value = "2026-10-01T00:00:00Z" if name.startswith("submitted") else "2026-10-01"
    assert read(f"{path}?{name}={value}").status_code == 200


def test_the_empty_date_filter_message_says_what_to_do(read):
    body = read("/api/v1/feedback/?submitted_to=").json()
    error = next(e for e in body["errors"] if e["field"] == "submitted_to")
    assert "empty" in error["message"] and "leave the parameter out" in error["message"]


# -- over-long URLs -------------------------------------------------------------------------


def test_an_over_long_api_url_is_a_json_414(read, settings):
    assert settings.XMO_MAX_URL_BYTES == 4096
    response = read("/api/v1/services/?name=" + "a" * 5000)
    assert response.status_code == 414
    assert response["Content-Type"] == "application/json"
    assert "at most 4096" in response.json()["detail"]


def test_a_url_just_under_the_limit_is_served(read):
    path = "/api/v1/services/?name="
    response = read(path + "a" * (4096 - len(path) + 1 - 1))
    assert response.status_code == 200


def test_an_over_long_page_url_is_a_plain_414(client):
    response = client.get("/accounts/login/?next=" + "x" * 9000)
    assert response.status_code == 414
    assert response["Content-Type"].startswith("text/plain")


# -- lone surrogates ------------------------------------------------------------------------


def _push(client, headers, path, body: bytes):
    return client.generic("POST", path, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/survey-responses/",
            b'{"external_id": "\\ud800", "service": "service-desk", "score": 3, '
            b'"submitted_at": "2026-10-31T22:00:00+00:00"}',
        ),
        (
            "/api/v1/survey-responses/",
            b'[{"external_id": "a", "service": "service-desk", "score": 3, '
            b'"submitted_at": "2026-10-31T22:00:00+00:00", "comment": "slow \\ud800x"}]',
        ),
        (
            "/api/v1/metric-samples/",
            b'{"metric": "resolution-time", "service": "service-desk", "value": 1, '
            b'"measured_at": "2026-10-31T22:00:00+00:00", "external_id": "\\udc00"}',
        ),
    ],
)
def test_a_lone_surrogate_in_a_push_is_a_400_that_names_it(client, read, setup_a, path, body):
    response = _push(client, read.headers, path, body)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "lone UTF-16 surrogate" in detail
    assert ("\\ud800" in detail) or ("\\udc00" in detail)
    offset = body.index(b"\\u")
    assert f"at byte {offset}" in detail


def test_a_surrogate_encoded_as_utf8_is_named_too(client, read, setup_a):
    body = (
        b'{"external_id": "\xed\xa0\x80", "service": "service-desk", "score": 3, '
        b'"submitted_at": "2026-10-31T22:00:00+00:00"}'
    )
    response = _push(client, read.headers, "/api/v1/survey-responses/", body)
    assert response.status_code == 400
    assert "surrogate encoded as UTF-8 (bytes ED A0 80)" in response.json()["detail"]


def test_a_proper_surrogate_pair_and_an_escaped_backslash_are_accepted(client, read, setup_a):
    body = (
        b'{"external_id": "pair", "service": "service-desk", "score": 3, '
        b'"submitted_at": "2026-10-31T22:00:00+00:00", "comment": "\\ud83d\\ude00 \\\\ud800"}'
    )
    with time_machine.travel(NOW, tick=False):
        response = _push(client, read.headers, "/api/v1/survey-responses/", body)
    assert response.status_code == 201, response.content
    from experience.models import SurveyResponse

    assert SurveyResponse.objects.get(external_id="pair").comment == "\U0001f600 \\ud800"


def test_a_lone_surrogate_sent_to_a_drf_endpoint_is_a_400_that_names_it(login, users, setup_a):
    client = login(users["admin"])
    service = setup_a["services"][0]
    response = client.generic(
        "PATCH",
        f"/api/v1/services/{service.slug}/",
        json.dumps({"name": "Desk"})[:-2].encode() + b'\\ud800"}',
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert 'lone UTF-16 surrogate "\\ud800"' in response.json()["detail"]
    service.refresh_from_db()
    assert service.name == "Service desk"
