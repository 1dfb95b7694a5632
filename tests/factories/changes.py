import datetime

import factory

from changes.models import Change
from experience.disruptions.models import Disruption

from .xmo import OrganisationFactory

NOON = datetime.datetime(2026, 10, 7, 12, 0, tzinfo=datetime.UTC)


class DisruptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disruption
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Maintenance window {n}")
    starts_at = NOON
    ends_at = factory.LazyAttribute(lambda d: d.starts_at + datetime.timedelta(hours=4))
    mitigation = "Users are told a day ahead; the service desk has a workaround."

    @factory.post_generation
    def services(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.services.set(extracted)

    @factory.post_generation
    def personas(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.personas.set(extracted)


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Change
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    external_id = factory.Sequence(lambda n: f"CHG{n:06d}")
    title = factory.Sequence(lambda n: f"Change {n}")
    source = "servicenow"
    implemented_at = NOON
    expected_effect = "improve"

    @factory.post_generation
    def services(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.services.set(extracted)
