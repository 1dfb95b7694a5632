"""Every database constraint of feedback refuses the row it exists to refuse."""

import pytest

from feedback.models import FeedbackTag, Tag, TagSuggestion
from tests.constraints import refused
from tests.factories import (
    FeedbackTagFactory,
    TagFactory,
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
