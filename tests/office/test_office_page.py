"""The office page: every member reads it; admins and officers change it, audited."""

import datetime

import pytest
import time_machine

from meetings import services as meeting_services
from office.models import Duty, DutyAssignment, Office, PhaseChange, ServiceScope
from tests.factories import (
    DutyFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ObjectiveFactory,
    OfficeFactory,
    ServiceFactory,
    XLAFactory,
    XLAVersionFactory,
)
from xmo.models import AuditEvent, Membership

from .helpers import NOW, TODAY, responses

pytestmark = pytest.mark.django_db
ROLES = ["admin", "officer", "member", "leader", "service_owner", "viewer"]


def test_every_member_reads_the_office_page(org_a, users, login):
    OfficeFactory(organisation=org_a, mission="Listen, act, show the difference.")
    for role in ROLES:
        page = login(users[role]).get("/office/")
        assert page.status_code == 200, role
        assert b"Listen, act, show the difference." in page.content
        assert (b'href="/office/mission/"' in page.content) == (role in ("admin", "officer"))


def test_office_page_is_in_the_main_navigation(org_a, users, login):
    page = login(users["viewer"]).get("/")
    assert b'href="/office/"' in page.content


def test_only_admins_and_officers_edit_the_mission_and_each_edit_is_audited(org_a, users, login):
    for role in ("member", "leader", "service_owner", "viewer"):
        response = login(users[role]).post("/office/mission/", {"mission": "Mine"})
        assert response.status_code == 403, role
    for role in ("officer", "admin"):
        response = login(users[role]).post("/office/mission/", {"mission": f"By {role}"})
        assert response.status_code == 302
    office = Office.objects.get(organisation=org_a)
    assert office.mission == "By admin"
    events = AuditEvent.objects.filter(organisation=org_a, action="office.mission")
    assert [e.after["mission"] for e in events.order_by("id")] == ["By officer", "By admin"]
    assert events.order_by("id").last().before == {"mission": "By officer"}


def test_another_organisation_sees_none_of_it(org_a, org_b, users, outsider, login):
    OfficeFactory(organisation=org_a, mission="Secret mission of A")
    objective = ObjectiveFactory(organisation=org_a)
    duty = DutyFactory(organisation=org_a)
    client = login(outsider)
    assert b"Secret mission of A" not in client.get("/office/").content
    assert client.get(f"/office/objectives/{objective.pk}/").status_code == 404
    assert client.post(f"/office/roles/duties/{duty.pk}/remove/").status_code == 404
    assert Duty.objects.filter(pk=duty.pk).exists()


def test_hand_over_is_a_dated_audited_decision_that_ends_task_force_roles(org_a, users, login):
    temporary = DutyFactory(organisation=org_a, title="Pilot reports", temporary=True)
    lasting = DutyFactory(organisation=org_a, title="Monthly report")
    client = login(users["officer"])
    response = client.post(
        "/office/hand-over/", {"decided_on": "2026-10-01", "reason": "Steering group approved."}
    )
    assert response.status_code == 302
    office = Office.objects.get(organisation=org_a)
    assert office.phase == "xmo" and office.established_on == datetime.date(2026, 10, 1)
    change = PhaseChange.objects.get(organisation=org_a)
    assert (change.from_phase, change.to_phase, change.decided_by) == (
        "task_force",
        "xmo",
        users["officer"],
    )
    temporary.refresh_from_db()
    lasting.refresh_from_db()
    assert temporary.ended_on == datetime.date(2026, 10, 1) and lasting.ended_on is None
    event = AuditEvent.objects.get(action="office.hand_over")
    assert event.after["temporary_duties_ended"] == ["Pilot reports"]
    page = client.get("/office/").content.decode()
    assert "Permanent since 1 Oct 2026" in page and "Steering group approved." in page
    roles = client.get("/office/roles/").content.decode()
    assert "ended 1 Oct 2026 with the hand-over" in roles
    # Once permanent, there is nothing more to hand over.
    again = client.post("/office/hand-over/", {"decided_on": "2026-11-01", "reason": "Again"})
    assert again.status_code == 400
    assert PhaseChange.objects.count() == 1
    assert login(users["member"]).post("/office/hand-over/", {}).status_code == 403


