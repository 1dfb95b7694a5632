"""The filter backend of every API list: django-filter, plus refusing empty date filters."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

DATE_FILTERS = (django_filters.DateFilter, django_filters.DateTimeFilter)  # IsoDateTime too
EMPTY_DATE = _(
    "This date filter is empty: give a date (YYYY-MM-DD or ISO 8601), or leave the parameter out."
)


def refuse_empty_dates(query_params, names) -> None:
    """A date parameter that is present but blank is a 400 naming it."""
    empty = [
        name
        for name in names
        if name in query_params and not any(v.strip() for v in query_params.getlist(name))
    ]
    if empty:
        raise ValidationError({name: EMPTY_DATE for name in empty})


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter drops a parameter whose value is empty, so `?submitted_to=` would list
    everything; a client that sent a date filter meant to filter, so an empty one is a 400."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            dates = [n for n, f in filterset.filters.items() if isinstance(f, DATE_FILTERS)]
            refuse_empty_dates(request.query_params, dates)
        return filterset


class BoundedIsoDateTimeField(IsoDateTimeField):
    """Refuses instants so far out that converting them between time zones overflows."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        if not 1900 <= parsed.year <= 9000:
            raise forms.ValidationError(_("Give a date between the years 1900 and 9000."))
        # Offsets beyond ±15:59 are valid ISO 8601 but PostgreSQL refuses them.
        return parsed.astimezone(datetime.UTC) if parsed.tzinfo else parsed


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField
