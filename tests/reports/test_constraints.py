"""Every database constraint of reports refuses the row it exists to refuse."""

import pytest

from reports.models import MonthlyReport, ReportSection
from tests.constraints import refused, set_fields
from tests.factories import (
    MonthlyReportFactory,
    ReportSectionFactory,
)

pytestmark = pytest.mark.django_db


def test_report_once_per_month():
    report = MonthlyReportFactory()
    with refused():
        MonthlyReport.objects.create(organisation=report.organisation, month=report.month)


def test_report_status_valid():
    set_fields(MonthlyReportFactory(), status="lost")


def test_report_section_once():
    section = ReportSectionFactory(key="summary")
    with refused():
        ReportSection.objects.create(report=section.report, key="summary", title="Again")
