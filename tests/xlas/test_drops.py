"""Score-drop list and detail: trend, drivers, comments, and the review actions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from experience.models import ScoreDrop
from experience.rollups import process_new
from meetings.models import ActionItem, AgendaItem
from tests.factories import MeetingFactory, ScoreDropFactory, SurveyResponseFactory
from xmo.models import AuditEvent

from .conftest import ROLES

pytestmark = pytest.mark.django_db

READERS = {"admin", "officer", "member", "leader", "service_owner"}
REVIEWERS = {"admin", "officer"}


def _url(name, drop):
    # Actions and agendas belong to meetings, which serve the drop page's forms for them.
    namespace = "meetings" if name in ("drop_action_create", "drop_add_to_agenda") else "experience"
    return reverse(f"{namespace}:{name}", args=[drop.pk])


@pytest.mark.parametrize("role", ROLES)
def test_drop_pages_by_role(login, users, role, drop):
    client = login(users[role])
    listing = client.get(reverse("experience:drop_list"))
    detail = client.get(_url("drop_detail", drop))
    if role in READERS:
        assert listing.status_code == 200 and detail.status_code == 200
        assert _url("drop_detail", drop) in listing.content.decode()
        body = detail.content.decode()
        assert (_url("drop_acknowledge", drop) in body) == (role in REVIEWERS)
        assert (_url("drop_add_to_agenda", drop) in body) == (role in REVIEWERS)
        assert (_url("drop_action_create", drop) in body) == (role in REVIEWERS)
    else:
        assert (listing.status_code, detail.status_code) == (403, 403)


def test_outsider_gets_404(login, outsider, drop):
    client = login(outsider)
    assert client.get(_url("drop_detail", drop)).status_code == 404
    for name in (
        "drop_acknowledge",
        "drop_investigate",
        "drop_close",
        "drop_action_create",
        "drop_add_to_agenda",
    ):
        assert client.post(_url(name, drop), {"notes": "x", "title": "x"}).status_code == 404
    listing = client.get(reverse("experience:drop_list")).content.decode()
    assert _url("drop_detail", drop) not in listing
    drop.refresh_from_db()
    assert drop.status == "new"


def test_detail_shows_trend_drivers_mix_rate_and_escaped_comments(
    login, users, drop, drop_comments
):
    body = login(users["officer"]).get(_url("drop_detail", drop)).content.decode()
    assert 'data-plotly="drop-trend"' in body and 'id="drop-trend"' in body
    assert 'data-plotly="drop-drivers"' in body
    # Top driver first; mix vs rate explained in words.
    assert 'data-testid="top-driver">Had to repeat myself<' in body
    assert "−4.0 comes from mix" in body and "−31.0 from rate" in body
    assert "mostly a real change in experience" in body
    # Comments are escaped, never rendered as markup.
    assert "&lt;script&gt;alert(0)&lt;/script&gt;" in body
    assert "<script>alert(0)</script>" not in body


def test_detail_trend_uses_the_segment(login, users, org_a, drop, drop_comments, other_service):
    # A response of another service in the same week does not enter this segment's trend.
    SurveyResponseFactory(
        organisation=org_a,
        service=other_service,
        score=10,
        comment="Laptop fine",
        submitted_at=drop_comments[0].submitted_at,
    )
    process_new(org_a)  # trends read rollups
    response = login(users["officer"]).get(_url("drop_detail", drop))
    series = response.context["series"]
    week = next(row for row in series if row["period_start"] == drop.week_start)
    assert week["n"] == 3 and week["value"] == -100.0
    assert len(series) >= 13  # 12 weeks before, the drop week (and up to 2 after)
    assert "Laptop fine" not in response.content.decode()


def test_comments_paginate_and_htmx_gets_fragment(login, users, org_a, service, drop):
    when = timezone.make_aware(
        datetime.datetime.combine(drop.week_start + datetime.timedelta(days=1), datetime.time(9))
    )
    for i in range(20):
        SurveyResponseFactory(
            organisation=org_a, service=service, score=3, comment=f"Comment {i}", submitted_at=when
        )
    client = login(users["member"])
    response = client.get(_url("drop_detail", drop), {"comments_page": "2"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.strip().startswith('<div id="drop-comments">') and "<html" not in body
    assert "Page 2 of 2" in body and body.count('class="comment"') == 5


def test_drivers_accept_alternative_shapes(login, users, org_a):
    drop = ScoreDropFactory(
        organisation=org_a,
        drivers={
            "factor_shifts": {"Slow": 3.0, "Rude": 12.5},
            "mix_rate": {"mix": -20, "rate": -2},
        },
    )
    body = login(users["officer"]).get(_url("drop_detail", drop)).content.decode()
    assert 'data-testid="top-driver">Rude<' in body
    assert "mostly a change in who answered" in body


def test_detail_without_drivers_or_comments(login, users, org_a):
    drop = ScoreDropFactory(organisation=org_a, drivers={})
    body = login(users["officer"]).get(_url("drop_detail", drop)).content.decode()
    assert "No factor or tag changed notably" in body
    assert "Nobody in this segment left a comment" in body


@pytest.mark.parametrize("role", ROLES)
def test_acknowledge(login, users, role, drop):
    response = login(users[role]).post(_url("drop_acknowledge", drop))
    drop.refresh_from_db()
    if role in REVIEWERS:
        assert response.status_code == 302
        assert drop.status == "acknowledged" and drop.acknowledged_by == users[role]
        assert AuditEvent.objects.filter(action="score_drop.acknowledged").exists()
    else:
        assert response.status_code == 403
        assert drop.status == "new" and drop.acknowledged_at is None


@pytest.mark.parametrize("role", ROLES)
def test_open_investigation(login, users, role, drop):
    response = login(users[role]).post(
        _url("drop_investigate", drop), {"notes": "Checking the new phone menu."}
    )
    drop.refresh_from_db()
    if role in REVIEWERS:
        assert response.status_code == 302
        assert drop.status == "investigating"
        assert drop.investigation_notes == "Checking the new phone menu."
        assert drop.acknowledged_at is not None
    else:
        assert response.status_code == 403
        assert drop.status == "new"


def test_investigation_needs_notes(login, users, drop):
    response = login(users["officer"]).post(
        _url("drop_investigate", drop), {"notes": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    drop.refresh_from_db()
    assert drop.status == "new"


def test_close(login, users, drop):
    assert login(users["member"]).post(_url("drop_close", drop)).status_code == 403
    assert login(users["officer"]).post(_url("drop_close", drop)).status_code == 302
    drop.refresh_from_db()
    assert drop.status == "closed"


@pytest.mark.parametrize("role", ROLES)
def test_create_action_item(login, users, role, drop):
    response = login(users[role]).post(
        _url("drop_action_create", drop),
        {"title": "Review the phone menu", "owner": users["member"].pk, "due_on": "2026-12-01"},
    )
    if role in REVIEWERS:
        assert response.status_code == 302
        action = ActionItem.objects.get()
        assert action.score_drop == drop and action.owner == users["member"]
        assert action.due_on == datetime.date(2026, 12, 1)
        assert action.created_by == users[role]
    else:
        assert response.status_code == 403
        assert not ActionItem.objects.exists()


def test_action_over_htmx_returns_panel(login, users, drop):
    response = login(users["officer"]).post(
        _url("drop_action_create", drop), {"title": "Call the vendor"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<section id="drop-work"') and "<html" not in body
    assert "Call the vendor" in body


@pytest.mark.parametrize("role", ROLES)
def test_add_to_agenda_idempotent(login, users, role, drop, weekly_meeting):
    client = login(users[role])
    first = client.post(_url("drop_add_to_agenda", drop))
    second = client.post(_url("drop_add_to_agenda", drop), HTTP_HX_REQUEST="true")
    items = AgendaItem.objects.filter(source_key=f"drop:{drop.pk}")
    if role in REVIEWERS:
        assert first.status_code == 302
        assert second.status_code == 200
        assert "Already on the agenda" in second.content.decode()
        assert items.count() == 1
        item = items.get()
        assert item.meeting == weekly_meeting
        assert item.evidence_url == _url("drop_detail", drop)
        assert AuditEvent.objects.filter(action="score_drop.added_to_agenda").count() == 1
    else:
        assert (first.status_code, second.status_code) == (403, 403)
        assert not items.exists()


def test_agenda_picks_the_next_planned_weekly_meeting(login, users, org_a, drop, weekly_meeting):
    # A sooner meeting of a monthly series, a closed weekly one and a past one are skipped.
    MeetingFactory(
        series__organisation=org_a,
        series__cadence="monthly",
        scheduled_for=timezone.now() + datetime.timedelta(days=1),
    )
    MeetingFactory(
        series=weekly_meeting.series,
        status="closed",
        scheduled_for=timezone.now() + datetime.timedelta(days=2),
    )
    MeetingFactory(
        series=weekly_meeting.series, scheduled_for=timezone.now() - datetime.timedelta(days=2)
    )
    login(users["officer"]).post(_url("drop_add_to_agenda", drop))
    assert AgendaItem.objects.get(source_key=f"drop:{drop.pk}").meeting == weekly_meeting


def test_agenda_without_planned_meeting_says_so(login, users, drop):
    response = login(users["officer"]).post(
        _url("drop_add_to_agenda", drop), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "No weekly meeting is planned yet" in response.content.decode()
    assert not AgendaItem.objects.exists()
    response = login(users["officer"]).post(_url("drop_add_to_agenda", drop), follow=True)
    assert "No weekly meeting is planned yet" in response.content.decode()


def test_list_filters_and_recent_window(login, users, org_a, drop):
    old = ScoreDropFactory(
        organisation=org_a, week_start=drop.week_start - datetime.timedelta(weeks=20)
    )
    lost = ScoreDropFactory(
        organisation=org_a, week_start=drop.week_start, measure="lost_time", delta=45
    )
    client = login(users["officer"])
    url = reverse("experience:drop_list")
    body = client.get(url).content.decode()
    assert _url("drop_detail", drop) in body and _url("drop_detail", old) not in body
    body = client.get(url, {"week": "all"}).content.decode()
    assert _url("drop_detail", old) in body
    body = client.get(url, {"week": old.week_start.isoformat()}).content.decode()
    assert _url("drop_detail", old) in body and _url("drop_detail", drop) not in body
    body = client.get(url, {"measure": "lost_time"}).content.decode()
    assert _url("drop_detail", lost) in body and _url("drop_detail", drop) not in body
    body = client.get(url, {"segment_kind": "persona"}).content.decode()
    assert "No score drops match these filters" in body
    body = client.get(url, {"status": "closed"}).content.decode()
    assert "No score drops match" in body


def test_list_empty_state_says_what_happens(login, users):
    body = login(users["officer"]).get(reverse("experience:drop_list")).content.decode()
    assert "No score drops in the last 8 weeks" in body
    assert "Drops are detected every Monday from closed weeks" in body


def test_list_htmx_gets_fragment(login, users, drop):
    response = login(users["leader"]).get(
        reverse("experience:drop_list"), {"measure": "happiness"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.strip().startswith('<div id="drop-results">') and "<html" not in body


def test_list_query_count_bounded_with_1000_drops(
    login, users, org_a, service, django_assert_max_num_queries
):
    drop_week = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    ScoreDrop.objects.bulk_create(
        [
            ScoreDrop(
                organisation=org_a,
                week_start=drop_week - datetime.timedelta(weeks=i % 8),
                measure="happiness",
                segment_kind="location",
                segment_value=f"site-{i}",
                service=service,
                value=20,
                baseline_value=60,
                delta=-40,
                n=50,
                baseline_n=400,
                p_value=0.001,
                acknowledged_by=users["officer"],
            )
            for i in range(1000)
        ]
    )
    client = login(users["officer"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("experience:drop_list"), {"page": "2"})
    assert response.status_code == 200
    assert "1000 in all" in response.content.decode()


def test_lost_time_drop_shows_minutes_and_lost_time_trend(login, users, org_a, service, drop):
    lost = ScoreDropFactory(
        organisation=org_a,
        week_start=drop.week_start,
        measure="lost_time",
        segment_kind="service",
        segment_value=service.slug,
        value=190,
        baseline_value=100,
        delta=90,
    )
    SurveyResponseFactory(
        organisation=org_a,
        service=service,
        score=4,
        lost_time_minutes=240,
        submitted_at=timezone.make_aware(
            datetime.datetime.combine(lost.week_start, datetime.time(12))
        ),
    )
    process_new(org_a)  # trends read rollups
    response = login(users["officer"]).get(_url("drop_detail", lost))
    body = response.content.decode()
    assert "3 h 10 min" in body and "+1 h 30 min" in body
    week = next(r for r in response.context["series"] if r["period_start"] == lost.week_start)
    assert week["value"] == 240.0


@pytest.mark.parametrize("role", ["leader", "officer"])
def test_comments_only_for_roles_that_read_feedback(login, users, role, drop, drop_comments):
    client = login(users[role])
    body = client.get(_url("drop_detail", drop)).content.decode()
    page = client.get(_url("drop_detail", drop), {"comments_page": "1"}, HTTP_HX_REQUEST="true")
    if role == "leader":
        assert "I had to repeat myself" not in body
        assert "the drivers above summarise them" in body
        assert page.status_code == 403
    else:
        assert "I had to repeat myself" in body
        assert page.status_code == 200


def test_drivers_in_the_detection_jobs_shape(login, users, org_a):
    drop = ScoreDropFactory(
        organisation=org_a,
        drivers={
            "factors": [
                {"factor": "Long wait", "share_before": 10.0, "share_after": 42.5, "delta": 32.5},
                {"factor": "Friendly", "share_before": 30.0, "share_after": 25.0, "delta": -5.0},
            ],
            "tags": [{"tag": "phone", "share_before": 1.0, "share_after": 9.0, "delta": 8.0}],
            "mix_rate": {
                "mix": -1.5,
                "rate": -20.25,
                "total": -21.75,
                "dominant": "rate",
                "child": "channel",
                "children": [
                    {
                        "key": "phone",
                        "weight_before": 0.2,
                        "weight_after": 0.5,
                        "value_before": 40.0,
                        "value_after": 10.0,
                    }
                ],
            },
        },
    )
    body = login(users["officer"]).get(_url("drop_detail", drop)).content.decode()
    assert 'data-testid="top-driver">Long wait<' in body
    assert "42.5 %" in body and "10.0 %" in body
    assert "between channels" in body and "−20.2 from rate" in body
    assert "20.0 % → 50.0 %" in body  # the channel's share of responses before → that week
    assert "40.0 points → 10.0 points" in body  # the channel's happiness before → that week


def test_mix_and_rate_per_child_add_up_to_the_split(org_a):
    from experience.views import driver_view

    drop = ScoreDropFactory(
        organisation=org_a,
        drivers={
            "factors": [],
            "tags": [],
            "mix_rate": {
                "mix": -6.0,
                "rate": -13.0,
                "child": "channel",
                "children": [
                    {
                        "key": "phone",
                        "weight_before": 0.5,
                        "weight_after": 0.7,
                        "value_before": 40.0,
                        "value_after": 30.0,
                    },
                    {
                        "key": "portal",
                        "weight_before": 0.5,
                        "weight_after": 0.3,
                        "value_before": 70.0,
                        "value_after": 50.0,
                    },
                ],
            },
        },
    )
    segments = driver_view(drop)["segments"]
    assert [round(s["mix"], 6) for s in segments] == [8.0, -14.0]
    assert [round(s["rate"], 6) for s in segments] == [-7.0, -6.0]
    assert round(sum(s["mix"] for s in segments), 6) == -6.0
    assert round(sum(s["rate"] for s in segments), 6) == -13.0


def test_detail_says_when_the_figures_pool_two_weeks(login, users, drop):
    client = login(users["officer"])
    body = client.get(_url("drop_detail", drop)).content.decode()
    assert "That week<" in body and "That week and the one before" not in body
    drop.window_weeks = 2
    drop.save(update_fields=["window_weeks"])
    body = client.get(_url("drop_detail", drop)).content.decode()
    assert "That week and the one before<" in body
    assert "Baseline (8 weeks before those two)" in body
