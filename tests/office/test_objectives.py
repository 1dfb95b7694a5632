"""Objectives and key results: pages, audit, progress and forecast; focus areas in meetings."""

import datetime

import pytest
import time_machine

from meetings.drafting import draft_agenda
from meetings.models import AgendaItem
from office.models import KeyResult, Objective
from tests.factories import (
    EvaluationFactory,
    FocusAreaFactory,
    IndicatorFactory,
    KeyResultFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    ObjectiveFactory,
    ServiceFactory,
)
from xmo.models import AuditEvent

from .helpers import LONDON, responses

pytestmark = pytest.mark.django_db


def test_officer_creates_and_edits_an_objective_member_may_not(org_a, users, login):
    data = {
        "horizon": "6m",
        "title": "Close the loop on negative feedback",
        "starts_on": "2026-10-01",
        "due_on": "2027-03-31",
    }
    assert login(users["member"]).post("/office/objectives/new/", data).status_code == 403
    response = login(users["officer"]).post("/office/objectives/new/", data)
    objective = Objective.objects.get(organisation=org_a)
    assert response.status_code == 302 and response["Location"].endswith(f"/{objective.pk}/")
    bad = login(users["admin"]).post(
        f"/office/objectives/{objective.pk}/edit/", data | {"due_on": "2026-09-01"}
    )
    assert bad.status_code == 400 and "must come after the start" in bad.content.decode()
    login(users["admin"]).post(f"/office/objectives/{objective.pk}/edit/", data | {"title": "New"})
    objective.refresh_from_db()
    assert objective.title == "New"
    actions = list(AuditEvent.objects.filter(organisation=org_a).values_list("action", flat=True))
    assert actions.count("objective.created") == 1 and actions.count("objective.updated") == 1


def test_review_and_close_are_audited_and_closed_objectives_leave_the_open_list(
    org_a, users, login
):
    objective = ObjectiveFactory(organisation=org_a, title="Halve lost time")
    client = login(users["officer"])
    client.post(
        f"/office/objectives/{objective.pk}/review/",
        {"status": "at_risk", "note": "Laptop refresh slipped a quarter."},
    )
    objective.refresh_from_db()
    assert objective.status == "at_risk" and objective.reviewed_on is not None
    assert objective.review_note == "Laptop refresh slipped a quarter."
    client.post(
        f"/office/objectives/{objective.pk}/close/", {"status": "done", "closed_on": "2026-12-01"}
    )
    objective.refresh_from_db()
    assert (objective.status, objective.closed_on) == ("done", datetime.date(2026, 12, 1))
    assert AuditEvent.objects.filter(action="objective.reviewed").count() == 1
    assert AuditEvent.objects.get(action="objective.closed").after["status"] == "done"
    assert b"Halve lost time" not in client.get("/office/objectives/").content
    assert b"Halve lost time" in client.get("/office/objectives/?status=all").content
    # A viewer reads the objective but gets no forms.
    page = login(users["viewer"]).get(f"/office/objectives/{objective.pk}/").content
    assert b"Laptop refresh slipped" in page and b"Record the review" not in page


def test_key_result_follows_an_xla_indicator_with_progress_and_forecast(org_a, users, login):
    indicator = IndicatorFactory(version__xla__organisation=org_a, key="happiness")
    xla = indicator.version.xla
    for month, value in ((1, 50.0), (2, 55.0), (3, 60.0)):
        EvaluationFactory(
            indicator=indicator,
            period_start=datetime.date(2026, month, 1),
            period_end=datetime.date(2026, month + 1, 1),
            value=value,
        )
    objective = ObjectiveFactory(organisation=org_a)
    client = login(users["officer"])
    response = client.post(
        f"/office/objectives/{objective.pk}/key-results/new/",
        {
            "title": "Doers' happiness meets +80",
            "measure": "xla_indicator",
            "indicator": f"{xla.pk}:happiness",
            "start_value": "50",
            "target_value": "80",
            "starts_on": "2026-01-01",
            "due_on": "2026-07-01",
        },
    )
    assert response.status_code == 302
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.xla, kr.indicator_key) == (xla, "happiness")
    assert AuditEvent.objects.filter(action="key_result.created").count() == 1
    with time_machine.travel(datetime.datetime(2026, 4, 10, 12, tzinfo=LONDON), tick=False):
        page = client.get(f"/office/objectives/{objective.pk}/").content.decode()
    # Now 60 (March), a third of the way from 50 to 80; the line through 50, 55, 60 (days 0,
    # 31, 59) reaches 55 + 0.16935 × (181 − 30) = 80.6 on 1 Jul: on track.
    assert f'data-key-result="{kr.pk}" data-progress="33.33' in page
    assert "80.6" in page and "On track" in page and "33 % of the way" in page


@time_machine.travel(datetime.datetime(2026, 4, 10, 12, tzinfo=LONDON), tick=False)
def test_key_result_on_happiness_of_a_segment_reads_the_monthly_trend(org_a, users, login):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    other = ServiceFactory(organisation=org_a, slug="other")
    # Happiness +0 in February (one 9, one 6), +100 in March; other services do not count.
    responses(org_a, desk, datetime.date(2026, 2, 10), [9, 6])
    responses(org_a, desk, datetime.date(2026, 3, 10), [10, 10])
    responses(org_a, other, datetime.date(2026, 3, 10), [0, 0, 0])
    kr = KeyResultFactory(
        objective=ObjectiveFactory(organisation=org_a),
        measure="happiness",
        service=desk,
        start_value=0.0,
        target_value=50.0,
        starts_on=datetime.date(2026, 2, 1),
        due_on=datetime.date(2026, 6, 30),
    )
    page = login(users["viewer"]).get(f"/office/objectives/{kr.objective_id}/").content.decode()
    assert f'data-key-result="{kr.pk}" data-progress="200.0"' in page
    assert "Target reached" in page and "100.0 points" in page


