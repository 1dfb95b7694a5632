"""The feedback filters, one FilterSet for the inbox page and the API.

Every filter is a query parameter, so a filtered inbox is a shareable URL. The API's own
parameters (``score_min``, ``submitted_from``, ...) work on the page too; the page keeps
them as hidden fields so they survive a change of the visible filters.
"""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from experience.choices import Channel, Touchpoint, TriageStatus
from experience.models import Persona, Service
from xmo.api.filters import BoundedIsoDateTimeFilter
from xmo.api.permissions import request_organisation
from xmo.periods import local_date_to_utc

from .choices import FollowUpStatus
from .models import FeedbackTag, Tag
from .selectors import NEGATIVE_MAX_SCORE, search_comments

SCORE_BANDS = [
    ("promoter", _("Promoters (9–10)")),
    ("passive", _("Passives (7–8)")),
    ("detractor", _("Detractors (0–6)")),
]
BAND_RANGES = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, NEGATIVE_MAX_SCORE)}
FOLLOW_UP_CHOICES = [
    ("needed", _("Needs follow-up")),
    ("mine", _("My follow-ups")),
]
CLOSED_FOLLOW_UP = [FollowUpStatus.DONE, FollowUpStatus.NOT_NEEDED]


class OptionalCheckbox(forms.CheckboxInput):
    """A checkbox whose absence means "no filter": ``on``/``true`` is yes, ``false`` is no."""

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return None
        return super().value_from_datadict(data, files, name)


@extend_schema_field(OpenApiTypes.STR)
class _SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """An object of the organisation named by its slug (documented as a string)."""


class FeedbackFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search comments"),
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Words in the comment")}),
    )
    band = django_filters.ChoiceFilter(
        label=_("Score"), choices=SCORE_BANDS, method="filter_band", empty_label=_("Any score")
    )
    service = django_filters.ModelChoiceFilter(
        label=_("Service"),
        queryset=Service.objects.none(),
        to_field_name="slug",
        empty_label=_("Any service"),
    )
    persona = django_filters.ModelChoiceFilter(
        label=_("Persona"),
        queryset=Persona.objects.none(),
        to_field_name="slug",
        empty_label=_("Any persona"),
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("Any channel")
    )
    tag = _SlugChoiceFilter(
        label=_("Tag"),
        queryset=Tag.objects.none(),
        to_field_name="slug",
        method="filter_tag",
        empty_label=_("Any tag"),
    )
    untagged = django_filters.BooleanFilter(
        label=_("Untagged only"), method="filter_untagged", widget=forms.CheckboxInput
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        field_name="triage_status",
        choices=TriageStatus.choices,
        empty_label=_("Any status"),
    )
    follow_up = django_filters.ChoiceFilter(
        label=_("Follow-up"),
        choices=FOLLOW_UP_CHOICES,
        method="filter_follow_up",
        empty_label=_("Any"),
    )
    highlighted = django_filters.BooleanFilter(
        label=_("Highlighted only"), method="filter_highlighted", widget=OptionalCheckbox
    )
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To (inclusive)"),
        method="filter_date_to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # The API's parameters; hidden on the page.
    touchpoint = django_filters.ChoiceFilter(choices=Touchpoint.choices, widget=forms.HiddenInput)
    triage_status = django_filters.MultipleChoiceFilter(
        choices=TriageStatus.choices, widget=forms.MultipleHiddenInput
    )
    score_min = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", widget=forms.HiddenInput
    )
    score_max = django_filters.NumberFilter(
        field_name="score", lookup_expr="lte", widget=forms.HiddenInput
    )
    submitted_from = BoundedIsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="gte", widget=forms.HiddenInput
    )
    submitted_to = BoundedIsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="lt", widget=forms.HiddenInput
    )

    def __init__(self, data=None, queryset=None, *, request=None, membership=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.membership = membership
        org = membership.organisation if membership else request_organisation(request)
        self.organisation = org
        self.filters["service"].queryset = Service.objects.filter(organisation=org)
        self.filters["persona"].queryset = Persona.objects.filter(organisation=org)
        self.filters["tag"].queryset = Tag.objects.filter(organisation=org)

    def filter_text(self, queryset, name, value):
        return search_comments(queryset, value)

    def filter_band(self, queryset, name, value):
        low, high = BAND_RANGES[value]
        return queryset.filter(score__gte=low, score__lte=high)

    def filter_tag(self, queryset, name, value):
        return queryset.filter(
            Exists(FeedbackTag.objects.filter(response_id=OuterRef("pk"), tag=value))
        )

    def filter_untagged(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(~Exists(FeedbackTag.objects.filter(response_id=OuterRef("pk"))))

    def filter_highlighted(self, queryset, name, value):
        return queryset if value is None else queryset.filter(highlighted=value)

    def filter_follow_up(self, queryset, name, value):
        if value == "mine":
            if self.membership is None:  # an API token is nobody's
                return queryset.none()
            return queryset.filter(follow_up__owner_id=self.membership.user_id).exclude(
                follow_up__status__in=CLOSED_FOLLOW_UP
            )
        # Needed: negative, and its follow-up is missing or still open.
        return (
            queryset.filter(score__lte=NEGATIVE_MAX_SCORE)
            .filter(Q(follow_up__isnull=True) | ~Q(follow_up__status__in=CLOSED_FOLLOW_UP))
            .exclude(triage_status=TriageStatus.CLOSED)
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(submitted_at__gte=local_date_to_utc(self.organisation, value))

    def filter_date_to(self, queryset, name, value):
        end = local_date_to_utc(self.organisation, value + datetime.timedelta(days=1))
        return queryset.filter(submitted_at__lt=end)
