import datetime

import factory
from django.utils import timezone

from experience import models
from experience.rollups import queue
from experience.rollups.queue import enqueue

from .xmo import OrganisationFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Service
        django_get_or_create = ("organisation", "slug")

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda s: s.slug.replace("-", " ").title())


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Persona
        django_get_or_create = ("organisation", "slug")

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"persona-{n}")
    name = factory.LazyAttribute(lambda s: s.slug.replace("-", " ").title())


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    """A stored response, queued for the rollups as ingestion leaves it.

    `processed=True` leaves it unqueued: already rolled up (or never to be).
    """

    class Meta:
        model = models.SurveyResponse
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    service = factory.SubFactory(
        ServiceFactory, organisation=factory.SelfAttribute("..organisation")
    )
    external_id = factory.Sequence(lambda n: f"resp-{n}")
    score = 9
    submitted_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    @factory.post_generation
    def processed(obj, create, extracted, **kwargs):
        if create and not extracted:
            models.PendingResponse.objects.create(response=obj, organisation_id=obj.organisation_id)


def enqueue_responses(rows) -> None:
    """Queue bulk-created responses for the rollups, as ingestion does."""
    by_org = {}
    for row in rows:
        by_org.setdefault(row.organisation_id, []).append(row.pk)
    for organisation_id, pks in by_org.items():
        enqueue(organisation_id, pks)


class OperationalMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OperationalMetric
        django_get_or_create = ("organisation", "slug")

    organisation = factory.SubFactory(OrganisationFactory)
    slug = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.LazyAttribute(lambda s: s.slug.replace("-", " ").title())
    unit = "hours"
    direction = "lower"


class MetricSampleFactory(factory.django.DjangoModelFactory):
    """A stored sample, queued for the rollups as ingestion leaves it (`processed=True`:
    not queued)."""

    class Meta:
        model = models.MetricSample
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    metric = factory.SubFactory(
        OperationalMetricFactory, organisation=factory.SelfAttribute("..organisation")
    )
    service = factory.SubFactory(
        ServiceFactory, organisation=factory.SelfAttribute("..organisation")
    )
    value = 4.2
    measured_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    @factory.post_generation
    def processed(obj, create, extracted, **kwargs):
        if create and not extracted:
            models.PendingSample.objects.create(sample=obj, organisation_id=obj.organisation_id)


def enqueue_samples(rows) -> None:
    """Queue bulk-created samples for the rollups, as ingestion does."""
    by_org = {}
    for row in rows:
        by_org.setdefault(row.organisation_id, []).append(row.pk)
    for organisation_id, pks in by_org.items():
        queue.enqueue_samples(organisation_id, pks)


class ScoreDropFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ScoreDrop

    organisation = factory.SubFactory(OrganisationFactory)
    week_start = datetime.date(2026, 11, 9)
    measure = "happiness"
    segment_kind = "service"
    segment_value = factory.Sequence(lambda n: f"service-{n}")
    segment_label = "Some service"
    value = 40.0
    baseline_value = 75.0
    delta = -35.0
    n = 120
    baseline_n = 900
    p_value = 0.0001


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Incident

    organisation = factory.SubFactory(OrganisationFactory)
    week_start = datetime.date(2026, 11, 9)
    measure = "happiness"
    headline_kind = "service"
    headline_value = factory.Sequence(lambda n: f"service-{n}")
    headline_label = "Some service"
    change = -35.0
    explained_share = 0.9


class DataQualityAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.DataQualityAlert

    organisation = factory.SubFactory(OrganisationFactory)
    kind = "silent_feed"
    subject = factory.Sequence(lambda n: f"service:s{n}")
    message = "No responses for 3 days."
