"""Incidents: overlapping drops of a week become one incident headed by their cause."""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest

from experience.drops.detect import detect_score_drops
from experience.drops.incidents import build_incidents
from experience.models import Incident, ScoreDrop, SurveyResponse
from experience.rollups import process_new
from tests.factories import PersonaFactory, ServiceFactory, enqueue_responses
from tests.factories.webhooks import WebhookEndpointFactory
from xmo.webhooks.models import WebhookDelivery

TZ = ZoneInfo("Europe/Berlin")
WEEK = datetime.date(2026, 6, 1)  # a Monday
NOW = datetime.datetime(2026, 6, 10, 9, tzinfo=datetime.UTC)
GOOD = [6, 8, 9, 9, 10, 10, 10]
BAD = [0, 2, 3, 5, 6, 6, 7, 9]
_seq = iter(range(10**9))


@pytest.fixture
def berlin(org_a):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    return org_a


def _rows(org, rng, service, week, n, scores, **dims):
    """n responses of one service spread over the week `week` weeks after WEEK."""
    monday = WEEK + datetime.timedelta(days=7 * week)
    rows = []
    for i in range(n):
        day = monday + datetime.timedelta(days=i % 7)
        pick = {k: rng.choice(v) if isinstance(v, list) else v for k, v in dims.items()}
        rows.append(
            SurveyResponse(
                organisation=org,
                service=service,
                external_id=f"i-{next(_seq)}",
                score=rng.choice(scores),
                submitted_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=TZ),
                **pick,
            )
        )
    return rows


def _load(org, rows):
    enqueue_responses(SurveyResponse.objects.bulk_create(rows, batch_size=2000))
    process_new(org)


def _broad_outage(org):
    """A VPN outage: VPN answers fall and flood in across every channel, persona, location."""
    rng = random.Random(5)
    vpn = ServiceFactory(organisation=org, slug="vpn", name="Remote work / VPN")
    others = [ServiceFactory(organisation=org, slug=s) for s in ("desk", "laptops", "collab")]
    personas = [PersonaFactory(organisation=org, slug=p) for p in ("doers", "execs")]
    spread = {
        "channel": ["portal", "phone", "email", "chat"],
        "location": ["paris", "lyon"],
        "persona": personas,
        "touchpoint": ["incident", "request"],
    }
    rows = []
    for week in range(-8, 1):
        outage = week == 0
        rows += _rows(
            org,
            rng,
            vpn,
            week,
            160 if outage else 40,
            BAD if outage else GOOD,
            assignment_group="network",
            **spread,
        )
        for service in others:
            rows += _rows(org, rng, service, week, 60, GOOD, assignment_group="desk-l1", **spread)
    _load(org, rows)
    return vpn


def test_a_broad_outage_is_one_incident_headed_by_the_causing_service(berlin):
    _broad_outage(berlin)
    result = detect_score_drops(berlin, now=NOW)
    drops = ScoreDrop.objects.filter(organisation=berlin, week_start=WEEK, measure="happiness")
    kinds = {d.segment_kind for d in drops}
    assert {"all", "service", "channel"} <= kinds and drops.count() >= 5
    [incident] = Incident.objects.filter(organisation=berlin, measure="happiness")
    assert result["incidents"] == Incident.objects.filter(organisation=berlin).count()
    assert incident.week_start == WEEK
    assert (incident.headline_kind, incident.headline_value) == ("service", "vpn")
    assert incident.headline_label == "Remote work / VPN"
    assert incident.service.slug == "vpn"
    headline = drops.get(segment_kind="service", segment_value="vpn")
    assert incident.change == headline.delta
    assert set(incident.drops.values_list("pk", flat=True)) == set(
        drops.values_list("pk", flat=True)
    )
    # The whole organisation is the reference; VPN explains most of its fall, a channel less.
    org_drop = drops.get(segment_kind="all")
    assert org_drop.explained_share == 1.0
    assert 0.6 <= headline.explained_share <= 1.3
    assert incident.explained_share == headline.explained_share
    channel = drops.filter(segment_kind="channel").first()
    assert 0 < channel.explained_share < 0.6


def test_unrelated_drops_with_disjoint_responses_are_two_incidents(berlin):
    rng = random.Random(8)
    desk = ServiceFactory(organisation=berlin, slug="desk", name="Service desk")
    laptops = ServiceFactory(organisation=berlin, slug="laptops", name="Laptops")
    big = [ServiceFactory(organisation=berlin, slug=s) for s in ("collab", "mail", "erp")]
    rows = []
    for week in range(-8, 1):
        fallen = BAD if week == 0 else GOOD
        rows += _rows(berlin, rng, desk, week, 70, fallen, channel="phone", touchpoint="incident")
        rows += _rows(
            berlin, rng, laptops, week, 70, fallen, channel="walk_in", touchpoint="request"
        )
        for service in big:  # the rest improves that week: no organisation-wide fall
            rows += _rows(
                berlin,
                rng,
                service,
                week,
                200,
                [10] if week == 0 else GOOD,
                channel=["portal", "email", "chat"],
                touchpoint="proactive",
            )
    _load(berlin, rows)
    detect_score_drops(berlin, now=NOW)
    drops = ScoreDrop.objects.filter(organisation=berlin, week_start=WEEK, measure="happiness")
    assert not drops.filter(segment_kind="all").exists()
    incidents = Incident.objects.filter(organisation=berlin, measure="happiness")
    assert sorted(i.headline_value for i in incidents) == ["desk", "laptops"]
    for incident in incidents:
        members = {(d.segment_kind, d.segment_value) for d in incident.drops.all()}
        assert ("service", incident.headline_value) in members
        assert ("service", "desk" if incident.headline_value == "laptops" else "laptops") not in (
            members
        )


