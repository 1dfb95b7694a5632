import pytest

from experience.models import SurveyResponse
from feedback.models import FeedbackTag, FollowUp, TagSuggestion
from tests.factories import SurveyResponseFactory, TagFactory, TagSuggestionFactory
from xmo.models import AuditEvent

TAGGERS = ["admin", "officer", "member"]
NON_TAGGERS = ["leader", "viewer", "service_owner"]


def htmx_post(client, url, data):
    return client.post(url, data, HTTP_HX_REQUEST="true")


class TestBulk:
    @pytest.mark.parametrize("role", TAGGERS)
    def test_bulk_tag_three_comments(self, role, users, login, make_feedback, tag):
        rows = [make_feedback(f"c{i}") for i in range(4)]
        client = login(users[role])
        response = htmx_post(
            client,
            "/feedback/bulk/?band=promoter",
            {"action": "tag", "tag": tag.pk, "ids": [r.pk for r in rows[:3]]},
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "Tagged 3 comments with “VPN”." in body
        assert "<html" not in body  # a fragment
        assert set(FeedbackTag.objects.values_list("response_id", flat=True)) == {
            r.pk for r in rows[:3]
        }
        event = AuditEvent.objects.get(action="feedback.tagged")
        assert event.actor == users[role]
        assert sorted(event.after["responses"]) == sorted(r.pk for r in rows[:3])

    @pytest.mark.parametrize("role", NON_TAGGERS)
    def test_bulk_refused_for_other_roles(self, role, users, login, make_feedback, tag):
        row = make_feedback("c")
        client = login(users[role])
        for data in ({"action": "tag", "tag": tag.pk}, {"action": "status", "status": "closed"}):
            response = htmx_post(client, "/feedback/bulk/", data | {"ids": [row.pk]})
            assert response.status_code == 403
        assert not FeedbackTag.objects.exists()
        assert SurveyResponse.objects.get(pk=row.pk).triage_status == "new"

    def test_bulk_untag(self, users, login, make_feedback, tag):
        rows = [make_feedback(f"c{i}") for i in range(3)]
        for r in rows:
            FeedbackTag.objects.create(response=r, tag=tag)
        htmx_post(
            login(users["member"]),
            "/feedback/bulk/",
            {"action": "untag", "tag": tag.pk, "ids": [rows[0].pk, rows[1].pk]},
        )
        assert list(FeedbackTag.objects.values_list("response_id", flat=True)) == [rows[2].pk]
        assert AuditEvent.objects.filter(action="feedback.untagged").exists()

    def test_bulk_status(self, users, login, make_feedback):
        rows = [make_feedback(f"c{i}") for i in range(3)]
        htmx_post(
            login(users["officer"]),
            "/feedback/bulk/",
            {"action": "status", "status": "reviewed", "ids": [rows[0].pk, rows[1].pk]},
        )
        statuses = dict(SurveyResponse.objects.values_list("pk", "triage_status"))
        assert statuses == {rows[0].pk: "reviewed", rows[1].pk: "reviewed", rows[2].pk: "new"}
        event = AuditEvent.objects.get(action="feedback.status_changed")
        assert event.after["status"] == "reviewed"

    def test_bulk_without_selection_or_tag_explains(self, users, login, make_feedback, tag):
        row = make_feedback("c")
        client = login(users["officer"])
        body = htmx_post(client, "/feedback/bulk/", {"action": "tag", "tag": tag.pk}).content
        assert "Select at least one comment first." in body.decode()
        body = htmx_post(client, "/feedback/bulk/", {"action": "tag", "ids": [row.pk]}).content
        assert "Choose a tag." in body.decode()
        assert not FeedbackTag.objects.exists()

    def test_bulk_without_htmx_redirects_back_with_filters(self, users, login, make_feedback, tag):
        row = make_feedback("c")
        response = login(users["officer"]).post(
            "/feedback/bulk/?band=promoter", {"action": "tag", "tag": tag.pk, "ids": [row.pk]}
        )
        assert response.status_code == 302
        assert response["Location"] == "/feedback/?band=promoter"
        assert FeedbackTag.objects.filter(response=row).exists()

    def test_outsider_cannot_touch_another_organisations_rows_or_tags(
        self, outsider, login, make_feedback, tag, org_b
    ):
        row = make_feedback("c")
        own_tag = TagFactory(organisation=org_b)
        client = login(outsider)
        response = htmx_post(
            client, "/feedback/bulk/", {"action": "tag", "tag": own_tag.pk, "ids": [row.pk]}
        )
        assert response.status_code == 404
        response = htmx_post(
            client,
            "/feedback/bulk/",
            {"action": "status", "status": "closed", "ids": [row.pk]},
        )
        assert response.status_code == 404
        # Another organisation's tag is not a valid choice.
        own_row = SurveyResponseFactory(organisation=org_b, comment="mine")
        body = htmx_post(
            client, "/feedback/bulk/", {"action": "tag", "tag": tag.pk, "ids": [own_row.pk]}
        ).content.decode()
        assert "Select a valid choice" in body
        assert not FeedbackTag.objects.exists()
        assert SurveyResponse.objects.get(pk=row.pk).triage_status == "new"


class TestRowActions:
    @pytest.mark.parametrize("role", TAGGERS)
    def test_quick_tag_returns_the_row(self, role, users, login, make_feedback, tag):
        row = make_feedback("vpn")
        response = htmx_post(login(users[role]), f"/feedback/{row.pk}/tag/", {"name": "vpn"})
        assert response.status_code == 200
        body = response.content.decode()
        assert body.startswith(f'<tr id="fb-{row.pk}"')
        assert FeedbackTag.objects.get(response=row).tag == tag

    def test_quick_tag_with_a_new_name(self, users, login, make_feedback, org_a):
        row = make_feedback("vpn")
        htmx_post(login(users["officer"]), f"/feedback/{row.pk}/tag/", {"name": "Printers"})
        assert FeedbackTag.objects.get(response=row).tag.slug == "printers"
        # A member may tag but not create tags.
        other = make_feedback("x")
        body = htmx_post(
            login(users["member"]), f"/feedback/{other.pk}/tag/", {"name": "Brand new"}
        ).content.decode()
        assert "No tag named “Brand new”" in body
        assert not FeedbackTag.objects.filter(response=other).exists()

    def test_untag_one(self, users, login, make_feedback, tag):
        row = make_feedback("vpn")
        FeedbackTag.objects.create(response=row, tag=tag)
        response = htmx_post(login(users["member"]), f"/feedback/{row.pk}/untag/{tag.pk}/", {})
        assert response.status_code == 200
        assert not FeedbackTag.objects.exists()

    def test_status_and_highlight(self, users, login, make_feedback):
        row = make_feedback("vpn")
        client = login(users["officer"])
        htmx_post(client, f"/feedback/{row.pk}/status/", {"status": "follow_up"})
        response = htmx_post(client, f"/feedback/{row.pk}/highlight/", {"highlighted": "1"})
        assert "★ Highlighted" in response.content.decode()
        row.refresh_from_db()
        assert (row.triage_status, row.highlighted) == ("follow_up", True)
        assert AuditEvent.objects.filter(action="feedback.highlighted").exists()
        htmx_post(client, f"/feedback/{row.pk}/highlight/", {"highlighted": "0"})
        row.refresh_from_db()
        assert row.highlighted is False

    def test_invalid_status_is_refused(self, users, login, make_feedback):
        row = make_feedback("vpn")
        body = htmx_post(
            login(users["officer"]), f"/feedback/{row.pk}/status/", {"status": "bogus"}
        ).content.decode()
        assert "Choose a valid status." in body
        row.refresh_from_db()
        assert row.triage_status == "new"

    @pytest.mark.parametrize("role", NON_TAGGERS)
    def test_row_actions_refused(self, role, users, login, make_feedback, tag):
        row = make_feedback("vpn")
        FeedbackTag.objects.create(response=row, tag=tag)
        client = login(users[role])
        for url, data in [
            (f"/feedback/{row.pk}/tag/", {"name": "vpn"}),
            (f"/feedback/{row.pk}/untag/{tag.pk}/", {}),
            (f"/feedback/{row.pk}/status/", {"status": "closed"}),
            (f"/feedback/{row.pk}/highlight/", {"highlighted": "1"}),
        ]:
            assert htmx_post(client, url, data).status_code == 403, url
        row.refresh_from_db()
        assert (row.triage_status, row.highlighted) == ("new", False)
        assert FeedbackTag.objects.count() == 1

    def test_outsider_gets_404(self, outsider, login, make_feedback, tag):
        row = make_feedback("vpn")
        client = login(outsider)
        for url, data in [
            (f"/feedback/{row.pk}/tag/", {"name": "vpn"}),
            (f"/feedback/{row.pk}/untag/{tag.pk}/", {}),
            (f"/feedback/{row.pk}/status/", {"status": "closed"}),
            (f"/feedback/{row.pk}/highlight/", {"highlighted": "1"}),
            (f"/feedback/{row.pk}/follow-up/", {}),
        ]:
            assert htmx_post(client, url, data).status_code == 404, url

    def test_get_is_not_allowed_for_writes(self, users, login, make_feedback):
        row = make_feedback("vpn")
        assert login(users["officer"]).get(f"/feedback/{row.pk}/status/").status_code == 405


class TestSuggestions:
    @pytest.fixture
    def suggestion(self, make_feedback, tag):
        return TagSuggestionFactory(response=make_feedback("The VPN is down"), tag=tag)

    def test_row_shows_pending_suggestion(self, users, login, suggestion):
        body = login(users["member"]).get("/feedback/").content.decode()
        assert f'data-suggestion="{suggestion.pk}"' in body
        assert "Accept tag VPN" in body

    @pytest.mark.parametrize("role", TAGGERS)
    def test_accept_creates_a_rule_tag(self, role, users, login, suggestion):
        response = htmx_post(
            login(users[role]), f"/feedback/suggestions/{suggestion.pk}/accept/", {}
        )
        assert response.status_code == 200
        assert f'data-suggestion="{suggestion.pk}"' not in response.content.decode()
        link = FeedbackTag.objects.get(response=suggestion.response)
        assert (link.tag, link.source, link.added_by) == (suggestion.tag, "rule", users[role])
        suggestion.refresh_from_db()
        assert suggestion.status == "accepted" and suggestion.decided_by == users[role]
        assert AuditEvent.objects.filter(action="tag_suggestion.accepted").exists()

    def test_decline(self, users, login, suggestion):
        htmx_post(login(users["officer"]), f"/feedback/suggestions/{suggestion.pk}/decline/", {})
        suggestion.refresh_from_db()
        assert suggestion.status == "declined"
        assert not FeedbackTag.objects.exists()

    def test_deciding_twice_changes_nothing(self, users, login, suggestion):
        client = login(users["officer"])
        htmx_post(client, f"/feedback/suggestions/{suggestion.pk}/decline/", {})
        body = htmx_post(client, f"/feedback/suggestions/{suggestion.pk}/accept/", {}).content
        assert "already decided" in body.decode()
        assert not FeedbackTag.objects.exists()

    @pytest.mark.parametrize("role", NON_TAGGERS)
    def test_refused_for_other_roles(self, role, users, login, suggestion):
        client = login(users[role])
        assert (
            htmx_post(client, f"/feedback/suggestions/{suggestion.pk}/accept/", {}).status_code
            == 403
        )
        assert (
            htmx_post(client, f"/feedback/suggestions/{suggestion.pk}/decline/", {}).status_code
            == 403
        )
        assert TagSuggestion.objects.get().status == "pending"

    def test_outsider_404(self, outsider, login, suggestion):
        client = login(outsider)
        assert (
            htmx_post(client, f"/feedback/suggestions/{suggestion.pk}/accept/", {}).status_code
            == 404
        )
        assert TagSuggestion.objects.get().status == "pending"

    def test_manual_tag_settles_the_pending_suggestion(self, users, login, suggestion, tag):
        htmx_post(
            login(users["officer"]), f"/feedback/{suggestion.response_id}/tag/", {"name": "VPN"}
        )
        suggestion.refresh_from_db()
        assert suggestion.status == "accepted"


class TestFollowUp:
    def test_officer_creates_a_follow_up(self, users, login, make_feedback):
        row = make_feedback("Awful", score=2)
        client = login(users["officer"])
        page = client.get(f"/feedback/{row.pk}/follow-up/")
        assert page.status_code == 200
        assert b'<label for="id_owner">' in page.content
        response = client.post(
            f"/feedback/{row.pk}/follow-up/",
            {
                "owner": users["service_owner"].pk,
                "due_on": "2026-12-01",
                "status": "todo",
                "outcome": "",
            },
        )
        assert response.status_code == 302
        follow_up = FollowUp.objects.get(response=row)
        assert follow_up.owner == users["service_owner"]
        row.refresh_from_db()
        assert row.triage_status == "follow_up"
        assert AuditEvent.objects.filter(action="follow_up.saved").exists()

    def test_contacted_needs_a_time_and_errors_are_clear(self, users, login, make_feedback):
        row = make_feedback("Awful", score=2)
        response = login(users["officer"]).post(
            f"/feedback/{row.pk}/follow-up/",
            {"owner": users["officer"].pk, "status": "contacted"},
        )
        assert response.status_code == 400
        assert "Say when the person was contacted." in response.content.decode()
        assert not FollowUp.objects.exists()

    def test_owner_must_be_a_member_of_the_organisation(
        self, users, login, make_feedback, outsider
    ):
        row = make_feedback("Awful", score=2)
        response = login(users["officer"]).post(
            f"/feedback/{row.pk}/follow-up/", {"owner": outsider.pk, "status": "todo"}
        )
        assert response.status_code == 400
        assert not FollowUp.objects.exists()

    def test_owner_sees_and_updates_their_follow_ups(self, users, login, make_feedback):
        row = make_feedback("Awful", score=2, service="desk")
        FollowUp.objects.create(response=row, owner=users["service_owner"])
        client = login(users["service_owner"])
        inbox = client.get("/feedback/?follow_up=mine")
        assert [r.pk for r in inbox.context["rows"]] == [row.pk]
        assert inbox.context["counts"]["my_follow_ups"] == 1
        response = client.post(
            f"/feedback/{row.pk}/follow-up/",
            {
                "owner": users["officer"].pk,  # ignored: an owner cannot hand it on
                "status": "done",
                "contacted_at": "2026-11-20T10:00",
                "outcome": "Replaced the laptop; user happy.",
            },
        )
        assert response.status_code == 302
        follow_up = FollowUp.objects.get()
        assert (follow_up.status, follow_up.owner) == ("done", users["service_owner"])
        assert follow_up.outcome == "Replaced the laptop; user happy."

    @pytest.mark.parametrize("role", ["member", "service_owner"])
    def test_follow_up_refused_without_triage_right_or_ownership(
        self, role, users, login, make_feedback
    ):
        row = make_feedback("Awful", score=2, service="desk")
        FollowUp.objects.create(response=row, owner=users["officer"])
        client = login(users[role])
        expected = 200 if role == "member" else 403
        assert client.get(f"/feedback/{row.pk}/follow-up/").status_code == expected

    @pytest.mark.parametrize("role", ["leader", "viewer"])
    def test_follow_up_refused_for_roles_without_feedback(self, role, users, login, make_feedback):
        row = make_feedback("Awful", score=2)
        assert login(users[role]).get(f"/feedback/{row.pk}/follow-up/").status_code == 403

    def test_only_negative_responses(self, users, login, make_feedback):
        row = make_feedback("Fine", score=8)
        assert login(users["officer"]).get(f"/feedback/{row.pk}/follow-up/").status_code == 404

    def test_htmx_gets_the_form_fragment(self, users, login, make_feedback):
        row = make_feedback("Awful", score=2)
        body = (
            login(users["officer"])
            .get(f"/feedback/{row.pk}/follow-up/", HTTP_HX_REQUEST="true")
            .content.decode()
        )
        assert 'id="follow-up-form"' in body and "<html" not in body


def test_contacted_at_is_read_in_the_organisation_time_zone(users, login, make_feedback, org_a):
    org_a.time_zone = "Europe/Paris"
    org_a.save()
    row = make_feedback("Awful", score=2)
    client = login(users["officer"])
    client.post(
        f"/feedback/{row.pk}/follow-up/",
        {
            "owner": users["officer"].pk,
            "status": "contacted",
            "due_on": "2026-12-01",
            "contacted_at": "2026-07-01T10:00",
        },
    )
    follow_up = FollowUp.objects.get()
    assert follow_up.contacted_at.isoformat() == "2026-07-01T08:00:00+00:00"
    body = client.get(f"/feedback/{row.pk}/follow-up/").content.decode()
    assert 'value="2026-07-01T10:00"' in body
    assert 'value="2026-12-01"' in body


def test_row_fragment_query_count_is_small(
    users, login, make_feedback, tag, django_assert_max_num_queries
):
    row = make_feedback("vpn")
    for i in range(5):
        TagSuggestionFactory(response=row, tag=TagFactory(organisation=tag.organisation))
    client = login(users["officer"])
    with django_assert_max_num_queries(25):
        response = htmx_post(client, f"/feedback/{row.pk}/tag/", {"name": "VPN"})
    assert response.content.decode().count("data-suggestion=") == 5
