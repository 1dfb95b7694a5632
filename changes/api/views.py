"""`/api/v1/changes/`: record ITSM changes (idempotent by external_id) and read verdicts."""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from xmo.api import schema as errors
from xmo.api.filters import BoundedIsoDateTimeFilter
from xmo.api.parsers import SafeJSONParser
from xmo.api.permissions import request_membership, request_token
from xmo.api.views import OrganisationScopedMixin

from ..choices import ExpectedEffect, Verdict
from ..models import Change
from ..selectors import changes_list
from ..services import change_record
from .serializers import ChangeSerializer


class ChangeFilter(django_filters.FilterSet):
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices)
    expected_effect = django_filters.ChoiceFilter(choices=ExpectedEffect.choices)
    service = django_filters.CharFilter(field_name="services__slug", help_text=_("Service slug."))
    source = django_filters.CharFilter()
    external_id = django_filters.CharFilter()
    implemented_from = BoundedIsoDateTimeFilter(field_name="implemented_at", lookup_expr="gte")
    implemented_to = BoundedIsoDateTimeFilter(field_name="implemented_at", lookup_expr="lt")

    class Meta:
        model = Change
        fields = ["verdict", "expected_effect", "service", "source", "external_id"]


@extend_schema_view(
    create=extend_schema(
        summary="Record an ITSM change",
        description="Idempotent by `external_id`: 201 when recorded, 200 with the stored change "
        "when that `external_id` is already known (its first version is kept). Needs the "
        "`ingest` scope (or a signed-in officer or admin). After `window_weeks` (default 2) "
        "the change gets its verdict.",
        responses={200: ChangeSerializer, 201: ChangeSerializer, **errors.WRITE_ERRORS},
    ),
    retrieve=extend_schema(summary="A change with its verdict"),
)
class ChangeViewSet(
    OrganisationScopedMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = ChangeSerializer
    filterset_class = ChangeFilter
    parser_classes = [SafeJSONParser]
    queryset = Change.objects.all()
    token_scope = {"GET": "read", "HEAD": "read", "OPTIONS": "read", "POST": "ingest"}
    capability = {
        "GET": "view_changes",
        "HEAD": "view_changes",
        "OPTIONS": "view_changes",
        "POST": "record_changes",
    }

    def get_queryset(self):
        return changes_list(self.organisation, membership=request_membership(self.request))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation": self.organisation}

    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send one JSON object.")]})
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = request_token(request)
        try:
            change, created = change_record(
                actor=request.user,
                organisation=self.organisation,
                data=dict(serializer.validated_data),
                source=token.name if token is not None else "",
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(
            self.get_serializer(change).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
