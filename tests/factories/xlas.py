import datetime

import factory

from xlas import models

from .experience import ServiceFactory  # noqa: F401
from .xmo import OrganisationFactory


class XLAFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.XLA

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"XLA {n}")


class XLAVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.XLAVersion

    xla = factory.SubFactory(XLAFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = "active"
    effective_from = datetime.date(2025, 1, 1)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Indicator

    version = factory.SubFactory(XLAVersionFactory)
    key = factory.Sequence(lambda n: f"indicator-{n}")
    name = "Happiness"
    kind = "sentiment"
    measure = "happiness"
    direction = "higher"
    target = 70.0
    warning = 60.0
    period = "month"
    min_sample = 10
    consecutive_misses = 2


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evaluation

    indicator = factory.SubFactory(IndicatorFactory)
    xla = factory.SelfAttribute("indicator.version.xla")
    organisation = factory.SelfAttribute("xla.organisation")
    indicator_key = factory.SelfAttribute("indicator.key")
    period = "month"
    period_start = datetime.date(2026, 9, 1)
    period_end = datetime.date(2026, 10, 1)
    is_closed = True
    value = 55.0
    n = 100
    status = "missed"


class XLAScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.XLAScore

    version = factory.SubFactory(XLAVersionFactory)
    xla = factory.SelfAttribute("version.xla")
    organisation = factory.SelfAttribute("xla.organisation")
    period = "month"
    period_start = datetime.date(2026, 9, 1)
    score = 50.0


class BreachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Breach

    indicator = factory.SubFactory(IndicatorFactory)
    xla = factory.SelfAttribute("indicator.version.xla")
    organisation = factory.SelfAttribute("xla.organisation")
    indicator_key = factory.SelfAttribute("indicator.key")
    period = "month"
    # Distinct past months that never drift towards the dates tests filter on, however many
    # breaches the session has created before.
    period_start = factory.Sequence(
        lambda n: datetime.date(2004, 1, 1) + datetime.timedelta(days=31 * (n % 150))
    )
    value = 55.0
    target = 70.0
    severity = "medium"
