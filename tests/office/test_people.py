"""Officer profiles, training plans and the training reminder job."""

import datetime

import pytest
import time_machine

from office.jobs import training_reminders
from office.models import OfficerProfile, TrainingItem
from tests.factories import (
    MembershipFactory,
    OfficerProfileFactory,
    ServiceFactory,
    TrainingItemFactory,
)
from xmo.jobs import load_jobs, run_job
from xmo.models import AuditEvent, Membership, Notification

from .helpers import NOW, TODAY

pytestmark = pytest.mark.django_db


def _membership(org, user):
    return Membership.objects.get(organisation=org, user=user)


def test_officer_profile_is_edited_by_admins_and_officers_and_audited(org_a, users, login):
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Service desk")
    member = _membership(org_a, users["officer"])
    data = {
        "part_time_share": "60",
        "certification": "ITXM Foundation",
        "certified_on": "2026-03-02",
        "service_areas": [desk.pk],
    }
    assert (
        login(users["member"]).post(f"/office/people/{member.pk}/profile/", data).status_code == 403
    )
    response = login(users["admin"]).post(f"/office/people/{member.pk}/profile/", data)
    assert response.status_code == 302
    profile = OfficerProfile.objects.get(membership=member)
    assert profile.part_time_share == 60 and list(profile.service_areas.all()) == [desk]
    assert AuditEvent.objects.get(action="officer_profile.created").after["part_time_share"] == 60
    bad = login(users["admin"]).post(
        f"/office/people/{member.pk}/profile/", data | {"part_time_share": "120"}
    )
    assert bad.status_code == 400
    page = login(users["viewer"]).get("/office/").content.decode()
    assert "ITXM Foundation, 2 Mar 2026" in page and "60 %" in page


def test_an_officer_owning_a_service_in_their_area_is_flagged(org_a, users, login):
    owned = ServiceFactory(organisation=org_a, name="Laptops", owner=users["officer"])
    ServiceFactory(organisation=org_a, name="Phones", owner=users["officer"])  # not their area
    profile = OfficerProfileFactory(membership=_membership(org_a, users["officer"]))
    profile.service_areas.set([owned])
    page = login(users["viewer"]).get("/office/").content.decode()
    assert "Possible bias: also owns Laptops in their own area" in page
    assert "Phones in their own area" not in page
    owned.owner = users["service_owner"]
    owned.save()
    assert "Possible bias" not in login(users["viewer"]).get("/office/").content.decode()


@time_machine.travel(NOW, tick=False)
def test_training_plan_rows_are_added_completed_and_audited(org_a, org_b, users, login):
    member = _membership(org_a, users["member"])
    client = login(users["officer"])
    response = client.post(
        "/office/training/",
        {"member": member.pk, "course": "ITXM Foundation", "due_on": "2026-12-15"},
    )
    assert response.status_code == 302
    item = TrainingItem.objects.get(membership=member)
    client.post(
        f"/office/training/{item.pk}/complete/", {"evidence": "https://lms.example/cert/42"}
    )
    item.refresh_from_db()
    assert item.completed_on == TODAY and item.evidence == "https://lms.example/cert/42"
    assert {"training.created", "training.completed"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    page = client.get("/office/people/").content.decode()
    assert "ITXM Foundation" in page and "18 Nov 2026" in page and "Evidence" in page
    # Another organisation's member or training row is not found; a member may not edit.
    stranger = MembershipFactory(organisation=org_b)
    assert (
        client.post(
            "/office/training/", {"member": stranger.pk, "course": "X", "due_on": "2026-12-01"}
        ).status_code
        == 404
    )
    foreign = TrainingItemFactory(membership=MembershipFactory(organisation=org_b))
    assert client.post(f"/office/training/{foreign.pk}/complete/").status_code == 404
    assert login(users["member"]).post(f"/office/training/{item.pk}/remove/").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_office_page_shows_the_teams_certification_and_training_status(org_a, users, login):
    officer = _membership(org_a, users["officer"])
    OfficerProfileFactory(membership=officer, certified_on=datetime.date(2026, 1, 5))
    TrainingItemFactory(membership=officer, due_on=TODAY - datetime.timedelta(days=3))
    TrainingItemFactory(membership=officer, due_on=TODAY + datetime.timedelta(days=30))
    TrainingItemFactory(
        membership=_membership(org_a, users["member"]),
        due_on=TODAY - datetime.timedelta(days=40),
        completed_on=TODAY - datetime.timedelta(days=41),
    )
    page = login(users["viewer"]).get("/office/").content.decode()
    assert "1 of 2 certified; 2 courses open" in page
    assert "1 overdue" in page


def test_training_reminder_job_notifies_once_when_due_and_once_when_overdue(org_a, users):
    assert "training_reminders" in load_jobs()
    officer = _membership(org_a, users["officer"])
    soon = TrainingItemFactory(
        membership=officer, course="XLA design", due_on=TODAY + datetime.timedelta(days=10)
    )
    TrainingItemFactory(
        membership=officer, course="Later", due_on=TODAY + datetime.timedelta(days=40)
    )
    TrainingItemFactory(membership=officer, course="Done", due_on=TODAY, completed_on=TODAY)
    with time_machine.travel(NOW, tick=False):
        first = run_job("training_reminders", org_a.pk)
        second = training_reminders(org_a)
    assert first == {"org-a": {"reminders": 1, "overdue": 0}}
    assert second == {"reminders": 0, "overdue": 0}
    note = Notification.objects.get(recipient=users["officer"])
    assert note.kind == "training.reminder" and "XLA design" in note.title
    assert note.url == "/office/people/"
    later = datetime.datetime.combine(soon.due_on + datetime.timedelta(days=1), NOW.timetz())
    with time_machine.travel(later, tick=False):
        assert training_reminders(org_a) == {"reminders": 1, "overdue": 1}
    assert Notification.objects.filter(recipient=users["officer"]).count() == 2


def test_people_page_runs_a_bounded_number_of_queries(
    org_a, users, login, django_assert_max_num_queries
):
    for _ in range(12):
        membership = MembershipFactory(organisation=org_a, role="officer")
        profile = OfficerProfileFactory(membership=membership)
        profile.service_areas.set([ServiceFactory(organisation=org_a, owner=membership.user)])
        TrainingItemFactory(membership=membership)
    client = login(users["viewer"])
    client.get("/")
    with django_assert_max_num_queries(14):
        assert client.get("/office/people/").status_code == 200
