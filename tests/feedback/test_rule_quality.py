"""Score bands on the rule form and the declined-suggestion flag on the tag rules page."""

import re

from feedback.models import TagRule, TagSuggestion
from tests.factories import SurveyResponseFactory, TagRuleFactory


def _decide(rule, *, accepted: int, declined: int, pending: int = 0):
    statuses = ["accepted"] * accepted + ["declined"] * declined + ["pending"] * pending
    for status in statuses:
        response = SurveyResponseFactory(organisation=rule.organisation, comment="vpn")
        TagSuggestion.objects.create(response=response, tag=rule.tag, rule=rule, status=status)


class Row(str):
    """One rule's table row, as text without tags (and whether it carries the flag)."""

    flagged: bool


def _row(body: str, rule):
    found = re.search(rf'<tr data-rule="{rule.pk}">(.*?)</tr>', body, re.S)
    if found is None:
        return None
    inline = re.sub(r"</?span[^>]*>", "", found.group(1))
    row = Row(" ".join(re.sub(r"<[^>]+>", " ", inline).split()))
    row.flagged = "data-flagged" in found.group(1)
    return row


def test_mostly_declined_rule_is_flagged(users, login, org_a, tag):
    noisy = TagRuleFactory(organisation=org_a, tag=tag, name="Noisy")
    good = TagRuleFactory(organisation=org_a, tag=tag, name="Good", min_score=0, max_score=6)
    few = TagRuleFactory(organisation=org_a, tag=tag, name="Few decided")
    _decide(noisy, accepted=8, declined=12, pending=3)  # 60 % of 20 decided
    _decide(good, accepted=15, declined=5)
    _decide(few, accepted=1, declined=18)  # 19 decided: not enough to judge
    body = login(users["officer"]).get("/feedback/rules/").content.decode()
    noisy_row = _row(body, noisy)
    assert noisy_row.flagged
    assert "8 accepted, 12 declined (60 % declined)" in noisy_row
    assert "3 pending" in noisy_row
    assert not _row(body, good).flagged
    assert "Score 0–6" in _row(body, good)
    assert not _row(body, few).flagged
    assert "1 rule mostly declined" in body
    assert "at least 60 % of at least 20 decided" in body


def test_rule_without_decisions_says_so(users, login, org_a, tag):
    rule = TagRuleFactory(organisation=org_a, tag=tag)
    body = login(users["officer"]).get("/feedback/rules/").content.decode()
    assert "No decision yet" in _row(body, rule)
    assert "Any score" in _row(body, rule)
    assert "mostly declined" not in body


def test_rules_page_queries_bounded_with_records(
    users, login, org_a, tag, django_assert_max_num_queries
):
    for _ in range(6):
        _decide(TagRuleFactory(organisation=org_a, tag=tag), accepted=1, declined=1)
    client = login(users["officer"])
    with django_assert_max_num_queries(10):
        assert client.get("/feedback/rules/").status_code == 200


def test_other_organisations_records_do_not_count(users, login, org_a, org_b, tag):
    rule = TagRuleFactory(organisation=org_a, tag=tag)
    other = TagRuleFactory(organisation=org_b)
    _decide(other, accepted=0, declined=30)
    body = login(users["officer"]).get("/feedback/rules/").content.decode()
    assert "No decision yet" in _row(body, rule)
    assert _row(body, other) is None


def test_rule_form_saves_score_band_and_factors(users, login, tag):
    response = login(users["officer"]).post(
        "/feedback/rules/new/",
        {
            "name": "Complaints about VPN",
            "tag": tag.pk,
            "match": "any",
            "patterns": "vpn",
            "min_score": "0",
            "max_score": "6",
            "factors": "Slow response\n\nCould not work during the ticket\n",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = TagRule.objects.get(name="Complaints about VPN")
    assert (rule.min_score, rule.max_score) == (0, 6)
    assert rule.factor_list == ["Slow response", "Could not work during the ticket"]


def test_rule_form_rejects_a_reversed_or_out_of_range_band(users, login, tag):
    client = login(users["officer"])
    data = {"name": "x", "tag": tag.pk, "match": "any", "patterns": "vpn", "is_active": "on"}
    reversed_band = client.post("/feedback/rules/new/", data | {"min_score": 7, "max_score": 3})
    assert reversed_band.status_code == 400
    assert "must not be below the lowest" in reversed_band.content.decode()
    too_high = client.post("/feedback/rules/new/", data | {"max_score": 11})
    assert too_high.status_code == 400
    assert not TagRule.objects.filter(name="x").exists()


def test_preview_respects_the_score_band(users, login, make_feedback):
    make_feedback("VPN is great again", score=10)
    make_feedback("VPN broke again", score=2)
    body = (
        login(users["officer"])
        .post(
            "/feedback/rules/preview/",
            {"patterns": "again", "match": "any", "min_score": "0", "max_score": "6"},
        )
        .content.decode()
    )
    assert "broke" in body
    assert "great" not in body