def test_responsibility_matrix_is_written_audited_and_printable(org_a, org_b, users, login):
    client = login(users["admin"])
    client.post("/office/roles/duties/", {"title": "Weekly feedback review", "order": 1})
    duty = Duty.objects.get(organisation=org_a)
    officer = Membership.objects.get(organisation=org_a, user=users["officer"])
    response = client.post(
        f"/office/roles/duties/{duty.pk}/assign/", {"membership": officer.pk, "level": "R"}
    )
    assert response.status_code == 302
    assert DutyAssignment.objects.get(duty=duty).level == "R"
    assert AuditEvent.objects.filter(action="duty.created").count() == 1
    assert AuditEvent.objects.get(action="duty.assigned").after == {
        "member": "a-officer",
        "level": "R",
    }
    # A member of another organisation cannot be put in A's matrix.
    stranger = Membership.objects.create(organisation=org_b, user=users["viewer"], role="viewer")
    response = client.post(
        f"/office/roles/duties/{duty.pk}/assign/", {"membership": stranger.pk, "level": "A"}
    )
    assert response.status_code == 404
    page = login(users["viewer"]).get("/office/roles/").content.decode()
    assert "Weekly feedback review" in page and 'class="level">R<' in page
    assert 'name="level"' not in page  # read-only for a viewer
    assert "data-print" in page
    assert login(users["member"]).post("/office/roles/duties/", {"title": "X"}).status_code == 403


def _ready_service(org, users, slug="desk"):
    """A service that meets every check on TODAY."""
    service = ServiceFactory(organisation=org, slug=slug, owner=users["service_owner"])
    version = XLAVersionFactory(
        xla=XLAFactory(organisation=org),
        baseline_start=datetime.date(2026, 1, 1),
        baseline_end=datetime.date(2026, 3, 31),
    )
    version.xla.services.set([service])
    for weeks_ago in range(1, 5):
        responses(org, service, TODAY - datetime.timedelta(days=7 * weeks_ago), [9, 10, 6])
    ServiceScope.objects.create(
        organisation=org, service=service, last_reviewed_on=TODAY - datetime.timedelta(days=20)
    )
    return service


@time_machine.travel(NOW, tick=False)
def test_readiness_checklist_is_computed_from_the_data(org_a, users, login):
    ready = _ready_service(org_a, users)
    # Data for only 2 weeks, no owner, no XLA, never reviewed.
    partial = ServiceFactory(organisation=org_a, slug="portal")
    for weeks_ago in (1, 2):
        responses(org_a, partial, TODAY - datetime.timedelta(days=7 * weeks_ago), [8])
    page = login(users["viewer"]).get("/office/").content.decode()
    assert f'data-service="{ready.slug}" data-ready="true"' in page
    assert 'data-service="portal" data-ready="false"' in page
    assert "Data flowing for 4 weeks: no" in page and "Owner named: no" in page
    # Coverage: nothing is in scope yet.
    assert 'data-coverage="services">0 %' in page


