import django_filters

from xlas.choices import BreachStatus, Period, Severity
from xlas.models import XLA, Breach
from xlas.scores import applies_q


class XLAFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    # The same rule as the dashboard's filters (xlas.scores.applies_q): an XLA applies when
    # it covers the service; an XLA without personas covers every persona.
    service = django_filters.CharFilter(method="filter_service", label="Service slug")
    persona = django_filters.CharFilter(method="filter_persona", label="Persona slug")
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner's username")

    class Meta:
        model = XLA
        fields = ["name", "service", "persona", "owner"]

    def filter_service(self, queryset, name, value):
        return queryset.filter(applies_q(services=[value]))

    def filter_persona(self, queryset, name, value):
        return queryset.filter(applies_q(personas=[value]))

    def filter_queryset(self, queryset):
        # Filtering across the many-to-many relations may repeat an XLA.
        return super().filter_queryset(queryset).distinct()


class BreachFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=BreachStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    period = django_filters.ChoiceFilter(choices=Period.choices)
    xla = django_filters.NumberFilter(field_name="xla_id", min_value=1, max_value=2**63 - 1)
    indicator_key = django_filters.CharFilter()
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Breach
        fields = [
            "status",
            "severity",
            "period",
            "xla",
            "indicator_key",
            "period_from",
            "period_to",
        ]
