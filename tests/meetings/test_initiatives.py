import datetime

from experience.segments import Segment
from experience.selectors import summary
from meetings.models import ImprovementInitiative
from meetings.selectors import initiative_effect
from tests.factories import ImprovementInitiativeFactory, ServiceFactory, XLAFactory
from xmo.models import AuditEvent

from .helpers import at, responses


def test_before_after_numbers_equal_the_selectors(org_a, users, login):
    desk = ServiceFactory(organisation=org_a, slug="desk", name="Desk")
    other = ServiceFactory(organisation=org_a, slug="other")
    initiative = ImprovementInitiativeFactory(
        organisation=org_a, title="Walk-in bar", started_on=datetime.date(2026, 6, 1)
    )
    initiative.services.set([desk])
    responses(org_a, desk, at(2026, 5, 1), [0] * 40 + [10] * 10)  # before: -60
    responses(org_a, desk, at(2026, 6, 20), [10] * 45 + [0] * 5)  # after: +80
    responses(org_a, other, at(2026, 6, 20), [0] * 50)  # not linked
    responses(org_a, desk, at(2026, 3, 1), [0] * 50)  # outside the 8 weeks

    effect = initiative_effect(initiative)
    seg = Segment(services=("desk",))
    before = summary(
        org_a,
        measure_name="happiness",
        start=datetime.date(2026, 4, 6),
        end=datetime.date(2026, 6, 1),
        segment=seg,
    )
    after = summary(
        org_a,
        measure_name="happiness",
        start=datetime.date(2026, 6, 1),
        end=datetime.date(2026, 7, 27),
        segment=seg,
    )
    assert effect.before == before and effect.after == after
    assert (before.n, after.n) == (50, 50)
    assert effect.verdict == "improved"

    page = login(users["viewer"]).get(f"/meetings/initiatives/{initiative.pk}/").content.decode()
    assert f"{after.value:+.1f}" in page and f"n = {after.n}" in page
    assert "Improved" in page and "Edit" not in page


def test_verdicts_worse_and_no_clear_change_and_finished(org_a):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    initiative = ImprovementInitiativeFactory(
        organisation=org_a,
        started_on=datetime.date(2026, 6, 1),
        finished_on=datetime.date(2026, 8, 1),
        status="done",
    )
    initiative.services.set([desk])
    responses(org_a, desk, at(2026, 5, 1), [10] * 30)
    responses(org_a, desk, at(2026, 6, 20), [0] * 30)  # during the work: not "after"
    responses(org_a, desk, at(2026, 8, 20), [10] * 29 + [0])
    effect = initiative_effect(initiative)
    assert effect.after_start == datetime.date(2026, 8, 1)
    assert effect.verdict == "no clear change"
    initiative.status = "active"
    assert initiative_effect(initiative).verdict == "worse"
    assert initiative_effect(ImprovementInitiativeFactory(organisation=org_a)) is None


def test_create_and_edit_initiative(org_a, users, login):
    desk = ServiceFactory(organisation=org_a)
    xla = XLAFactory(organisation=org_a)
    client = login(users["member"])
    data = {
        "title": "Chat pilot",
        "description": "Try chat on the portal",
        "owner": users["officer"].pk,
        "status": "active",
        "started_on": "2026-09-01",
        "finished_on": "2026-08-01",
        "services": [desk.pk],
        "xlas": [xla.pk],
    }
    response = client.post("/meetings/initiatives/new/", data)
    assert response.status_code == 200
    assert "The finish date must be on or after the start date." in response.content.decode()
    data["finished_on"] = ""
    response = client.post("/meetings/initiatives/new/", data)
    initiative = ImprovementInitiative.objects.get(title="Chat pilot")
    assert response.status_code == 302
    assert list(initiative.xlas.all()) == [xla]
    data["status"] = "done"
    data["finished_on"] = "2026-10-15"
    client.post(f"/meetings/initiatives/{initiative.pk}/edit/", data)
    initiative.refresh_from_db()
    assert initiative.status == "done"
    assert AuditEvent.objects.filter(action="initiative.updated").exists()
    # A leader reads but may not create.
    assert login(users["leader"]).post("/meetings/initiatives/new/", data).status_code == 403
    listing = client.get("/meetings/initiatives/?status=done").content.decode()
    assert "Chat pilot" in listing
