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
