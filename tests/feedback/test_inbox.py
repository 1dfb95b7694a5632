import datetime

import pytest
from django.utils import timezone

from experience.models import SurveyResponse
from feedback.models import FeedbackTag, TagSuggestion
from tests.factories import (
    FollowUpFactory,
    ServiceFactory,
    SurveyResponseFactory,
    TagFactory,
)

URL = "/feedback/"
VIEWERS = ["admin", "officer", "member", "service_owner"]
NOT_VIEWERS = ["leader", "viewer"]


@pytest.mark.parametrize("role", VIEWERS)
def test_roles_that_may_read_feedback_see_the_inbox(role, users, login, make_feedback):
    make_feedback("Quick and friendly help.")
    response = login(users[role]).get(URL)
    assert response.status_code == 200
    assert b"Quick and friendly help." in response.content


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_other_roles_are_refused(role, users, login):
    assert login(users[role]).get(URL).status_code == 403


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_outsider_sees_only_their_own_organisation(outsider, login, make_feedback):
    make_feedback("Secret comment of A")
    response = login(outsider).get(URL)
    assert response.status_code == 200
    assert b"Secret comment of A" not in response.content


def test_only_responses_with_a_comment_newest_first(users, login, make_feedback, org_a):
    make_feedback("Older comment", hours_ago=5)
    make_feedback("Newer comment", hours_ago=1)
    make_feedback("", hours_ago=2)
    body = login(users["officer"]).get(URL).content.decode()
    assert body.index("Newer comment") < body.index("Older comment")
    assert body.count("data-row tabindex") == 2


def test_row_shows_score_band_service_channel_persona_and_local_date(
    users, login, make_feedback, persona, org_a
):
    org_a.time_zone = "Asia/Tokyo"
    org_a.save()
    great = make_feedback("Great", score=10, channel="chat", persona=persona)
    SurveyResponse.objects.filter(pk=great.pk).update(
        submitted_at=datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
    )
    make_feedback("So-so", score=7)
    make_feedback("Bad", score=2)
    body = login(users["officer"]).get(URL).content.decode()
    assert 'badge-good" title="Score 10' in body
    assert 'badge-warn" title="Score 7' in body
    assert 'badge-bad" title="Score 2' in body
    assert "Service desk" in body and "Chat" in body and "Doers" in body
    assert "2 Mar 2026, 05:30" in body  # 20:30 UTC is 05:30 next day in Tokyo


def test_comment_is_escaped(users, login, make_feedback):
    make_feedback("<script>alert(1)</script>")
    body = login(users["officer"]).get(URL).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_counts_of_new_and_untagged(users, login, make_feedback, tag):
    a = make_feedback("one")
    make_feedback("two", triage_status="reviewed")
    make_feedback("three")
    FeedbackTag.objects.create(response=a, tag=tag)
    response = login(users["officer"]).get(URL)
    assert response.context["counts"]["new"] == 2
    assert response.context["counts"]["untagged"] == 2
    assert response.context["counts"]["total"] == 3


