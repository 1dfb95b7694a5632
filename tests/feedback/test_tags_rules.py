import pytest

from feedback.models import FeedbackTag, Tag, TagRule, TagSuggestion
from tests.factories import TagFactory, TagRuleFactory
from xmo.models import AuditEvent

MANAGERS = ["admin", "officer"]
NOT_MANAGERS = ["member", "leader", "viewer", "service_owner"]


class TestTagPages:
    @pytest.mark.parametrize("role", MANAGERS)
    def test_list_with_usage_counts(self, role, users, login, make_feedback, tag):
        for i in range(3):
            FeedbackTag.objects.create(response=make_feedback(f"c{i}"), tag=tag)
        response = login(users[role]).get("/feedback/tags/")
        assert response.status_code == 200
        row = next(t for t in response.context["tags"] if t.pk == tag.pk)
        assert row.usage == 3
        assert b'href="/feedback/?tag=vpn">3</a>' in response.content

    @pytest.mark.parametrize("role", NOT_MANAGERS)
    def test_pages_refused(self, role, users, login, tag):
        client = login(users[role])
        assert client.get("/feedback/tags/").status_code == 403
        assert client.post("/feedback/tags/", {"name": "New"}).status_code == 403
        assert client.get(f"/feedback/tags/{tag.pk}/").status_code == 403
        assert client.post(f"/feedback/tags/{tag.pk}/delete/").status_code == 403
        assert client.get("/feedback/rules/").status_code == 403
        assert client.get("/feedback/rules/new/").status_code == 403
        assert client.post("/feedback/rules/preview/", {"patterns": "x"}).status_code == 403
        assert Tag.objects.count() == 1

    def test_htmx_list_is_a_fragment(self, users, login, tag):
        body = login(users["officer"]).get("/feedback/tags/", HTTP_HX_REQUEST="true").content
        assert b"VPN" in body and b"<html" not in body

    def test_empty_state(self, users, login):
        assert b"No tags yet" in login(users["officer"]).get("/feedback/tags/").content

    def test_create_and_duplicate_name(self, users, login, org_a):
        client = login(users["officer"])
        response = client.post("/feedback/tags/", {"name": "Slow laptop", "color": "#ff0000"})
        assert response.status_code == 302
        created = Tag.objects.get(organisation=org_a)
        assert (created.slug, created.color) == ("slow-laptop", "#ff0000")
        response = client.post("/feedback/tags/", {"name": "slow LAPTOP"})
        assert response.status_code == 400
        assert "already exists" in response.content.decode()
        response = client.post("/feedback/tags/", {"name": "", "color": "red;x"})
        assert response.status_code == 400
        assert "This field is required." in response.content.decode()
        assert "Use a colour like" in response.content.decode()
        assert Tag.objects.count() == 1

    def test_rename_keeps_slug_unique(self, users, login, org_a, tag):
        TagFactory(organisation=org_a, name="Remote", slug="remote-access")
        other = TagFactory(organisation=org_a, name="Old", slug="old")
        response = login(users["officer"]).post(
            f"/feedback/tags/{other.pk}/", {"name": "Remote access"}
        )
        assert response.status_code == 302
        other.refresh_from_db()
        assert other.name == "Remote access" and other.slug == "remote-access-2"
        event = AuditEvent.objects.get(action="tag.updated")
        assert event.before["name"] == "Old" and event.after["name"] == "Remote access"

    def test_merge_moves_links_and_suggestions_without_duplicates(
        self, users, login, org_a, make_feedback, tag
    ):
        source = TagFactory(organisation=org_a, name="Tunnel", slug="tunnel")
        both = make_feedback("both")
        only_source = make_feedback("only source")
        sugg_both = make_feedback("suggested both")
        sugg_source = make_feedback("suggested source")
        FeedbackTag.objects.create(response=both, tag=tag)
        FeedbackTag.objects.create(response=both, tag=source)
        FeedbackTag.objects.create(response=only_source, tag=source)
        TagSuggestion.objects.create(response=sugg_both, tag=tag)
        TagSuggestion.objects.create(response=sugg_both, tag=source)
        TagSuggestion.objects.create(response=sugg_source, tag=source)
        TagSuggestion.objects.create(response=both, tag=source)
        rule = TagRuleFactory(organisation=org_a, tag=source)
        response = login(users["officer"]).post(
            f"/feedback/tags/{source.pk}/merge/", {"target": tag.pk}
        )
        assert response.status_code == 302
        assert not Tag.objects.filter(pk=source.pk).exists()
        assert sorted(FeedbackTag.objects.values_list("response_id", "tag_id")) == sorted(
            [(both.pk, tag.pk), (only_source.pk, tag.pk)]
        )
        assert sorted(TagSuggestion.objects.values_list("response_id", "tag_id")) == sorted(
            [(sugg_both.pk, tag.pk), (sugg_source.pk, tag.pk)]
        )
        rule.refresh_from_db()
        assert rule.tag == tag
        event = AuditEvent.objects.get(action="tag.merged")
        assert event.before["source"]["name"] == "Tunnel"
        assert event.before["target"]["usage"] == 1
        assert event.after["target"]["usage"] == 2

    def test_merge_into_itself_or_another_org_is_refused(self, users, login, tag, org_b):
        client = login(users["officer"])
        foreign = TagFactory(organisation=org_b)
        for target in (tag.pk, foreign.pk):
            response = client.post(f"/feedback/tags/{tag.pk}/merge/", {"target": target})
            assert response.status_code == 400
        assert Tag.objects.filter(pk=tag.pk).exists()

    def test_delete(self, users, login, tag, make_feedback):
        FeedbackTag.objects.create(response=make_feedback("x"), tag=tag)
        response = login(users["admin"]).post(f"/feedback/tags/{tag.pk}/delete/")
        assert response.status_code == 302
        assert not Tag.objects.exists() and not FeedbackTag.objects.exists()
        assert AuditEvent.objects.get(action="tag.deleted").before["usage"] == 1

    def test_outsider_404(self, outsider, login, tag):
        client = login(outsider)
        assert client.get(f"/feedback/tags/{tag.pk}/").status_code == 404
        assert client.post(f"/feedback/tags/{tag.pk}/", {"name": "Hijack"}).status_code == 404
        assert client.post(f"/feedback/tags/{tag.pk}/merge/", {"target": tag.pk}).status_code == 404
        assert client.post(f"/feedback/tags/{tag.pk}/delete/").status_code == 404
        assert b'data-tag="vpn"' not in client.get("/feedback/tags/").content
        tag.refresh_from_db()
        assert tag.name == "VPN"

    def test_query_count_bounded(self, users, login, org_a, django_assert_max_num_queries):
        for _ in range(30):
            TagFactory(organisation=org_a)
        client = login(users["officer"])
        with django_assert_max_num_queries(10):
            client.get("/feedback/tags/")


