import django_filters

from reports.choices import ReportStatus
from reports.models import MonthlyReport


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = MonthlyReport
        fields = ["status", "month_from", "month_to"]
