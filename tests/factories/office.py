import datetime

import factory

from office import models

from .xmo import MembershipFactory, OrganisationFactory


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Office
        django_get_or_create = ("organisation",)

    organisation = factory.SubFactory(OrganisationFactory)
    mission = "Make IT work well for the people who use it."


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Objective

    organisation = factory.SubFactory(OrganisationFactory)
    horizon = "12m"
    title = factory.Sequence(lambda n: f"Objective {n}")


class FocusAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.FocusArea

    organisation = factory.SubFactory(OrganisationFactory)
    quarter_start = factory.Faker("date_this_year")
    title = factory.Sequence(lambda n: f"Focus area {n}")


class OfficerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OfficerProfile

    membership = factory.SubFactory(MembershipFactory, role="officer")
    part_time_share = 50


class DutyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Duty

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Duty {n}")


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Key result {n}")
    measure = "happiness"
    start_value = 50.0
    target_value = 70.0
    starts_on = datetime.date(2026, 1, 1)
    due_on = datetime.date(2026, 12, 31)


class TrainingItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TrainingItem

    membership = factory.SubFactory(MembershipFactory, role="officer")
    organisation = factory.SelfAttribute("membership.organisation")
    course = factory.Sequence(lambda n: f"Course {n}")
    due_on = datetime.date(2026, 12, 1)