@time_machine.travel(NOW, tick=False)
def test_promotion_needs_the_checklist_or_a_recorded_override(org_a, users, login):
    ready = _ready_service(org_a, users)
    unready = ServiceFactory(organisation=org_a, slug="portal")
    responses(org_a, unready, TODAY - datetime.timedelta(days=3), [8, 8, 8])
    client = login(users["officer"])
    refused = client.post(f"/office/scope/{unready.pk}/", {"status": "in_scope"})
    assert refused.status_code == 400
    assert "give a reason" in refused.content.decode()
    assert not ServiceScope.objects.filter(service=unready, status="in_scope").exists()

    accepted = client.post(
        f"/office/scope/{unready.pk}/",
        {"status": "in_scope", "override_reason": "The CIO wants it in this quarter."},
    )
    assert accepted.status_code == 302
    scope = ServiceScope.objects.get(service=unready)
    assert scope.status == "in_scope" and scope.override_by == users["officer"]
    event = AuditEvent.objects.get(action="scope.override")
    assert event.after["override_reason"] == "The CIO wants it in this quarter."
    assert event.after["ready"] is False

    assert client.post(f"/office/scope/{ready.pk}/", {"status": "in_scope"}).status_code == 302
    ready_scope = ServiceScope.objects.get(service=ready)
    assert ready_scope.status == "in_scope" and ready_scope.override_reason == ""
    assert AuditEvent.objects.filter(action="scope.status").count() == 1
    assert set(Office.objects.get(organisation=org_a).services_in_scope.all()) == {ready, unready}
    # Both in scope: every service, and all 15 responses of the last 90 days.
    page = client.get("/office/").content.decode()
    assert 'data-coverage="services">100 %' in page
    assert 'data-coverage="responses">100 %' in page
    assert "Override: The CIO wants it in this quarter." in page
    # A pilot needs no checklist; a member may not change the scope.
    assert client.post(f"/office/scope/{unready.pk}/", {"status": "pilot"}).status_code == 302
    assert login(users["member"]).post(f"/office/scope/{ready.pk}/", {}).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_coverage_counts_the_share_of_responses_in_scope(org_a, users, login):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    portal = ServiceFactory(organisation=org_a, slug="portal")
    responses(org_a, desk, TODAY - datetime.timedelta(days=10), [9, 9, 9])
    responses(org_a, portal, TODAY - datetime.timedelta(days=10), [9])
    ServiceScope.objects.create(
        organisation=org_a, service=desk, status="in_scope", override_reason="x"
    )
    page = login(users["viewer"]).get("/office/").content.decode()
    assert 'data-coverage="services">50 %' in page
    assert 'data-coverage="responses">75 %' in page
    assert "of 4 responses in the last 90 days" in page


def test_closing_a_monthly_meeting_records_the_review_of_its_services(org_a, users):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    series = MeetingSeriesFactory(organisation=org_a, cadence="monthly")
    series.services.set([desk])
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2026, 11, 5, 10, tzinfo=datetime.UTC)
    )
    meeting_services.meeting_close(actor=users["officer"], meeting=meeting)
    assert ServiceScope.objects.get(service=desk).last_reviewed_on == datetime.date(2026, 11, 5)


@time_machine.travel(NOW, tick=False)
def test_office_page_runs_a_bounded_number_of_queries(
    org_a, users, login, django_assert_max_num_queries
):
    def grow(n):
        for i in range(n):
            service = ServiceFactory(organisation=org_a, owner=users["officer"])
            ServiceScope.objects.create(organisation=org_a, service=service, status="pilot")
            ObjectiveFactory(organisation=org_a)
            DutyFactory(organisation=org_a)

    client = login(users["officer"])
    grow(2)
    with django_assert_max_num_queries(40) as small:
        assert client.get("/office/").status_code == 200
    grow(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/office/").status_code == 200


def test_roles_page_runs_a_bounded_number_of_queries(
    org_a, users, login, django_assert_max_num_queries
):
    members = list(Membership.objects.filter(organisation=org_a))
    for i in range(15):
        duty = DutyFactory(organisation=org_a, temporary=i % 3 == 0)
        for member in members[: i % len(members) + 1]:
            DutyAssignment.objects.create(duty=duty, membership=member, level="R")
    client = login(users["officer"])
    client.get("/")
    with django_assert_max_num_queries(12):
        page = client.get("/office/roles/")
    assert page.status_code == 200 and page.content.count(b'name="level"') == 15 * len(members)
