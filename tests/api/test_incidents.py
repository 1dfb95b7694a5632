"""GET /api/v1/incidents/: the contract, scoping, filters and bounded queries."""

import datetime

import pytest

from tests.factories import IncidentFactory, ScoreDropFactory, ServiceFactory

pytestmark = pytest.mark.django_db

WEEK = datetime.date(2026, 11, 23)


@pytest.fixture
def reader(api, org_a, make_token):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['read'])}")
    return api


def _incident(org, *, week=WEEK, service=None, status="new", members=2, label="Remote work / VPN"):
    incident = IncidentFactory(
        organisation=org,
        week_start=week,
        service=service,
        headline_value=service.slug if service else "network",
        headline_kind="service" if service else "assignment_group",
        headline_label=label,
        change=-66.0,
        explained_share=0.9,
        status=status,
    )
    drops = [
        ScoreDropFactory(
            organisation=org,
            week_start=week,
            service=service if i == 0 else None,
            segment_kind="service" if i == 0 else "channel",
            segment_value=service.slug if service and i == 0 else f"channel-{incident.pk}-{i}",
            incident=incident,
            explained_share=0.9 if i == 0 else 0.2,
        )
        for i in range(members)
    ]
    return incident, drops


def test_list_and_detail_contract(reader, org_a):
    vpn = ServiceFactory(organisation=org_a, slug="vpn", name="Remote work / VPN")
    incident, drops = _incident(org_a, service=vpn, members=3)
    response = reader.get("/api/v1/incidents/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["id"] == incident.pk
    assert row["week_start"] == "2026-11-23"
    assert row["measure"] == "happiness"
    assert row["headline"] == {"kind": "service", "value": "vpn", "name": "Remote work / VPN"}
    assert row["change"] == -66.0
    assert row["drops"] == sorted(d.pk for d in drops)
    assert row["status"] == "new"
    assert [s["drop"] for s in row["segments"]][0] == drops[0].pk
    assert row["segments"][0]["explained_share"] == 0.9
    detail = reader.get(f"/api/v1/incidents/{incident.pk}/")
    assert detail.status_code == 200 and detail.json() == row


def test_auth_scope_and_other_organisation(api, org_a, org_b, make_token):
    mine, _ = _incident(org_a)
    theirs, _ = _incident(org_b)
    assert api.get("/api/v1/incidents/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['ingest'])}")
    assert api.get("/api/v1/incidents/").status_code == 403
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(org_a, ['read'])}")
    assert [r["id"] for r in api.get("/api/v1/incidents/").json()["results"]] == [mine.pk]
    response = api.get(f"/api/v1/incidents/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_filters(reader, org_a):
    vpn = ServiceFactory(organisation=org_a, slug="vpn")
    desk = ServiceFactory(organisation=org_a, slug="desk")
    early, _ = _incident(org_a, week=datetime.date(2026, 11, 2), service=vpn)
    late, _ = _incident(org_a, week=WEEK, service=desk, status="closed")
    # Headed by an assignment group, with a member drop in the VPN service.
    grouped, drops = _incident(org_a, week=WEEK)
    ScoreDropFactory(
        organisation=org_a, week_start=WEEK, service=vpn, segment_value="vpn", incident=grouped
    )

    def ids(query):
        response = reader.get(f"/api/v1/incidents/?{query}")
        assert response.status_code == 200, response.content
        return sorted(r["id"] for r in response.json()["results"])

    assert ids("week_from=2026-11-10") == sorted([late.pk, grouped.pk])
    assert ids("week_to=2026-11-10") == [early.pk]
    assert ids("service=vpn") == sorted([early.pk, grouped.pk])
    assert ids("service=desk") == [late.pk]
    assert ids("status=closed") == [late.pk]
    assert ids("status=new&week_from=2026-11-23") == [grouped.pk]
    assert reader.get("/api/v1/incidents/?status=nonsense").status_code == 400
    assert reader.get("/api/v1/incidents/?week_from=soon").status_code == 400


def test_queries_do_not_grow_with_incidents_or_drops(reader, org_a, django_assert_max_num_queries):
    _incident(org_a, members=2)
    with django_assert_max_num_queries(12) as few:
        assert reader.get("/api/v1/incidents/").status_code == 200
    for _ in range(6):
        _incident(org_a, members=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(reader.get("/api/v1/incidents/").json()["results"]) == 7
