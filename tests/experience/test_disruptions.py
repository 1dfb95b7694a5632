"""Planned disruptions: the acknowledgement rule (window edges, partial overlaps, segments),
breaches and incidents acknowledged in advance, the register's pages."""

import datetime

import pytest

from experience.disruptions.models import Disruption
from experience.disruptions.selectors import Window, covering, covering_period
from experience.drops.incidents import build_incidents
from experience.rollups import process_new
from tests.experience.test_xlas import add_month, make_xla
from tests.factories import (
    DisruptionFactory,
    MembershipFactory,
    PersonaFactory,
    ScoreDropFactory,
    ServiceFactory,
    UserFactory,
)
from tests.factories.webhooks import WebhookEndpointFactory
from xlas.breaches import escalate_breaches, flag_breaches
from xlas.evaluation import evaluate_org
from xlas.models import Breach, Evaluation
from xmo.models import AuditEvent, Notification
from xmo.webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
START = datetime.datetime(2026, 3, 1, tzinfo=UTC)
END = datetime.datetime(2026, 4, 1, tzinfo=UTC)  # March 2026 as [START, END)


def window(starts, ends, services=("desk",), personas=()):
    return Window(1, "w", starts, ends, frozenset(services), frozenset(personas))


def hours(n):
    return datetime.timedelta(hours=n)


@pytest.mark.parametrize(
    ("starts", "ends", "acknowledged"),
    [
        (START - hours(5), START, False),  # ends exactly as the period starts
        (END, END + hours(5), False),  # starts exactly as the period ends
        (START - hours(5), START + hours(1), True),  # partial overlap at the start
        (END - hours(1), END + hours(5), True),  # partial overlap at the end
        (START + hours(24), START + hours(30), True),  # inside
        (START - hours(24), END + hours(24), True),  # covers it whole
    ],
)
def test_window_edges_and_partial_overlaps(starts, ends, acknowledged):
    found = covering([window(starts, ends)], start=START, end=END, services=["desk"])
    assert (found is not None) is acknowledged


def test_segments_must_meet():
    w = window(START, END, services=("desk",), personas=("field",))
    assert covering([w], start=START, end=END, services=["laptops"]) is None
    assert covering([w], start=START, end=END, services=["desk", "laptops"]) is w
    assert covering([w], start=START, end=END) is w  # no services: every service
    assert covering([w], start=START, end=END, services=["desk"], personas=["execs"]) is None
    assert covering([w], start=START, end=END, services=["desk"], personas=["field"]) is w
    every_persona = window(START, END)
    assert covering([every_persona], start=START, end=END, personas=["execs"]) is every_persona


def test_local_days_are_cut_in_the_organisation_time_zone(org_a):
    org_a.time_zone = "Europe/Paris"
    desk = ServiceFactory(organisation=org_a, slug="desk")
    # 23:30 UTC on 31 March is already 1 April in Paris: outside March there.
    DisruptionFactory(
        organisation=org_a,
        starts_at=datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 4, 1, 2, 0, tzinfo=UTC),
        services=[desk],
    )
    march = (datetime.date(2026, 3, 1), datetime.date(2026, 4, 1))
    assert covering_period(org_a, *march, services=["desk"]) is None
    april = (datetime.date(2026, 4, 1), datetime.date(2026, 5, 1))
    assert covering_period(org_a, *april, services=["desk"]) is not None


@pytest.fixture
def owner(org_a):
    user = UserFactory(username="xla-owner")
    MembershipFactory(user=user, organisation=org_a, role="service_owner")
    return user


def _missed_months(org, owner):
    desk = ServiceFactory(organisation=org, slug="desk")
    make_xla(org, owner, desk, [("active", datetime.date(2026, 1, 1), None, 80, 70, 1)])
    for month in (3, 4):
        add_month(org, desk, datetime.date(2026, month, 1), 60)
    process_new(org)
    return desk


def test_a_breach_inside_a_declared_window_is_shown_but_never_escalated(org_a, owner, users, login):
    desk = _missed_months(org_a, owner)
    # Declared for the last days of April only: March's breach is escalated, April's is not.
    disruption = DisruptionFactory(
        organisation=org_a,
        starts_at=datetime.datetime(2026, 4, 28, 20, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 5, 2, tzinfo=UTC),
        services=[desk],
    )
    now = datetime.datetime(2026, 5, 10, 8, tzinfo=UTC)
    evaluate_org(org_a, now=now)
    march, april = Evaluation.objects.filter(
        period="month", period_start__in=[datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)]
    ).order_by("period_start")
    assert (march.status, april.status) == ("missed", "missed")
    assert march.disruption_id is None and april.disruption_id == disruption.pk
    flag_breaches(org_a, now=now)
    march_breach, april_breach = Breach.objects.order_by("period_start")
    assert april_breach.disruption_id == disruption.pk and march_breach.disruption_id is None
    assert april_breach.escalation_level == 0  # the owner was not told
    assert not Notification.objects.filter(dedupe_key__startswith=f"breach:{april_breach.pk}")
    late = april_breach.created_at + datetime.timedelta(days=5)
    result = escalate_breaches(org_a, now=late)
    assert result == {"escalated": 1, "acknowledged_in_advance": 1}
    april_breach.refresh_from_db()
    assert april_breach.escalation_level == 0 and april_breach.status == "open"
    assert Notification.objects.filter(dedupe_key=f"breach:{march_breach.pk}:leaders").exists()
    client = login(users["officer"])
    page = client.get(f"/xlas/breaches/{april_breach.pk}/").content.decode()
    assert "Acknowledged in advance by the planned disruption" in page
    assert "data-acknowledged" in client.get("/xlas/breaches/").content.decode()