def test_key_result_without_data_says_so(org_a, users, login):
    kr = KeyResultFactory(objective=ObjectiveFactory(organisation=org_a), measure="lost_time_mean")
    page = login(users["viewer"]).get(f"/office/objectives/{kr.objective_id}/").content.decode()
    assert "No data yet" in page and "240" not in page


def test_key_result_of_another_organisation_is_not_found(org_a, users, login):
    kr = KeyResultFactory()  # another organisation's
    objective = ObjectiveFactory(organisation=org_a)
    client = login(users["officer"])
    assert client.get(f"/office/objectives/{kr.objective_id}/").status_code == 404
    url = f"/office/objectives/{objective.pk}/key-results/{kr.pk}/remove/"
    assert client.post(url).status_code == 404
    assert KeyResult.objects.filter(pk=kr.pk).exists()


def test_objective_list_runs_a_bounded_number_of_queries(
    org_a, users, login, django_assert_max_num_queries
):
    for _ in range(30):
        KeyResultFactory(objective=ObjectiveFactory(organisation=org_a))
    client = login(users["viewer"])
    client.get("/")
    with django_assert_max_num_queries(10):
        page = client.get("/office/objectives/")
    assert page.status_code == 200 and page.content.count(b"/office/objectives/") >= 30


def test_quarterly_meeting_links_to_the_objectives_page(org_a, users, login):
    series = MeetingSeriesFactory(organisation=org_a, cadence="quarterly")
    meeting = MeetingFactory(series=series)
    page = login(users["officer"]).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "under Settings" not in page
    assert 'href="/office/objectives/new/"' in page


def test_quarterly_meeting_in_january_plans_january_and_shows_the_quarter_it_reviews(
    org_a, users, login
):
    FocusAreaFactory(organisation=org_a, quarter_start=datetime.date(2026, 10, 1), title="VPN")
    series = MeetingSeriesFactory(organisation=org_a, cadence="quarterly")
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2027, 1, 14, 13, tzinfo=datetime.UTC)
    )
    client = login(users["officer"])
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "VPN" in page and "under review (quarter from 1 Oct 2026)" in page
    assert "New focus area for the quarter from 1 Jan 2027" in page
    draft_agenda(meeting)
    item = AgendaItem.objects.get(meeting=meeting, source_key="focus-areas")
    assert item.title == "Focus areas for the quarter from 01 Jan 2027"
    assert [row[1] for row in item.data["rows"]] == ["VPN"]


def test_monthly_agenda_lists_the_focus_areas_of_its_quarter_for_its_services(org_a):
    desk = ServiceFactory(organisation=org_a, slug="desk")
    apps = ServiceFactory(organisation=org_a, slug="apps")
    q1 = datetime.date(2027, 1, 1)
    FocusAreaFactory(organisation=org_a, quarter_start=q1, title="Faster desk").services.set([desk])
    FocusAreaFactory(organisation=org_a, quarter_start=q1, title="Everyone")
    FocusAreaFactory(organisation=org_a, quarter_start=q1, title="Apps only").services.set([apps])
    FocusAreaFactory(organisation=org_a, quarter_start=datetime.date(2026, 10, 1), title="Old")
    series = MeetingSeriesFactory(organisation=org_a, cadence="monthly")
    series.services.set([desk])
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2027, 2, 4, 10, tzinfo=datetime.UTC)
    )
    draft_agenda(meeting)
    item = AgendaItem.objects.get(meeting=meeting, source_key="focus-areas")
    assert [row[0] for row in item.data["rows"]] == ["Everyone", "Faster desk"]
    assert item.title == "Focus areas of the quarter from 01 Jan 2027"


def test_monthly_agenda_keeps_last_quarters_focus_until_new_ones_are_set(org_a):
    FocusAreaFactory(organisation=org_a, quarter_start=datetime.date(2026, 10, 1), title="VPN")
    FocusAreaFactory(organisation=org_a, quarter_start=datetime.date(2027, 4, 1), title="Later")
    series = MeetingSeriesFactory(organisation=org_a, cadence="monthly")
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2027, 1, 5, 10, tzinfo=datetime.UTC)
    )
    draft_agenda(meeting)
    item = AgendaItem.objects.get(meeting=meeting, source_key="focus-areas")
    assert [row[0] for row in item.data["rows"]] == ["VPN"]
    assert "until the quarterly meeting sets new ones" in item.title


def test_quarterly_agenda_reviews_objectives_with_their_key_results(org_a):
    objective = ObjectiveFactory(organisation=org_a, title="Happier desk")
    KeyResultFactory(objective=objective)  # no responses: no data yet
    ObjectiveFactory(organisation=org_a, title="Dropped one", status="dropped")
    series = MeetingSeriesFactory(organisation=org_a, cadence="quarterly")
    meeting = MeetingFactory(
        series=series, scheduled_for=datetime.datetime(2027, 1, 14, 13, tzinfo=datetime.UTC)
    )
    draft_agenda(meeting)
    item = AgendaItem.objects.get(meeting=meeting, source_key="objectives")
    assert item.data["columns"][-1] == "Key results"
    assert [row[1:] for row in item.data["rows"]] == [
        ["Happier desk", "Open", None, "1 no data yet"]
    ]
    assert item.data["row_urls"] == [f"/office/objectives/{objective.pk}/"]
