import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from experience.choices import Channel, Touchpoint, TriageStatus
from experience.models import SurveyResponse


class BoundedIsoDateTimeField(IsoDateTimeField):
    """Refuses instants so far out that converting them between time zones overflows."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        if not 1900 <= parsed.year <= 9000:
            raise forms.ValidationError("Give a date between the years 1900 and 9000.")
        # Offsets beyond ±15:59 are valid ISO 8601 but PostgreSQL refuses them.
        return parsed.astimezone(datetime.UTC) if parsed.tzinfo else parsed


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class FeedbackFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service__slug", label="Service slug")
    persona = django_filters.CharFilter(field_name="persona__slug", label="Persona slug")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    touchpoint = django_filters.ChoiceFilter(choices=Touchpoint.choices)
    triage_status = django_filters.MultipleChoiceFilter(choices=TriageStatus.choices)
    tag = django_filters.CharFilter(method="filter_tag", label="Tag slug")
    highlighted = django_filters.BooleanFilter()
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")
    score_max = django_filters.NumberFilter(field_name="score", lookup_expr="lte")
    submitted_from = BoundedIsoDateTimeFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_to = BoundedIsoDateTimeFilter(field_name="submitted_at", lookup_expr="lt")
    q = django_filters.CharFilter(field_name="comment", lookup_expr="icontains", label="Text")

    class Meta:
        model = SurveyResponse
        fields = [
            "service",
            "persona",
            "channel",
            "touchpoint",
            "triage_status",
            "tag",
            "highlighted",
            "score_min",
            "score_max",
            "submitted_from",
            "submitted_to",
            "q",
        ]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tag_links__tag__slug=value).distinct()
