"""`/api/v1/disruptions/`: the planned disruption register (list, read, declare)."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from experience.disruptions.models import Disruption
from experience.disruptions.selectors import disruptions_list
from experience.disruptions.services import disruption_save
from experience.models import Persona, Service
from xmo.api import schema as errors
from xmo.api.filters import BoundedIsoDateTimeFilter
from xmo.api.parsers import SafeJSONParser
from xmo.api.permissions import request_membership, request_token
from xmo.api.views import OrganisationScopedMixin
from xmo.choices import Role


class DisruptionSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        queryset=Service.objects.none(),
        help_text=_("Slugs of the affected services (at least one)."),
    )
    personas = serializers.SlugRelatedField(
        slug_field="slug",
        many=True,
        required=False,
        queryset=Persona.objects.none(),
        help_text=_("Slugs of the affected personas; empty means every persona."),
    )
    approved_by = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        allow_null=True,
        required=False,
        help_text=_("Username of the member who approved it."),
    )
    declared_in_advance = serializers.BooleanField(read_only=True)

    class Meta:
        model = Disruption
        fields = [
            "id",
            "title",
            "description",
            "services",
            "personas",
            "starts_at",
            "ends_at",
            "expected_happiness_effect",
            "expected_lost_time_effect",
            "expected_effect_notes",
            "mitigation",
            "approved_by",
            "approved_at",
            "source",
            "declared_in_advance",
            "created_at",
        ]
        read_only_fields = ["approved_at", "source", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.context.get("organisation")
        if org is not None:
            self.fields["services"].child_relation.queryset = Service.objects.filter(
                organisation=org
            )
            self.fields["personas"].child_relation.queryset = Persona.objects.filter(
                organisation=org
            )
            self.fields["approved_by"].queryset = get_user_model().objects.filter(
                memberships__organisation=org
            )

    def validate_services(self, value):
        if not value:
            raise serializers.ValidationError(_("Name at least one affected service."))
        owner = self.context.get("owner")
        if owner is not None and any(s.owner_id != owner.pk for s in value):
            raise serializers.ValidationError(
                _("You may declare disruptions of your services only.")
            )
        return value

    def validate(self, attrs):
        start, end = attrs.get("starts_at"), attrs.get("ends_at")
        if start and end and end <= start:
            raise serializers.ValidationError({"ends_at": _("Must be after starts_at.")})
        return attrs


class DisruptionFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="services__slug", help_text=_("Service slug."))
    active_at = BoundedIsoDateTimeFilter(
        method="filter_active_at", help_text=_("Windows open at this instant.")
    )
    starts_after = BoundedIsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = BoundedIsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Disruption
        fields = ["service", "active_at", "starts_after", "starts_before"]

    def filter_active_at(self, queryset, name, value):
        return queryset.filter(starts_at__lte=value, ends_at__gt=value)


@extend_schema_view(
    create=extend_schema(
        summary="Declare a planned disruption",
        description="Needs the `ingest` scope (or a signed-in officer, admin or service owner). "
        "Breaches, evaluations and incidents inside the window for the affected services and "
        "personas are acknowledged in advance: shown, never escalated.",
        responses={201: DisruptionSerializer, **errors.WRITE_ERRORS},
    ),
)
class DisruptionViewSet(
    OrganisationScopedMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    serializer_class = DisruptionSerializer
    filterset_class = DisruptionFilter
    parser_classes = [SafeJSONParser]
    queryset = Disruption.objects.all()
    token_scope = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "ingest"}
    capability = {
        "GET": "view_dashboard",
        "HEAD": "view_dashboard",
        "OPTIONS": "view_dashboard",
        "POST": "declare_disruptions",
    }

    def get_queryset(self):
        return disruptions_list(self.organisation).distinct()

    def get_serializer_context(self):
        context = {**super().get_serializer_context(), "organisation": self.organisation}
        membership = request_membership(self.request)
        if membership is not None and membership.role == Role.SERVICE_OWNER:
            context["owner"] = self.request.user
        return context

    def perform_create(self, serializer):
        token = request_token(self.request)
        data = dict(serializer.validated_data)
        data["source"] = token.name if token is not None else ""
        try:
            serializer.instance = disruption_save(
                actor=self.request.user, organisation=self.organisation, data=data
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