def test_htmx_request_gets_the_results_fragment(users, login, make_feedback):
    make_feedback("Fragment me")
    response = login(users["officer"]).get(URL, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fragment me" in body
    assert "<html" not in body and 'id="filter-form"' not in body


def test_service_owner_sees_only_feedback_of_owned_services(users, login, make_feedback):
    make_feedback("About the desk", service="desk")
    make_feedback("About laptops", service="laptops")
    body = login(users["service_owner"]).get(URL).content.decode()
    assert "About the desk" in body
    assert "About laptops" not in body
    # Read-only for service owners: no bulk form, no tag box, no status select.
    assert 'id="bulk-form"' not in body
    assert "data-tag-input" not in body
    assert "data-status-input" not in body


def test_member_sees_tag_and_status_controls(users, login, make_feedback):
    make_feedback("Controls")
    body = login(users["member"]).get(URL).content.decode()
    assert 'id="bulk-form"' in body and "data-tag-input" in body and "data-status-input" in body


def test_pagination_fifty_per_page(users, login, make_feedback):
    for i in range(55):
        make_feedback(f"Comment number {i}", hours_ago=i + 1)
    client = login(users["officer"])
    first = client.get(URL)
    assert len(first.context["rows"]) == 50
    second = client.get(URL + "?page=2")
    assert len(second.context["rows"]) == 5
    assert "Comment number 54" in second.content.decode()


def test_empty_inbox_says_what_to_do(users, login):
    body = login(users["officer"]).get(URL).content.decode()
    assert "No feedback yet" in body
    assert "/api/v1/survey-responses/" in body


def test_no_match_says_how_to_widen(users, login, make_feedback):
    make_feedback("hello")
    body = login(users["officer"]).get(URL + "?band=detractor").content.decode()
    assert "No comments match these filters" in body


@pytest.mark.slow
def test_query_count_is_bounded_with_1000_rows(
    users, login, org_a, services, persona, django_assert_max_num_queries
):
    tags = [TagFactory(organisation=org_a) for _ in range(5)]
    now = timezone.now()
    rows = SurveyResponse.objects.bulk_create(
        SurveyResponse(
            organisation=org_a,
            external_id=f"bulk-{i}",
            service=services["desk" if i % 2 else "laptops"],
            persona=persona if i % 3 else None,
            score=i % 11,
            comment=f"Comment {i} about the VPN",
            submitted_at=now - datetime.timedelta(minutes=i),
        )
        for i in range(1000)
    )
    FeedbackTag.objects.bulk_create(
        FeedbackTag(response=r, tag=tags[i % 5]) for i, r in enumerate(rows) if i % 2
    )
    TagSuggestion.objects.bulk_create(
        TagSuggestion(response=r, tag=tags[(i + 1) % 5]) for i, r in enumerate(rows) if i % 3
    )
    for r in rows[:20]:
        if r.score <= 6:
            FollowUpFactory(response=r, owner=users["officer"])
    client = login(users["officer"])
    with django_assert_max_num_queries(20):
        response = client.get(URL)
    assert len(response.context["rows"]) == 50
    with django_assert_max_num_queries(20):
        response = client.get(URL + "?band=detractor&tag=" + tags[1].slug + "&page=2")
    assert response.status_code == 200
    with django_assert_max_num_queries(20):
        client.get(URL + "?q=vpn&untagged=on&follow_up=needed", HTTP_HX_REQUEST="true")


class TestFilters:
    @pytest.fixture
    def client_(self, users, login):
        return login(users["officer"])

    def shown(self, client, query):
        response = client.get(URL + "?" + query)
        assert response.status_code == 200
        return {r.comment for r in response.context["rows"]}

    def test_score_band(self, client_, make_feedback):
        for score in (10, 9, 8, 7, 6, 0):
            make_feedback(f"score {score}", score=score)
        assert self.shown(client_, "band=promoter") == {"score 10", "score 9"}
        assert self.shown(client_, "band=passive") == {"score 8", "score 7"}
        assert self.shown(client_, "band=detractor") == {"score 6", "score 0"}

    def test_service_and_persona(self, client_, make_feedback, persona):
        make_feedback("desk", service="desk", persona=persona)
        make_feedback("laptop", service="laptops")
        assert self.shown(client_, "service=laptops") == {"laptop"}
        assert self.shown(client_, "persona=doers") == {"desk"}

    def test_channel(self, client_, make_feedback):
        make_feedback("by phone", channel="phone")
        make_feedback("by chat", channel="chat")
        assert self.shown(client_, "channel=phone") == {"by phone"}

    def test_tag_and_untagged(self, client_, make_feedback, tag):
        tagged = make_feedback("tagged")
        make_feedback("bare")
        FeedbackTag.objects.create(response=tagged, tag=tag)
        assert self.shown(client_, "tag=vpn") == {"tagged"}
        assert self.shown(client_, "untagged=on") == {"bare"}

    def test_status_and_highlighted(self, client_, make_feedback):
        make_feedback("closed one", triage_status="closed", highlighted=True)
        make_feedback("new one")
        assert self.shown(client_, "status=closed") == {"closed one"}
        assert self.shown(client_, "highlighted=on") == {"closed one"}

    def test_date_range_in_the_organisation_time_zone(self, client_, make_feedback, org_a):
        org_a.time_zone = "America/New_York"
        org_a.save()
        late = make_feedback("late on the 10th local")
        early = make_feedback("on the 9th local")
        # 03:00 UTC on the 11th is still the 10th in New York.
        SurveyResponse.objects.filter(pk=late.pk).update(
            submitted_at=datetime.datetime(2026, 6, 11, 3, 0, tzinfo=datetime.UTC)
        )
        SurveyResponse.objects.filter(pk=early.pk).update(
            submitted_at=datetime.datetime(2026, 6, 9, 15, 0, tzinfo=datetime.UTC)
        )
        assert self.shown(client_, "date_from=2026-06-10&date_to=2026-06-10") == {
            "late on the 10th local"
        }
        assert self.shown(client_, "date_to=2026-06-09") == {"on the 9th local"}

    def test_text_search(self, client_, make_feedback):
        make_feedback("The VPN keeps dropping")
        make_feedback("Printer jammed again")
        assert self.shown(client_, "q=vpn") == {"The VPN keeps dropping"}

    def test_follow_up_needed_and_mine(self, client_, make_feedback, users):
        make_feedback("bad, no follow-up", score=2)
        mine = make_feedback("bad, mine", score=3)
        done = make_feedback("bad, done", score=1)
        make_feedback("good", score=10)
        FollowUpFactory(response=mine, owner=users["officer"])
        FollowUpFactory(response=done, owner=users["officer"], status="done")
        assert self.shown(client_, "follow_up=needed") == {"bad, no follow-up", "bad, mine"}
        assert self.shown(client_, "follow_up=mine") == {"bad, mine"}

    def test_filters_combine_and_survive_pagination_links(self, client_, make_feedback):
        for i in range(60):
            make_feedback(f"slow vpn {i}", score=3, hours_ago=i + 1)
        body = client_.get(URL + "?band=detractor&q=vpn").content.decode()
        assert "band=detractor&amp;q=vpn&amp;page=2" in body

    def test_invalid_filter_value_is_shown_not_a_crash(self, client_, make_feedback):
        make_feedback("x")
        response = client_.get(URL + "?band=nonsense&date_from=notadate")
        assert response.status_code == 200
        assert b"errorlist" in response.content


@pytest.mark.postgres
def test_full_text_search_on_postgresql(users, login, make_feedback):
    make_feedback("The laptops were crashing constantly")
    make_feedback("Crashed once, fine after")
    make_feedback("Printer jammed")
    client = login(users["officer"])
    shown = {r.comment for r in client.get(URL + "?q=crash").context["rows"]}
    # Stemming: "crash" finds "crashing" and "Crashed".
    assert shown == {"The laptops were crashing constantly", "Crashed once, fine after"}
    shown = {r.comment for r in client.get(URL + '?q="printer jammed"').context["rows"]}
    assert shown == {"Printer jammed"}


def test_other_organisation_services_are_not_filter_options(users, login, org_b, make_feedback):
    ServiceFactory(organisation=org_b, slug="b-secret", name="B secret service")
    SurveyResponseFactory(organisation=org_b, comment="B comment")
    body = login(users["officer"]).get(URL).content.decode()
    assert "B secret service" not in body and "B comment" not in body


@pytest.mark.postgres
def test_text_search_can_use_the_gin_index(users, make_feedback):
    """The search expression is the indexed one, so PostgreSQL can answer it from the index."""
    from django.db import connection

    from feedback.selectors import search_comments

    make_feedback("The VPN keeps dropping")
    queryset = search_comments(SurveyResponse.objects.all(), "vpn")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = queryset.explain()
    # Each monthly partition has its copy of the index feedback_comment_fts, named after it.
    assert "Bitmap Index Scan on experience_surveyresponse_" in plan
    assert "Index Cond: (to_tsvector('english'::regconfig, comment) @@" in plan
