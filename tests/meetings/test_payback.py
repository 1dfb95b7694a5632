"""An initiative's payback: DiD against untouched services, hours and money saved, signing."""

import datetime

import pytest
import time_machine

from experience.effects import LOST_TIME, Effect
from experience.rollups import process_new
from meetings.models import BusinessCaseSignature
from meetings.payback import hours_saved, initiative_payback
from tests.changes.conftest import generate
from tests.factories import (
    ChangeFactory,
    ImprovementInitiativeFactory,
    PersonaFactory,
    ServiceFactory,
)
from xmo.models import AuditEvent

pytestmark = pytest.mark.django_db
START = datetime.date(2026, 9, 1)
TODAY = datetime.date(2026, 9, 29)  # 28 days after the start


def test_hours_saved_scale_the_lost_time_effect_and_its_interval():
    effect = Effect(LOST_TIME, "improved", effect=-12.0, ci_low=-18.0, ci_high=-6.0)
    # 300 tickets a month × 12 minutes = 60 hours; interval 30 to 90 hours.
    assert hours_saved(effect, 300) == (60.0, 30.0, 90.0)
    assert hours_saved(Effect(LOST_TIME, "insufficient_data"), 300) == (None, None, None)


@pytest.fixture
def measured(org_a):
    org_a.time_zone = "UTC"
    org_a.currency = "GBP"
    org_a.hourly_cost = 40.0
    org_a.save()
    field = PersonaFactory(organisation=org_a, slug="field", hourly_cost=60.0)
    services = {s: ServiceFactory(organisation=org_a, slug=s) for s in ("portal", "mail", "hr")}
    before = START - datetime.timedelta(weeks=8)
    for n, (slug, service) in enumerate(services.items()):
        kwargs = {"per_day": 10, "promoters": 0.5, "detractors": 0.2, "persona": field}
        generate(org_a, service, first=before, days=56, seed=n, prefix="b-", **kwargs)
        lost = (40, 50, 60, 70) if slug == "portal" else (55, 65, 75, 85)  # portal: 15 min less
        generate(org_a, service, first=START, days=28, seed=n, prefix="a-", lost=lost, **kwargs)
    process_new(org_a)
    initiative = ImprovementInitiativeFactory(
        organisation=org_a, title="Self-service password reset", status="active", started_on=START
    )
    initiative.services.add(services["portal"])
    return initiative


def test_payback_from_generated_data(measured):
    payback = initiative_payback(measured, today=TODAY)
    assert payback.treated == ["portal"] and payback.comparison == ["hr", "mail"]
    lost = payback.lost_time
    # Both groups lose 30 to 45 more minutes after; the portal 15 fewer than the others.
    assert lost.ci_low <= -15 <= lost.ci_high and lost.result == "improved"
    # 10 answered tickets a day → 304.4 a month; every one by the field persona (60 GBP/h).
    assert payback.tickets_per_month == pytest.approx(304.4, abs=0.1)
    assert payback.rate == 60.0 and payback.currency == "GBP"
    expected_hours = round(-lost.effect * payback.tickets_per_month / 60, 1)
    assert payback.hours_per_month == pytest.approx(expected_hours, abs=0.2)
    assert payback.hours_low < payback.hours_per_month < payback.hours_high
    assert payback.money_per_month == pytest.approx(payback.hours_per_month * 60, abs=0.01)
    assert payback.months == pytest.approx(28 / (365.25 / 12), abs=0.01)
    assert payback.money_since_start == pytest.approx(
        round(payback.hours_per_month * payback.months, 1) * 60, abs=0.01
    )


def test_changed_services_leave_the_comparison(measured, org_a):
    ChangeFactory(
        organisation=org_a,
        implemented_at=datetime.datetime(2026, 9, 10, tzinfo=datetime.UTC),
        services=[org_a.services.get(slug="mail")],
    )
    assert initiative_payback(measured, today=TODAY).comparison == ["hr"]


def test_not_measured_before_two_weeks(org_a):
    initiative = ImprovementInitiativeFactory(organisation=org_a, started_on=START)
    assert initiative_payback(initiative, today=START + datetime.timedelta(days=13)) is None
    assert initiative_payback(ImprovementInitiativeFactory(organisation=org_a)) is None


@time_machine.travel(datetime.datetime(2026, 9, 29, 12, tzinfo=datetime.UTC), tick=False)
def test_pages_and_signing(measured, users, login, org_b, outsider):
    page = login(users["member"]).get(f"/meetings/initiatives/{measured.pk}/")
    assert b'data-figure="hours-per-month"' in page.content and b"GBP" in page.content
    url = f"/meetings/initiatives/{measured.pk}/business-case/"
    case = login(users["viewer"]).get(url)
    assert case.status_code == 200 and b"Sign this business case" not in case.content
    assert login(users["officer"]).post(url + "sign/").status_code == 403
    leader = login(users["leader"])
    assert b"Sign this business case" in leader.get(url).content
    assert leader.post(url + "sign/", {"note": "Approved for roll-out"}).status_code == 302
    signature = BusinessCaseSignature.objects.get()
    assert signature.signed_by == users["leader"] and signature.figures["currency"] == "GBP"
    assert signature.figures["money_per_month"] > 0
    event = AuditEvent.objects.get(action="initiative.business_case_signed")
    assert event.after["note"] == "Approved for roll-out"
    assert b"Approved for roll-out" in leader.get(url).content
    assert login(outsider).get(url).status_code == 404
