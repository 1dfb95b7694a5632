"""Every database constraint of feedback refuses the row it exists to refuse."""

import pytest

from feedback.models import FeedbackTag, Tag, TagSuggestion
from tests.constraints import refused, set_fields
from tests.factories import (
    FeedbackTagFactory,
    TagFactory,
    TagRuleFactory,
    TagSuggestionFactory,
)

pytestmark = pytest.mark.django_db


def test_tag_slug_unique():
    tag = TagFactory(slug="vpn", name="VPN")
    with refused():
        Tag.objects.create(organisation=tag.organisation, slug="vpn", name="Other name")


def test_tag_name_unique():
    tag = TagFactory(slug="vpn", name="VPN")
    with refused():
        Tag.objects.create(organisation=tag.organisation, slug="vpn-2", name="VPN")


def test_feedback_tag_once():
    link = FeedbackTagFactory()
    with refused():
        FeedbackTag.objects.create(response=link.response, tag=link.tag)


def test_suggestion_once():
    suggestion = TagSuggestionFactory()
    with refused():
        TagSuggestion.objects.create(response=suggestion.response, tag=suggestion.tag)


@pytest.mark.parametrize(
    "band", [{"min_score": 11}, {"max_score": 11}, {"min_score": 7, "max_score": 6}]
)
def test_tag_rule_score_band(band):
    set_fields(TagRuleFactory(), **band)
