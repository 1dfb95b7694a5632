import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from experience.choices import DropMeasure, DropStatus, SegmentKind
from experience.models import Incident, OperationalMetric, Persona, ScoreDrop, Service


class ServiceFilter(django_filters.FilterSet):
    slug = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    it_area = django_filters.CharFilter()
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Service
        fields = ["slug", "name", "it_area", "is_active"]


class PersonaFilter(django_filters.FilterSet):
    slug = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Persona
        fields = ["slug", "name", "is_active"]


class MetricFilter(django_filters.FilterSet):
    slug = django_filters.CharFilter()
    name = django_filters.CharFilter(lookup_expr="icontains")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = OperationalMetric
        fields = ["slug", "name", "direction", "is_active"]


class ScoreDropFilter(django_filters.FilterSet):
    measure = django_filters.ChoiceFilter(choices=DropMeasure.choices)
    segment_kind = django_filters.ChoiceFilter(choices=SegmentKind.choices)
    status = django_filters.ChoiceFilter(choices=DropStatus.choices)
    service = django_filters.CharFilter(field_name="service__slug", label=_("Service slug"))
    week_from = django_filters.DateFilter(field_name="week_start", lookup_expr="gte")
    week_to = django_filters.DateFilter(field_name="week_start", lookup_expr="lte")

    class Meta:
        model = ScoreDrop
        fields = ["measure", "segment_kind", "status", "service", "week_from", "week_to"]


class IncidentFilter(django_filters.FilterSet):
    measure = django_filters.ChoiceFilter(choices=DropMeasure.choices)
    status = django_filters.ChoiceFilter(choices=DropStatus.choices)
    service = django_filters.CharFilter(
        method="filter_service", label=_("Service slug (the headline's or any member drop's)")
    )
    week_from = django_filters.DateFilter(field_name="week_start", lookup_expr="gte")
    week_to = django_filters.DateFilter(field_name="week_start", lookup_expr="lte")

    class Meta:
        model = Incident
        fields = ["measure", "status", "service", "week_from", "week_to"]

    def filter_service(self, queryset, name, value):
        members = ScoreDrop.objects.filter(service__slug=value).values("incident_id")
        return queryset.filter(Q(service__slug=value) | Q(pk__in=members))
