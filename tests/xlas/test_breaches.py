"""Breach list and detail, acknowledgement, investigation, status workflow and actions."""

import datetime

import pytest
from django.urls import reverse

from meetings.models import ActionItem
from tests.factories import BreachFactory, IndicatorFactory, XLAFactory, XLAVersionFactory
from xlas.models import Breach
from xmo.models import AuditEvent, Notification

from .conftest import ROLES

pytestmark = pytest.mark.django_db

WORKERS = {"admin", "officer", "service_owner"}


def _url(name, breach):
    # Actions belong to meetings, which serve the breach page's action form.
    namespace = "meetings" if name == "breach_action_create" else "xlas"
    return reverse(f"{namespace}:{name}", args=[breach.pk])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_breaches(login, users, role, breach):
    client = login(users[role])
    listing = client.get(reverse("xlas:breach_list"))
    detail = client.get(_url("breach_detail", breach))
    assert listing.status_code == 200 and detail.status_code == 200
    assert _url("breach_detail", breach) in listing.content.decode()
    body = detail.content.decode()
    assert 'data-plotly="breach-history"' in body
    # Buttons for forbidden actions are not rendered.
    assert (_url("breach_acknowledge", breach) in body) == (role in WORKERS)
    assert (_url("breach_action_create", breach) in body) == (role in WORKERS)


def test_outsider_gets_404(login, outsider, breach):
    client = login(outsider)
    assert client.get(_url("breach_detail", breach)).status_code == 404
    for name in (
        "breach_acknowledge",
        "breach_investigation",
        "breach_status",
        "breach_action_create",
    ):
        assert client.post(_url(name, breach), {"status": "resolved"}).status_code == 404
    assert (
        _url("breach_detail", breach)
        not in client.get(reverse("xlas:breach_list")).content.decode()
    )
    breach.refresh_from_db()
    assert breach.acknowledged_at is None and breach.status == "open"


@pytest.mark.parametrize("role", ROLES)
def test_acknowledge(login, users, role, breach):
    response = login(users[role]).post(_url("breach_acknowledge", breach))
    breach.refresh_from_db()
    if role in WORKERS:
        assert response.status_code == 302
        assert breach.acknowledged_at is not None
        assert breach.acknowledged_by == users[role]
        event = AuditEvent.objects.get(action="breach.acknowledged")
        assert event.before["acknowledged_by"] is None
        assert event.after["acknowledged_by"] == users[role].pk
    else:
        assert response.status_code == 403
        assert breach.acknowledged_at is None


def test_acknowledge_is_idempotent(login, users, breach):
    client = login(users["officer"])
    client.post(_url("breach_acknowledge", breach))
    breach.refresh_from_db()
    first = breach.acknowledged_at
    login(users["admin"]).post(_url("breach_acknowledge", breach))
    breach.refresh_from_db()
    assert breach.acknowledged_at == first and breach.acknowledged_by == users["officer"]
    assert AuditEvent.objects.filter(action="breach.acknowledged").count() == 1


def test_acknowledge_over_htmx_returns_the_panel(login, users, breach):
    response = login(users["officer"]).post(
        _url("breach_acknowledge", breach), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<div id="breach-work">')
    assert "escalation to leaders is stopped" in body
    assert "<html" not in body


def test_service_owner_works_only_breaches_of_their_services(
    login, users, org_a, breach, other_service
):
    foreign_xla = XLAFactory(organisation=org_a, name="Laptops XLA")
    foreign_xla.services.add(other_service)
    indicator = IndicatorFactory(version=XLAVersionFactory(xla=foreign_xla, number=1))
    other = BreachFactory(indicator=indicator)
    client = login(users["service_owner"])
    # Can read it, but the work buttons are absent and the server refuses.
    body = client.get(_url("breach_detail", other)).content.decode()
    assert _url("breach_acknowledge", other) not in body
    assert "covers other services" in body
    assert client.post(_url("breach_acknowledge", other)).status_code == 403
    assert client.post(_url("breach_status", other), {"status": "resolved"}).status_code == 403
    assert client.post(_url("breach_action_create", other), {"title": "x"}).status_code == 403
    other.refresh_from_db()
    assert other.acknowledged_at is None and other.status == "open"
    # Their own service's breach is workable.
    assert client.post(_url("breach_acknowledge", breach)).status_code == 302
    # "My services only" narrows the list.
    body = client.get(reverse("xlas:breach_list"), {"mine": "1"}).content.decode()
    assert _url("breach_detail", breach) in body
    assert _url("breach_detail", other) not in body


def test_status_workflow(login, users, breach):
    client = login(users["officer"])
    assert (
        client.post(_url("breach_status", breach), {"status": "investigating"}).status_code == 302
    )
    breach.refresh_from_db()
    assert breach.status == "investigating"
    assert breach.acknowledged_at is not None  # working on it implies it was seen
    client.post(_url("breach_status", breach), {"status": "resolved"})
    breach.refresh_from_db()
    assert breach.status == "resolved" and breach.resolved_at is not None
    client.post(_url("breach_status", breach), {"status": "open"})
    breach.refresh_from_db()
    assert breach.status == "open" and breach.resolved_at is None
    client.post(_url("breach_status", breach), {"status": "accepted"})
    breach.refresh_from_db()
    assert breach.status == "accepted"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "breach.investigating",
        "breach.resolved",
        "breach.reopened",
        "breach.accepted",
    ]