def test_a_disruption_declared_after_the_breach_still_holds_escalation(org_a, owner, users):
    desk = _missed_months(org_a, owner)
    now = datetime.datetime(2026, 5, 10, 8, tzinfo=UTC)
    evaluate_org(org_a, now=now)
    flag_breaches(org_a, now=now)
    DisruptionFactory(
        organisation=org_a,
        starts_at=datetime.datetime(2026, 3, 10, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 3, 11, tzinfo=UTC),
        services=[desk],
    )
    late = Breach.objects.latest("created_at").created_at + datetime.timedelta(days=5)
    result = escalate_breaches(org_a, now=late)
    assert result == {"escalated": 1, "acknowledged_in_advance": 1}


def test_an_incident_inside_a_declared_window_is_stored_but_not_notified(org_a):
    WebhookEndpointFactory(organisation=org_a, events=["incident.detected"])
    desk = ServiceFactory(organisation=org_a, slug="desk")
    laptops = ServiceFactory(organisation=org_a, slug="laptops")
    week = datetime.date(2026, 6, 1)
    for service in (desk, laptops):
        ScoreDropFactory(
            organisation=org_a,
            week_start=week,
            service=service,
            segment_kind="service",
            segment_value=service.slug,
        )
    disruption = DisruptionFactory(
        organisation=org_a,
        starts_at=datetime.datetime(2026, 6, 7, 22, tzinfo=UTC),  # the week's last two hours
        ends_at=datetime.datetime(2026, 6, 8, 6, tzinfo=UTC),
        services=[desk],
    )
    incidents = {i.headline_value: i for i in build_incidents(org_a, week)}
    assert incidents["desk"].disruption_id == disruption.pk
    assert incidents["laptops"].disruption_id is None
    sent = WebhookDelivery.objects.filter(event="incident.detected")
    assert [d.payload["data"]["id"] for d in sent] == [incidents["laptops"].pk]


# --- the register's pages -------------------------------------------------------------------


def _form(services, **overrides):
    return {
        "title": "Mail migration",
        "services": [s.pk for s in services],
        "starts_at": "2026-10-10T20:00",
        "ends_at": "2026-10-11T06:00",
        "expected_happiness_effect": "-15",
        "expected_lost_time_effect": "30",
        "mitigation": "Announced a week ahead; webmail stays up.",
        **overrides,
    }


def test_officer_declares_and_edits_a_disruption(org_a, users, login):
    org_a.time_zone = "Europe/Paris"
    org_a.save()
    desk = ServiceFactory(organisation=org_a, slug="desk")
    field = PersonaFactory(organisation=org_a, slug="field")
    client = login(users["officer"])
    response = client.post(
        "/experience/disruptions/new/",
        _form([desk], personas=[field.pk], approved_by=users["leader"].pk),
    )
    assert response.status_code == 302
    disruption = Disruption.objects.get()
    # Local times of the organisation (Paris, summer time → UTC+2).
    assert disruption.starts_at == datetime.datetime(2026, 10, 10, 18, tzinfo=UTC)
    assert disruption.approved_by == users["leader"] and disruption.approved_at is not None
    assert [p.slug for p in disruption.personas.all()] == ["field"]
    assert AuditEvent.objects.filter(action="disruption.declared").count() == 1
    response = client.post(
        f"/experience/disruptions/{disruption.pk}/edit/", _form([desk], title="Mail move")
    )
    assert response.status_code == 302
    disruption.refresh_from_db()
    assert disruption.title == "Mail move" and disruption.approved_by is None
    assert AuditEvent.objects.filter(action="disruption.updated").count() == 1
    page = client.get("/experience/disruptions/")
    assert b"Mail move" in page.content and b"every persona" in page.content


def test_the_end_must_follow_the_start(org_a, users, login):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    response = login(users["officer"]).post(
        "/experience/disruptions/new/", _form([desk], ends_at="2026-10-10T19:00")
    )
    assert response.status_code == 200 and b"The end must be after the start" in response.content
    assert not Disruption.objects.exists()


def test_service_owners_declare_for_their_own_services_only(org_a, users, login):
    mine = ServiceFactory(organisation=org_a, slug="mine", owner=users["service_owner"])
    theirs = ServiceFactory(organisation=org_a, slug="theirs")
    client = login(users["service_owner"])
    assert client.post("/experience/disruptions/new/", _form([theirs])).status_code == 200
    assert not Disruption.objects.exists()
    assert client.post("/experience/disruptions/new/", _form([mine])).status_code == 302
    other = DisruptionFactory(organisation=org_a, services=[theirs])
    assert client.get(f"/experience/disruptions/{other.pk}/edit/").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("member", 403), ("viewer", 403), ("leader", 403), ("admin", 200)]
)
def test_who_may_declare(org_a, users, login, role, status):
    assert login(users[role]).get("/experience/disruptions/new/").status_code == status
    assert login(users[role]).get("/experience/disruptions/").status_code == 200


def test_another_organisations_disruption_is_a_404(org_a, org_b, users, login):
    theirs = DisruptionFactory(organisation=org_b, services=[ServiceFactory(organisation=org_b)])
    client = login(users["officer"])
    assert client.get(f"/experience/disruptions/{theirs.pk}/edit/").status_code == 404
    assert theirs.title.encode() not in client.get("/experience/disruptions/").content


def test_list_page_queries_are_bounded(org_a, users, login, django_assert_max_num_queries):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    for i in range(12):
        DisruptionFactory(organisation=org_a, services=[desk], approved_by=users["leader"])
    client = login(users["viewer"])
    with django_assert_max_num_queries(14):
        response = client.get("/experience/disruptions/")
    assert response.content.count(b"data-disruption=") == 12
