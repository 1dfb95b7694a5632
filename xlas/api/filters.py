import django_filters
from django.utils.translation import gettext_lazy as _

from xlas.models import XLA
from xlas.scores import applies_q


class XLAFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    # The same rule as the dashboard's filters (xlas.scores.applies_q): an XLA applies when
    # it covers the service; an XLA without personas covers every persona.
    service = django_filters.CharFilter(method="filter_service", label=_("Service slug"))
    persona = django_filters.CharFilter(method="filter_persona", label=_("Persona slug"))
    owner = django_filters.CharFilter(field_name="owner__username", label=_("Owner's username"))

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
