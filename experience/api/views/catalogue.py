"""The catalogue endpoints: services, personas and metrics, listed and upserted by slug."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from experience.catalogue import services as catalogue
from experience.models import OperationalMetric, Persona, Service
from xmo.api import schema as errors
from xmo.api.parsers import SafeJSONParser
from xmo.api.views import OrganisationScopedMixin

from .. import filters
from ..serializers import (
    MetricSerializer,
    PersonaSerializer,
    ServiceSerializer,
)


class ConfigurationViewSet(
    OrganisationScopedMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Read with a `read` token or any role. Objects are addressed by slug.

    `PUT /{slug}/` is an upsert (201 created, 200 updated) for a `catalogue` token or a
    signed-in admin, so a CMDB sync can keep the catalogue current; `"is_active": false`
    (or `"active": false`) deactivates — nothing is ever deleted. Writes go through the
    catalogue services, which audit them.
    """

    parser_classes = [SafeJSONParser]
    lookup_field = "slug"
    save = None  # the catalogue write service, e.g. xmo.services.service_save
    save_kwarg = ""

    token_scope = {
        "GET": "read",
        "HEAD": "read",
        "OPTIONS": "read",
        "PUT": "catalogue",
        "PATCH": "catalogue",
    }
    capability = {
        "GET": "view_dashboard",
        "HEAD": "view_dashboard",
        "OPTIONS": "view_dashboard",
        "POST": "manage_organisation",
        "PUT": "manage_organisation",
        "PATCH": "manage_organisation",
    }

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "organisation": self.organisation}

    # The catalogue service that creates or updates one object, and its keyword for the object.
    save = None
    save_kwarg = ""

    def _save(self, serializer, instance=None):
        try:
            serializer.instance = type(self).save(
                organisation=self.organisation,
                actor=self.request.user,
                data=dict(serializer.validated_data),
                **{self.save_kwarg: instance},
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc

    def perform_create(self, serializer):
        self._save(serializer)

    def update(self, request, *args, partial=False, **kwargs):
        slug = kwargs[self.lookup_field]
        instance = self.get_queryset().filter(slug=slug).first()
        if instance is None and partial:
            raise NotFound()
        data = self._upsert_data(request.data, slug)
        serializer = self.get_serializer(instance, data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            obj = self.save(
                organisation=self.organisation,
                actor=request.user,
                data=dict(serializer.validated_data),
                **{self.save_kwarg: instance},
            )
        except IntegrityError as exc:  # the same slug created by a concurrent request
            raise serializers.ValidationError(
                {"slug": [_("Created by another request at the same time; send it again.")]}
            ) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"slug": exc.messages}
            ) from exc
        created = instance is None
        return Response(
            self.get_serializer(obj).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _upsert_data(self, data, slug: str) -> dict:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send one JSON object.")]})
        data = dict(data)
        if "active" in data:
            if "is_active" in data:
                raise serializers.ValidationError(
                    {"active": [_("Send either 'active' or 'is_active', not both.")]}
                )
            data["is_active"] = data.pop("active")
        writable = {
            name for name, field in self.get_serializer().fields.items() if not field.read_only
        }
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        if data.setdefault("slug", slug) != slug:
            raise serializers.ValidationError({"slug": [_("Must match the slug in the URL.")]})
        return data


def _upsert_schema(serializer, noun):
    return extend_schema_view(
        update=extend_schema(
            summary=f"Create or update a {noun} by slug (upsert)",
            description="201 when it was created, 200 when it was updated. Needs the "
            "`catalogue` scope (or a signed-in admin). `is_active: false` deactivates it.",
            responses={200: serializer, 201: serializer, **errors.WRITE_ERRORS},
        )
    )


@_upsert_schema(ServiceSerializer, "service")
class ServiceViewSet(ConfigurationViewSet):
    queryset = Service.objects.select_related("owner")
    serializer_class = ServiceSerializer
    filterset_class = filters.ServiceFilter
    save = staticmethod(catalogue.service_save)
    save_kwarg = "service"


@_upsert_schema(PersonaSerializer, "persona")
class PersonaViewSet(ConfigurationViewSet):
    queryset = Persona.objects.all()
    serializer_class = PersonaSerializer
    filterset_class = filters.PersonaFilter
    save = staticmethod(catalogue.persona_save)
    save_kwarg = "persona"


@_upsert_schema(MetricSerializer, "metric")
class MetricViewSet(ConfigurationViewSet):
    queryset = OperationalMetric.objects.all()
    serializer_class = MetricSerializer
    filterset_class = filters.MetricFilter
    save = staticmethod(catalogue.metric_save)
    save_kwarg = "metric"
