"""Lost time priced per persona: the persona's hourly cost, else the organisation's default."""

import datetime

import pytest

from experience.costs import lost_time_cost
from experience.models import SurveyResponse
from experience.rollups import process_new
from experience.segments import Segment
from tests.factories import PersonaFactory, ServiceFactory, enqueue_responses

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 10, 5)


def test_lost_time_is_priced_per_persona(org_a):
    org_a.time_zone = "UTC"
    org_a.currency = "USD"
    org_a.hourly_cost = 30.0
    org_a.save()
    desk = ServiceFactory(organisation=org_a, slug="desk")
    mail = ServiceFactory(organisation=org_a, slug="mail")
    execs = PersonaFactory(organisation=org_a, slug="execs", hourly_cost=120.0)
    doers = PersonaFactory(organisation=org_a, slug="doers")  # no cost: the default
    rows = []
    for i, (service, persona, minutes) in enumerate(
        [
            (desk, execs, 90),  # 1.5 h × 120 = 180
            (desk, doers, 60),  # 1 h × 30 = 30
            (desk, None, 30),  # 0.5 h × 30 = 15
            (mail, execs, 60),  # another service: 1 h × 120 = 120
            (desk, execs, None),  # no lost time given
        ]
    ):
        rows.append(
            SurveyResponse(
                organisation=org_a,
                external_id=f"c-{i}",
                service=service,
                persona=persona,
                score=5,
                lost_time_minutes=minutes,
                submitted_at=datetime.datetime(2026, 10, 5, 10, i, tzinfo=datetime.UTC),
            )
        )
    enqueue_responses(SurveyResponse.objects.bulk_create(rows))
    process_new(org_a)
    end = DAY + datetime.timedelta(days=1)
    assert lost_time_cost(org_a, DAY, end) == {
        "hours": 4.0,
        "amount": 345.0,
        "currency": "USD",
        "rate": 86.25,
    }
    desk_only = lost_time_cost(org_a, DAY, end, Segment(services=("desk",)))
    assert (desk_only["hours"], desk_only["amount"]) == (3.0, 225.0)
    nothing = lost_time_cost(org_a, end, end + datetime.timedelta(days=1))
    assert nothing == {"hours": 0.0, "amount": 0.0, "currency": "USD", "rate": 30.0}