def test_invalid_transition_is_refused(login, users, breach):
    client = login(users["officer"])
    client.post(_url("breach_status", breach), {"status": "resolved"})
    response = client.post(
        _url("breach_status", breach), {"status": "investigating"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "cannot move from resolved" in response.content.decode()
    response = client.post(_url("breach_status", breach), {"status": "nonsense"})
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.status == "resolved"


@pytest.mark.parametrize("role", ROLES)
def test_investigation_notes_and_assignee(login, users, role, breach, mailoutbox):
    response = login(users[role]).post(
        _url("breach_investigation", breach),
        {
            "assignee": users["service_owner"].pk,
            "investigation_notes": "Checked the queue; the new portal form confuses people.",
            "root_cause": "Portal form redesign",
        },
    )
    breach.refresh_from_db()
    if role in WORKERS:
        assert response.status_code == 302
        assert breach.assignee == users["service_owner"]
        assert breach.root_cause == "Portal form redesign"
        assert "portal form" in breach.investigation_notes
        if role != "service_owner":
            assert Notification.objects.filter(
                kind="breach_assigned", recipient=users["service_owner"]
            ).exists()
    else:
        assert response.status_code == 403
        assert breach.root_cause == ""


def test_assignee_must_belong_to_the_organisation(login, users, outsider, breach):
    response = login(users["officer"]).post(
        _url("breach_investigation", breach),
        {"assignee": outsider.pk, "investigation_notes": "", "root_cause": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    breach.refresh_from_db()
    assert breach.assignee is None


@pytest.mark.parametrize("role", ROLES)
def test_create_linked_action(login, users, role, breach):
    response = login(users[role]).post(
        _url("breach_action_create", breach),
        {"title": "Simplify the portal form", "owner": users["member"].pk, "due_on": "2026-12-15"},
    )
    if role in WORKERS:
        assert response.status_code == 302
        action = ActionItem.objects.get()
        assert action.breach == breach and action.xla == breach.xla
        assert action.owner == users["member"]
        assert action.due_on == datetime.date(2026, 12, 15)
        assert action.organisation == breach.organisation
        page = login(users["viewer"]).get(_url("breach_detail", breach)).content.decode()
        assert "Simplify the portal form" in page
    else:
        assert response.status_code == 403
        assert not ActionItem.objects.exists()


def test_action_needs_a_title(login, users, breach):
    response = login(users["officer"]).post(
        _url("breach_action_create", breach), {"title": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ActionItem.objects.exists()


def test_list_filters(login, users, breach, org_a):
    resolved = BreachFactory(
        indicator=breach.indicator,
        status="resolved",
        severity="low",
        period_start=datetime.date(2026, 6, 1),  # before the `start` filter below
    )
    client = login(users["viewer"])
    body = client.get(reverse("xlas:breach_list"), {"status": "resolved"}).content.decode()
    assert _url("breach_detail", resolved) in body and _url("breach_detail", breach) not in body
    body = client.get(reverse("xlas:breach_list"), {"severity": "high"}).content.decode()
    assert _url("breach_detail", breach) in body and _url("breach_detail", resolved) not in body
    body = client.get(
        reverse("xlas:breach_list"), {"service": breach.xla.services.get().pk}
    ).content.decode()
    assert _url("breach_detail", breach) in body
    body = client.get(reverse("xlas:breach_list"), {"start": "2026-09-01"}).content.decode()
    assert _url("breach_detail", breach) in body and _url("breach_detail", resolved) not in body
    body = client.get(reverse("xlas:breach_list"), {"period": "week"}).content.decode()
    assert "No breaches match" in body


def test_list_htmx_gets_fragment(login, users, breach):
    response = login(users["viewer"]).get(
        reverse("xlas:breach_list"), {"status": "open"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.strip().startswith('<div id="breach-results">') and "<html" not in body


def test_list_query_count_bounded_with_1000_breaches(
    login, users, indicator, django_assert_max_num_queries
):
    xla = indicator.version.xla
    Breach.objects.bulk_create(
        [
            Breach(
                organisation=xla.organisation,
                xla=xla,
                indicator=indicator,
                indicator_key=indicator.key,
                period="week",
                period_start=datetime.date(2005, 1, 3) + datetime.timedelta(weeks=i),
                value=50,
                target=70,
                severity="medium",
                assignee=users["officer"],
            )
            for i in range(1000)
        ]
    )
    client = login(users["service_owner"])
    with django_assert_max_num_queries(13):
        response = client.get(reverse("xlas:breach_list"), {"status": "open", "page": "3"})
    assert response.status_code == 200
    assert "1000 in all" in response.content.decode()