def test_rebuilding_changes_nothing_and_notifies_once_per_incident(berlin):
    endpoint = WebhookEndpointFactory(
        organisation=berlin, events=["incident.detected", "score_drop.detected"]
    )
    assert endpoint.is_active
    _broad_outage(berlin)
    detect_score_drops(berlin, now=NOW)
    [incident] = Incident.objects.filter(organisation=berlin, measure="happiness")
    incident.status = "investigating"
    incident.save()
    before = sorted(
        ScoreDrop.objects.filter(organisation=berlin).values_list(
            "pk", "incident_id", "explained_share"
        )
    )
    incidents_before = list(Incident.objects.filter(organisation=berlin).values())
    detect_score_drops(berlin, now=NOW)
    build_incidents(berlin, WEEK)
    after = sorted(
        ScoreDrop.objects.filter(organisation=berlin).values_list(
            "pk", "incident_id", "explained_share"
        )
    )
    assert after == before
    assert list(Incident.objects.filter(organisation=berlin).values()) == incidents_before
    incident.refresh_from_db()
    assert incident.status == "investigating"
    sent = WebhookDelivery.objects.filter(event="incident.detected")
    assert sent.count() == Incident.objects.filter(organisation=berlin).count()
    data = [d.payload["data"] for d in sent if d.payload["data"]["id"] == incident.pk][0]
    assert data["headline"] == {"kind": "service", "value": "vpn"}
    assert sorted(data["drops"]) == sorted(incident.drops.values_list("pk", flat=True))
    assert data["title"] == "Happiness fell for Remote work / VPN in the week of 01 Jun 2026"
    # The older event name reaches its subscribers once per incident too, not per drop.
    assert WebhookDelivery.objects.filter(event="score_drop.detected").count() == sent.count()


def test_an_incident_left_without_drops_is_removed(berlin):
    _broad_outage(berlin)
    detect_score_drops(berlin, now=NOW)
    ScoreDrop.objects.filter(organisation=berlin, week_start=WEEK).delete()
    assert build_incidents(berlin, WEEK) == []
    assert not Incident.objects.filter(organisation=berlin, week_start=WEEK).exists()


def test_drop_list_shows_one_row_per_incident_with_its_segments_under_it(login, users, org_a):
    from django.urls import reverse
    from django.utils import timezone

    from tests.factories import IncidentFactory, ScoreDropFactory

    week = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    incident = IncidentFactory(
        organisation=org_a, week_start=week, headline_value="vpn", headline_label="VPN"
    )
    vpn = ScoreDropFactory(
        organisation=org_a,
        week_start=week,
        segment_value="vpn",
        segment_label="VPN",
        delta=-66.0,
        incident=incident,
        explained_share=0.9,
    )
    phone = ScoreDropFactory(
        organisation=org_a,
        week_start=week,
        segment_kind="channel",
        segment_value="phone",
        segment_label="Phone",
        delta=-12.0,
        incident=incident,
        explained_share=0.14,
    )
    lone = ScoreDropFactory(
        organisation=org_a, week_start=week, segment_value="mail", segment_label="Mail"
    )
    body = login(users["officer"]).get(reverse("experience:drop_list")).content.decode()
    assert body.count('data-incident="') == 1
    assert f'data-incident="{incident.pk}"' in body
    assert "incident of 2 segments, explains 90 % of the incident's overall change" in body
    assert "1 related segment of the same incident" in body
    assert f"/experience/drops/{phone.pk}/" in body and "14 %" in body
    # Headline row first within the incident, the unrelated drop on its own row.
    assert body.index(f"/experience/drops/{vpn.pk}/") < body.index(f"/experience/drops/{phone.pk}/")
    assert f"/experience/drops/{lone.pk}/" in body


def test_monthly_report_counts_incidents_with_one_row_each(org_a):
    from reports.drafting import drop_figures
    from reports.selectors import section_hints
    from tests.factories import IncidentFactory, ScoreDropFactory

    week = datetime.date(2026, 11, 23)
    incident = IncidentFactory(
        organisation=org_a, week_start=week, headline_value="vpn", headline_label="VPN"
    )
    for kind, value, delta in (("all", "", -16.0), ("service", "vpn", -66.0), ("channel", "x", -9)):
        ScoreDropFactory(
            organisation=org_a,
            week_start=week,
            segment_kind=kind,
            segment_value=value,
            segment_label=value or "Whole organisation",
            delta=delta,
            incident=incident,
        )
    ScoreDropFactory(
        organisation=org_a, week_start=week, segment_value="mail", segment_label="Mail"
    )
    figures = drop_figures(org_a, datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
    assert (figures["total"], figures["incidents"]) == (4, 2)
    by_segment = {r["segment"]: r for r in figures["rows"]}
    assert set(by_segment) == {"vpn", "Mail"}
    assert by_segment["vpn"]["related"] == 2 and by_segment["vpn"]["incident"] == incident.pk
    assert by_segment["Mail"]["related"] == 0
    hint = section_hints({"drops": figures})["drops"]
    assert hint == "2 incidents (4 significant score drops) in the month's weeks."