class TestRules:
    @pytest.mark.parametrize("role", MANAGERS)
    def test_create(self, role, users, login, tag, org_a):
        client = login(users[role])
        assert client.get("/feedback/rules/new/").status_code == 200
        response = client.post(
            "/feedback/rules/new/",
            {
                "name": "VPN words",
                "tag": tag.pk,
                "match": "any",
                "patterns": " vpn \n\ntunnel",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        rule = TagRule.objects.get()
        assert (rule.patterns, rule.created_by, rule.organisation) == (
            "vpn\ntunnel",
            users[role],
            org_a,
        )
        assert AuditEvent.objects.filter(action="tag_rule.created").exists()

    def test_errors_are_clear(self, users, login, tag):
        client = login(users["officer"])
        response = client.post(
            "/feedback/rules/new/", {"name": "", "tag": "", "match": "any", "patterns": "  "}
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert body.count("This field is required.") == 3
        assert 'class="field has-error' in body
        response = client.post(
            "/feedback/rules/new/",
            {"name": "x", "tag": tag.pk, "match": "any", "patterns": "remote access"},
        )
        assert "Choose “Any phrase”" in response.content.decode()
        assert not TagRule.objects.exists()

    def test_edit_and_deactivate(self, users, login, org_a, tag):
        rule = TagRuleFactory(organisation=org_a, tag=tag, patterns="vpn")
        client = login(users["officer"])
        response = client.post(
            f"/feedback/rules/{rule.pk}/",
            {
                "name": "Renamed",
                "tag": tag.pk,
                "match": "phrase",
                "patterns": "remote access",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        rule.refresh_from_db()
        assert (rule.name, rule.match, rule.patterns) == ("Renamed", "phrase", "remote access")
        client.post(f"/feedback/rules/{rule.pk}/toggle/")
        rule.refresh_from_db()
        assert rule.is_active is False
        assert AuditEvent.objects.filter(action="tag_rule.deactivated").exists()
        body = client.get("/feedback/rules/").content.decode()
        assert "Inactive" in body and "Activate" in body

    def test_list_and_empty_states(self, users, login, org_a):
        client = login(users["officer"])
        assert "create a tag" in client.get("/feedback/rules/").content.decode()
        TagFactory(organisation=org_a)
        assert "Create a rule" in client.get("/feedback/rules/").content.decode()
        body = client.get("/feedback/rules/", HTTP_HX_REQUEST="true").content
        assert b"<html" not in body

    def test_preview_counts_and_highlights_escaped(self, users, login, make_feedback):
        make_feedback("The VPN failed <script>alert(1)</script> vpn")
        make_feedback("vpns everywhere")
        make_feedback("very old vpn", hours_ago=24 * 100)
        response = login(users["officer"]).post(
            "/feedback/rules/preview/", {"patterns": "vpn", "match": "any"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert response.context["preview"]["count"] == 1
        assert (
            "<mark>VPN</mark> failed &lt;script&gt;alert(1)&lt;/script&gt; <mark>vpn</mark>" in body
        )
        assert "<script>" not in body

    def test_preview_of_a_pattern_with_markup_is_escaped(self, users, login, make_feedback):
        make_feedback("we saw <b>bold</b> text")
        body = (
            login(users["officer"])
            .post("/feedback/rules/preview/", {"patterns": "<b>bold</b>", "match": "phrase"})
            .content.decode()
        )
        assert "<mark>&lt;b&gt;bold&lt;/b&gt;</mark>" in body

    def test_preview_with_stems_and_exclusions(self, users, login, make_feedback):
        make_feedback("Laptop keeps freezing")
        make_feedback("not slow at all")
        make_feedback("not slow in the morning, slow at night")
        response = login(users["officer"]).post(
            "/feedback/rules/preview/",
            {"patterns": "freez*\nslow\n-not slow", "match": "any"},
            HTTP_HX_REQUEST="true",
        )
        assert response.context["preview"]["count"] == 2
        body = response.content.decode()
        assert "Laptop keeps <mark>freezing</mark>" in body
        assert "not slow in the morning, <mark>slow</mark> at night" in body

    def test_a_keyword_rule_may_exclude_a_phrase(self, users, login, org_a, tag):
        response = login(users["officer"]).post(
            "/feedback/rules/new/",
            {"name": "Slow", "tag": tag.pk, "match": "any", "patterns": "slow\n-not slow"},
        )
        assert response.status_code == 302
        assert TagRule.objects.get().patterns == "slow\n-not slow"

    def test_preview_shows_at_most_twenty(self, users, login, make_feedback):
        for i in range(25):
            make_feedback(f"vpn {i}", hours_ago=i + 1)
        response = login(users["officer"]).post("/feedback/rules/preview/", {"patterns": "vpn"})
        assert response.context["preview"]["count"] == 25
        assert len(response.context["preview"]["items"]) == 20

    def test_preview_only_sees_own_organisation(self, outsider, login, make_feedback):
        make_feedback("vpn in A")
        response = login(outsider).post("/feedback/rules/preview/", {"patterns": "vpn"})
        assert response.context["preview"]["count"] == 0

    def test_edit_page_shows_the_preview(self, users, login, org_a, tag, make_feedback):
        make_feedback("tunnel down")
        rule = TagRuleFactory(organisation=org_a, tag=tag, patterns="tunnel")
        body = login(users["officer"]).get(f"/feedback/rules/{rule.pk}/").content.decode()
        assert "<mark>tunnel</mark> down" in body

    def test_outsider_404(self, outsider, login, org_a, tag):
        rule = TagRuleFactory(organisation=org_a, tag=tag)
        client = login(outsider)
        assert client.get(f"/feedback/rules/{rule.pk}/").status_code == 404
        assert client.post(f"/feedback/rules/{rule.pk}/toggle/").status_code == 404
        rule.refresh_from_db()
        assert rule.is_active

    def test_rule_cannot_point_at_another_organisations_tag(self, outsider, login, tag):
        response = login(outsider).post(
            "/feedback/rules/new/", {"name": "x", "tag": tag.pk, "match": "any", "patterns": "vpn"}
        )
        assert response.status_code == 400
        assert not TagRule.objects.exists()

    def test_rules_list_query_count(self, users, login, org_a, tag, django_assert_max_num_queries):
        for _ in range(30):
            TagRuleFactory(organisation=org_a, tag=TagFactory(organisation=org_a))
        client = login(users["officer"])
        with django_assert_max_num_queries(10):
            client.get("/feedback/rules/")


def test_new_rule_can_suggest_for_recent_comments(users, login, tag, make_feedback):
    recent = make_feedback("vpn down again")
    make_feedback("vpn long ago", hours_ago=24 * 120)
    make_feedback("printer")
    client = login(users["officer"])
    response = client.post(
        "/feedback/rules/new/",
        {
            "name": "VPN",
            "tag": tag.pk,
            "match": "any",
            "patterns": "vpn",
            "is_active": "on",
            "apply_to_recent": "on",
        },
        follow=True,
    )
    assert "1 recent comment got a suggestion." in response.content.decode()
    assert list(TagSuggestion.objects.values_list("response_id", "status")) == [
        (recent.pk, "pending")
    ]
    assert AuditEvent.objects.get(action="tag_rule.applied").after["suggestions_created"] == 1


def test_new_rule_without_applying_leaves_old_comments(users, login, tag, make_feedback):
    make_feedback("vpn down again")
    login(users["officer"]).post(
        "/feedback/rules/new/",
        {"name": "VPN", "tag": tag.pk, "match": "any", "patterns": "vpn", "is_active": "on"},
    )
    assert TagRule.objects.count() == 1
    assert not TagSuggestion.objects.exists()
