"""The changes pages (verdicts, one change, league table) and the weekly agenda item."""

import datetime

import pytest
import time_machine

from meetings.drafting import draft_agenda
from tests.factories import (
    ChangeFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db
JUDGED = datetime.datetime(2026, 10, 22, 5, 30, tzinfo=datetime.UTC)


def judged(org, services, verdict, *, expected="improve", effect=-12.0, source="servicenow"):
    return ChangeFactory(
        organisation=org,
        services=services,
        expected_effect=expected,
        source=source,
        verdict=verdict,
        verdict_measure="happiness",
        effect=effect,
        ci_low=effect - 6,
        ci_high=effect + 6,
        p_value=0.001,
        judged_at=JUDGED,
        details={"windows": {}, "comparison": ["collab"], "measures": []},
    )


def test_list_detail_and_league(org_a, users, login):
    portal = ServiceFactory(organisation=org_a, slug="portal", name="Portal")
    worse = judged(org_a, [portal], "worsened")
    judged(org_a, [portal], "improved", effect=9.0)
    judged(org_a, [portal], "no_change", expected="neutral", effect=1.0, source="jira")
    client = login(users["leader"])
    page = client.get("/changes/").content.decode()
    assert page.count("data-change=") == 3
    assert "−12.0 points" in page and "not as expected" in page
    assert "p = 0.0010" in page
    assert client.get("/changes/?verdict=worsened").content.decode().count("data-change=") == 1
    detail = client.get(f"/changes/{worse.pk}/").content.decode()
    assert 'data-verdict="worsened"' in detail and "Not as expected" in detail
    league = client.get("/changes/league/").content.decode()
    # servicenow: 2 judged, 1 as expected (50 %); jira: 1 of 1 (100 %).
    assert 'data-league="servicenow"' in league and 'data-hit-rate="50.0"' in league
    assert 'data-league="jira"' in league and 'data-hit-rate="100.0"' in league
    assert 'data-league="Portal"' in league


def test_access(org_a, org_b, users, login, outsider):
    mine = ServiceFactory(organisation=org_a, slug="mine", owner=users["service_owner"])
    other = ServiceFactory(organisation=org_a, slug="other")
    own_change = judged(org_a, [mine], "improved")
    other_change = judged(org_a, [other], "improved")
    theirs = judged(org_b, [ServiceFactory(organisation=org_b)], "worsened")
    assert login(users["viewer"]).get("/changes/").status_code == 403
    owner = login(users["service_owner"])
    assert owner.get(f"/changes/{own_change.pk}/").status_code == 200
    assert owner.get(f"/changes/{other_change.pk}/").status_code == 404
    assert login(users["officer"]).get(f"/changes/{theirs.pk}/").status_code == 404


def test_list_queries_are_bounded(org_a, users, login, django_assert_max_num_queries):
    portal = ServiceFactory(organisation=org_a, slug="portal")
    for _ in range(20):
        judged(org_a, [portal, ServiceFactory(organisation=org_a)], "improved")
    client = login(users["officer"])
    with django_assert_max_num_queries(12):
        assert client.get("/changes/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/changes/league/").status_code == 200


@time_machine.travel(datetime.datetime(2026, 10, 25, 12, tzinfo=datetime.UTC), tick=False)
def test_a_worsened_change_is_on_the_next_weekly_agenda(org_a):
    portal = ServiceFactory(organisation=org_a, slug="portal", name="Portal")
    laptops = ServiceFactory(organisation=org_a, slug="laptops")
    worse = judged(org_a, [portal], "worsened")
    judged(org_a, [portal], "improved", effect=9.0)
    series = MeetingSeriesFactory(organisation=org_a, cadence="weekly")
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2026, 10, 26, 9, tzinfo=datetime.UTC)
    )
    draft_agenda(meeting)
    items = list(meeting.agenda_items.filter(section="Changes"))
    assert [i.source_key for i in items] == [f"change:{worse.pk}"]
    assert "−12.0" in items[0].body or "-12.0" in items[0].body
    assert items[0].evidence_url == f"/changes/{worse.pk}/"
    # A series scoped to other services does not see it.
    scoped = MeetingSeriesFactory(organisation=org_a, cadence="weekly", name="Laptops")
    scoped.services.add(laptops)
    other = MeetingFactory(
        series=scoped, scheduled_for=datetime.datetime(2026, 10, 26, 9, tzinfo=datetime.UTC)
    )
    draft_agenda(other)
    assert not other.agenda_items.filter(section="Changes").exists()
