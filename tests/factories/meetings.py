import datetime

import factory
from django.utils import timezone

from meetings import models

from .xmo import OrganisationFactory, UserFactory


class ImprovementInitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ImprovementInitiative

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    status = "active"


class MeetingSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeetingSeries

    organisation = factory.SubFactory(OrganisationFactory)
    cadence = "monthly"
    name = factory.Sequence(lambda n: f"Series {n}")


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Meeting

    series = factory.SubFactory(MeetingSeriesFactory)
    organisation = factory.SelfAttribute("series.organisation")
    scheduled_for = factory.Sequence(
        lambda n: timezone.now().replace(microsecond=0) + datetime.timedelta(days=7 * (n + 1))
    )


class MeetingAttendeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeetingAttendee

    meeting = factory.SubFactory(MeetingFactory)
    user = factory.SubFactory(UserFactory)


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Agenda item {n}")


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Decision

    meeting = factory.SubFactory(MeetingFactory)
    text = "We decided something."


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActionItem

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
