"""Suggestion quality of the demo's tag rules on comments labelled by their meaning."""

from pathlib import Path

import pytest

from bench.labelled_comments import MEANINGS, expected_tags
from demo import text
from demo.feedback import tag_rules
from demo.tags import TAGS
from experience.models import SurveyResponse
from feedback.evaluation import LabelledComment, evaluate, load_labelled, suggested_tags
from feedback.jobs import suggest_tags
from feedback.models import Tag, TagSuggestion
from tests.factories import ServiceFactory

SAMPLE = Path(__file__).parent / "data" / "labelled_comments.csv"
FREETEXT = Path(__file__).parent / "data" / "labelled_freetext.csv"
MIN_PRECISION = 0.8
MIN_RECALL = 0.5


@pytest.fixture(scope="module")
def sample():
    return load_labelled(SAMPLE)


@pytest.fixture(scope="module")
def freetext():
    return load_labelled(FREETEXT)


def test_sample_is_large_and_covers_every_tag_and_band(sample):
    assert len(sample) >= 300
    slugs = {t[1] for t in TAGS}
    assert set().union(*(c.expected for c in sample)) == slugs
    assert {c.score for c in sample} == set(range(11))
    assert sum(1 for c in sample if not c.expected) >= 30  # comments that mean no tag


def test_every_demo_fragment_has_a_meaning():
    """A new sentence in the demo vocabulary must be labelled before it reaches the sample."""
    fragments = text.STAFF_POSITIVE + text.STAFF_NEGATIVE
    fragments += [f for d in text.SERVICE_DETAIL.values() for f in d["pos"] + d["neg"]]
    fragments += text.VPN_OUTAGE_COMMENTS + text.LAPTOP_SLOW_COMMENTS
    assert [f for f in fragments if f not in MEANINGS] == []


def test_demo_rules_are_precise_and_find_most_tags(sample):
    result = evaluate(tag_rules(), sample)
    assert result["precision"] >= MIN_PRECISION, result
    assert result["recall"] >= MIN_RECALL, result
    for slug, figures in result["per_tag"].items():
        assert figures["suggested"] > 0, slug  # every rule suggests something


def test_freetext_sample_is_large_and_covers_every_tag(freetext):
    """Written by hand, not from the demo's vocabulary (tests/feedback/data/README.md)."""
    assert len(freetext) >= 300
    slugs = {t[1] for t in TAGS}
    expected = [slug for c in freetext for slug in c.expected]
    assert set(expected) == slugs
    assert min(expected.count(slug) for slug in slugs) >= 10
    assert sum(1 for c in freetext if not c.expected) >= 60
    assert {c.score for c in freetext} == set(range(11))
    demo = {c.text for c in load_labelled(SAMPLE)}
    assert [c.text for c in freetext if c.text in demo] == []


def test_demo_rules_are_precise_and_find_most_tags_in_free_text(freetext):
    """People do not write the demo's sentences: the rules must carry over to free text."""
    result = evaluate(tag_rules(), freetext)
    assert result["precision"] >= MIN_PRECISION, result
    assert result["recall"] >= MIN_RECALL, result
    for slug, figures in result["per_tag"].items():
        assert figures["right"] > 0, slug


def test_praise_is_not_a_fix_that_did_not_last():
    comment = "Thanks a lot: my laptop is fast again."
    labelled = LabelledComment(comment, 10, (), frozenset(expected_tags(comment)))
    assert labelled.expected == frozenset()
    assert suggested_tags(tag_rules(), labelled) == set()
    assert expected_tags("Locked out: account locked again after the password reset") == [
        "fix-did-not-last",
        "password-reset",
    ]


def test_the_job_makes_the_same_suggestions_as_the_evaluation(org_a, sample):
    service = ServiceFactory(organisation=org_a)
    for slug, rule in tag_rules():
        rule.organisation = org_a
        rule.tag = Tag.objects.create(organisation=org_a, name=slug, slug=slug)
        rule.save()
    subset = sample[:150]
    SurveyResponse.objects.bulk_create(
        SurveyResponse(
            organisation=org_a,
            service=service,
            external_id=f"s{i}",
            score=c.score,
            factors=list(c.factors),
            comment=c.text,
            submitted_at="2026-03-02T10:00:00+00:00",
        )
        for i, c in enumerate(subset)
    )
    suggest_tags(org_a)
    made = set(TagSuggestion.objects.values_list("response__external_id", "tag__slug"))
    expected = {
        (f"s{i}", slug) for i, c in enumerate(subset) for slug in suggested_tags(tag_rules(), c)
    }
    assert made == expected
    right = sum(1 for eid, slug in made if slug in subset[int(eid[1:])].expected)
    assert right / len(made) >= MIN_PRECISION
