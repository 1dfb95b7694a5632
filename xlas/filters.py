"""The breach filters, one FilterSet for the breaches page and the API.

The API's own parameters (``indicator_key``, ``period_from``, ``period_to``) work on the page
too, kept as hidden fields; the page's (``service``, ``start``, ``end``) work in the API.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from experience.models import Service
from xmo.api.permissions import request_organisation

from .choices import BreachStatus, Period, Severity
from .models import XLA, Breach

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AnyOfSelect(forms.Select):
    """One select with an "Any" option on the page; reads every value the URL repeats
    (``?status=open&status=acknowledged``), as the API allows."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value]

    def optgroups(self, name, value, attrs=None):
        self.choices = [("", "Any"), *[c for c in self.choices if c[0] != ""]]
        return super().optgroups(name, value, attrs)


@extend_schema_field(OpenApiTypes.INT)
class _IdChoiceFilter(django_filters.ModelChoiceFilter):
    """An object of the organisation named by its id (documented as an integer)."""


class BreachFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=BreachStatus.choices, widget=AnyOfSelect, label=_("Status")
    )
    severity = django_filters.MultipleChoiceFilter(
        choices=Severity.choices, widget=AnyOfSelect, label=_("Severity")
    )
    xla = django_filters.ModelChoiceFilter(
        label=_("XLA"), queryset=XLA.objects.none(), empty_label=_("Any")
    )
    service = _IdChoiceFilter(
        queryset=Service.objects.none(),
        method="filter_service",
        empty_label=_("Any"),
        label=_("Service"),
    )
    period = django_filters.ChoiceFilter(
        choices=Period.choices, empty_label=_("Any"), label=_("Period")
    )
    start = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("From"), widget=DATE
    )
    end = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label=_("To"), widget=DATE
    )
    # false: not yet acknowledged by anyone (the officer's queue links here).
    acknowledged = django_filters.BooleanFilter(
        field_name="acknowledged_at", lookup_expr="isnull", exclude=True, widget=forms.HiddenInput
    )
    # The API's names; hidden on the page.
    indicator_key = django_filters.CharFilter(widget=forms.HiddenInput)
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", widget=forms.HiddenInput
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", widget=forms.HiddenInput
    )

    class Meta:
        model = Breach
        fields = [
            "status",
            "severity",
            "xla",
            "service",
            "period",
            "start",
            "end",
            "acknowledged",
            "indicator_key",
            "period_from",
            "period_to",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, organisation=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        org = organisation if organisation is not None else request_organisation(request)
        self.filters["xla"].queryset = XLA.objects.filter(organisation=org)
        self.filters["service"].queryset = Service.objects.filter(organisation=org)

    def filter_service(self, queryset, name, value):
        return queryset.filter(
            Exists(XLA.services.through.objects.filter(xla_id=OuterRef("xla_id"), service=value))
        )
