import datetime

import pytest
import time_machine
from django.utils import timezone

from feedback.jobs import suggest_tags
from feedback.models import FeedbackTag, SuggestionCursor, TagSuggestion
from tests.factories import SurveyResponseFactory, TagFactory, TagRuleFactory
from xmo.jobs import load_jobs, run_job


@pytest.fixture
def rules(org_a, tag):
    slow = TagFactory(organisation=org_a, name="Slow", slug="slow")
    return [
        TagRuleFactory(organisation=org_a, tag=tag, patterns="vpn\ntunnel", match="any"),
        TagRuleFactory(organisation=org_a, tag=slow, patterns="very slow", match="phrase"),
        TagRuleFactory(
            organisation=org_a, tag=slow, patterns="sluggish", match="any", is_active=False
        ),
    ]


def suggestions():
    return sorted(TagSuggestion.objects.values_list("response_id", "tag__slug", "status"))


def test_job_is_registered_with_its_order_and_schedule():
    job = load_jobs()["suggest_tags"]
    assert job.order == 20
    assert job.schedule == {"seconds": 120}


def test_suggests_matching_tags_and_is_idempotent(org_a, rules, make_feedback):
    vpn = make_feedback("The VPN is very slow today")
    tunnel = make_feedback("tunnel dropped")
    make_feedback("Sluggish laptop")  # only an inactive rule matches
    make_feedback("all good")
    make_feedback("")  # no comment, not feedback
    first = run_job("suggest_tags", org_a.pk)
    assert first["org-a"]["created"] == 3
    expected = sorted(
        [(vpn.pk, "vpn", "pending"), (vpn.pk, "slow", "pending"), (tunnel.pk, "vpn", "pending")]
    )
    assert suggestions() == expected
    second = run_job("suggest_tags", org_a.pk)
    assert second["org-a"]["created"] == 0
    assert suggestions() == expected


def test_processes_only_new_responses_and_keeps_a_watermark(org_a, rules, make_feedback):
    make_feedback("vpn one")
    suggest_tags(org_a)
    cursor = SuggestionCursor.objects.get(organisation=org_a)
    first_mark = cursor.last_response_id
    later = make_feedback("vpn two")
    result = suggest_tags(org_a)
    assert result["created"] == 1
    assert (
        SuggestionCursor.objects.get(organisation=org_a).last_response_id == later.pk > first_mark
    )
    assert TagSuggestion.objects.filter(response=later).count() == 1


def test_no_suggestion_for_a_tag_already_set_or_decided(org_a, rules, tag, make_feedback):
    tagged = make_feedback("vpn again")
    FeedbackTag.objects.create(response=tagged, tag=tag)
    declined = make_feedback("vpn declined before")
    TagSuggestion.objects.create(response=declined, tag=tag, status="declined")
    suggest_tags(org_a)
    assert not TagSuggestion.objects.filter(response=tagged).exists()
    assert TagSuggestion.objects.get(response=declined).status == "declined"


def test_other_organisations_rules_do_not_apply(org_a, org_b, rules):
    other = SurveyResponseFactory(organisation=org_b, comment="vpn in B")
    suggest_tags(org_a)
    suggest_tags(org_b)
    assert not TagSuggestion.objects.filter(response=other).exists()


def test_each_comment_is_read_once(org_a, rules, make_feedback):
    make_feedback("vpn one")
    make_feedback("all good")
    assert suggest_tags(org_a)["scanned"] == 2
    assert suggest_tags(org_a)["scanned"] == 0
    make_feedback("vpn three")
    assert suggest_tags(org_a) | {"up_to_response": None} == {
        "scanned": 1,
        "created": 1,
        "up_to_response": None,
    }


def test_rows_wait_until_settled_so_late_commits_are_not_skipped(
    org_a, rules, make_feedback, monkeypatch
):
    import feedback.jobs

    monkeypatch.setattr(feedback.jobs, "settle_margin", lambda: datetime.timedelta(minutes=1))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        early = make_feedback("vpn early")
    with time_machine.travel(start + datetime.timedelta(seconds=50), tick=False):
        fresh = make_feedback("vpn fresh")
        assert suggest_tags(org_a)["scanned"] == 0  # not settled yet: read nothing
    with time_machine.travel(start + datetime.timedelta(seconds=70), tick=False):
        result = suggest_tags(org_a)
    assert (result["scanned"], result["up_to_response"]) == (1, early.pk)
    with time_machine.travel(start + datetime.timedelta(seconds=200), tick=False):
        result = suggest_tags(org_a)
    assert (result["scanned"], result["up_to_response"]) == (1, fresh.pk)
    assert TagSuggestion.objects.filter(response__in=[early, fresh]).count() == 2


def test_settle_margin_waits_only_where_writers_commit_out_of_order(monkeypatch):
    from types import SimpleNamespace

    import feedback.jobs

    monkeypatch.undo()  # the real margin, not the tests' zero
    monkeypatch.setattr(feedback.jobs, "connection", SimpleNamespace(vendor="postgresql"))
    assert feedback.jobs.settle_margin() == feedback.jobs.SETTLE == datetime.timedelta(seconds=60)
    monkeypatch.setattr(feedback.jobs, "connection", SimpleNamespace(vendor="sqlite"))
    assert feedback.jobs.settle_margin() == datetime.timedelta(0)


def test_score_band_and_factor_limit_a_rule(org_a, tag, make_feedback):
    lasting = TagFactory(organisation=org_a, name="Fix did not last", slug="fix-did-not-last")
    TagRuleFactory(
        organisation=org_a, tag=lasting, patterns="again", match="any", min_score=0, max_score=6
    )
    TagRuleFactory(
        organisation=org_a, tag=tag, patterns="slow", match="any", factors="Slow response"
    )
    praise = make_feedback("Thanks a lot: my laptop is fast again.", score=10)
    complaint = make_feedback("Locked out again.", score=3)
    no_factor = make_feedback("Slow VPN", score=4, factors=[])
    factor = make_feedback("Slow VPN", score=4, factors=["Slow response"])
    suggest_tags(org_a)
    assert suggestions() == sorted(
        [
            (complaint.pk, "fix-did-not-last", "pending"),
            (factor.pk, "vpn", "pending"),
        ]
    )
    assert not TagSuggestion.objects.filter(response__in=[praise, no_factor]).exists()


def test_reads_in_bounded_chunks(org_a, rules, make_feedback, monkeypatch):
    import feedback.jobs

    monkeypatch.setattr(feedback.jobs, "CHUNK", 2)
    for i in range(5):
        make_feedback(f"vpn {i}")
    assert suggest_tags(org_a)["created"] == 5
