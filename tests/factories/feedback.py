import factory

from feedback import models

from .experience import SurveyResponseFactory
from .xmo import OrganisationFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Tag

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class TagRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TagRule

    organisation = factory.SubFactory(OrganisationFactory)
    tag = factory.SubFactory(TagFactory, organisation=factory.SelfAttribute("..organisation"))
    name = factory.Sequence(lambda n: f"Rule {n}")
    patterns = "vpn\nremote access"


class FeedbackTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FeedbackTag

    response = factory.SubFactory(SurveyResponseFactory, comment="It was fine.")
    tag = factory.SubFactory(
        TagFactory, organisation=factory.SelfAttribute("..response.organisation")
    )


class TagSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TagSuggestion

    response = factory.SubFactory(SurveyResponseFactory, comment="The VPN keeps dropping.")
    tag = factory.SubFactory(
        TagFactory, organisation=factory.SelfAttribute("..response.organisation")
    )


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FollowUp

    response = factory.SubFactory(SurveyResponseFactory, score=3, comment="Terrible.")
