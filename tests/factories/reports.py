import datetime

import factory

from reports import models

from .xmo import OrganisationFactory


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MonthlyReport

    organisation = factory.SubFactory(OrganisationFactory)
    month = factory.Sequence(lambda n: datetime.date(2020 + n // 12, n % 12 + 1, 1))


class ReportSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportSection

    report = factory.SubFactory(MonthlyReportFactory)
    key = factory.Sequence(lambda n: f"section-{n}")
    title = "Section"
