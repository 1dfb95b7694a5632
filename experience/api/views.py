"""Experience API: the push endpoints (fast path), configuration lists, score drops, trends."""

import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from experience import ingest, predictions, xo
from experience.catalogue import services as catalogue
from experience.choices import Channel, Touchpoint
from experience.models import Incident, OperationalMetric, Persona, ScoreDrop, Service
from experience.segments import Segment
from experience.selectors import trend
from experience.stats import SENTIMENT_MEASURES
from xmo import jobs
from xmo.api import schema as errors
from xmo.api.filters import refuse_empty_dates
from xmo.api.parsers import SafeJSONParser
from xmo.api.permissions import (
    ScopeOrRole,
    request_membership,
    request_organisation,
    request_token,
)
from xmo.api.schema import XmoAutoSchema
from xmo.api.throttling import TokenRateThrottle
from xmo.api.views import OrganisationReadOnlyViewSet, OrganisationScopedMixin
from xmo.choices import Role
from xmo.periods import PERIODS, local_today

from . import filters
from .schema import RESPONSES_BODY, SAMPLES_BODY
from .serializers import (
    ExperienceDriversSerializer,
    IncidentSerializer,
    IngestResultSerializer,
    MetricSerializer,
    PersonaSerializer,
    PredictionSerializer,
    ScoreDropSerializer,
    ServiceSerializer,
    TrendSerializer,
)

# --- pushing data ------------------------------------------------------------------------


class IngestView(APIView):
    """Reads the raw body itself: one msgspec pass is far cheaper than DRF's parsers."""

    kind: ingest.Kind
    permission_classes = [ScopeOrRole]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [JSONParser]
    schema = XmoAutoSchema()
    token_scope = "ingest"
    capability = "manage_organisation"

    def post(self, request):
        raw = request._request
        if raw.content_type != "application/json":
            return Response(
                {"detail": "Send JSON with Content-Type: application/json."},
                status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        limit = settings.XMO_MAX_BODY_BYTES
        too_large = Response(
            {"detail": f"The body is larger than {limit} bytes; send smaller batches."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
        try:
            declared = int(raw.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large
        try:
            body = raw.body
        except RequestDataTooBig:
            return too_large
        if len(body) > limit:
            return too_large
        organisation = request_organisation(request)
        org_id = organisation.pk
        try:
            result = ingest.ingest(
                self.kind,
                organisation=organisation,
                body=body,
                token=request_token(request),
                on_commit=lambda: jobs.enqueue("rollups", org_id),
            )
        except ingest.IngestError as exc:
            return Response(exc.as_body(), status=exc.status)
        response = Response(result.as_body(), status=status.HTTP_201_CREATED)
        response["Server-Timing"] = result.server_timing()
        return response


PUSH_DESCRIPTION = (
    "One object or an array of up to 10 000. The batch is stored whole or not at all; an "
    "item whose `external_id` already exists (or repeats in the batch) counts as a duplicate. "
    "The `Server-Timing` response header tells where the time went (parse, resolve, write)."
)


def _push_schema(body, summary):
    return extend_schema(
        summary=summary,
        description=PUSH_DESCRIPTION,
        request={"application/json": body},
        responses={201: IngestResultSerializer, **errors.WRITE_ERRORS},
    )


class SurveyResponseIngestView(IngestView):
    kind = ingest.RESPONSES

    @_push_schema(RESPONSES_BODY, "Push survey responses")
    def post(self, request):
        return super().post(request)


class MetricSampleIngestView(IngestView):
    kind = ingest.SAMPLES

    @_push_schema(SAMPLES_BODY, "Push operational metric samples")
    def post(self, request):
        return super().post(request)


# --- configuration: services, personas, metrics -----------------------------------------


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
                {"slug": ["Created by another request at the same time; send it again."]}
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
            raise serializers.ValidationError({"non_field_errors": ["Send one JSON object."]})
        data = dict(data)
        if "active" in data:
            if "is_active" in data:
                raise serializers.ValidationError(
                    {"active": ["Send either 'active' or 'is_active', not both."]}
                )
            data["is_active"] = data.pop("active")
        writable = {
            name for name, field in self.get_serializer().fields.items() if not field.read_only
        }
        unknown = sorted(set(data) - writable)
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        if data.setdefault("slug", slug) != slug:
            raise serializers.ValidationError({"slug": ["Must match the slug in the URL."]})
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


# --- score drops -------------------------------------------------------------------------


class ScoreDropViewSet(OrganisationReadOnlyViewSet):
    queryset = ScoreDrop.objects.select_related("service")
    serializer_class = ScoreDropSerializer
    filterset_class = filters.ScoreDropFilter
    capability = "view_score_drops"


class IncidentViewSet(OrganisationReadOnlyViewSet):
    """Overlapping drops of one week and measure, under their headline segment."""

    queryset = Incident.objects.prefetch_related(
        Prefetch("drops", queryset=ScoreDrop.objects.order_by("pk"))
    )
    serializer_class = IncidentSerializer
    filterset_class = filters.IncidentFilter
    capability = "view_score_drops"


# --- trends ------------------------------------------------------------------------------

MAX_TREND_DAYS = 3660


class TrendQuerySerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=SENTIMENT_MEASURES, default="happiness")
    period = serializers.ChoiceField(choices=list(PERIODS), default="week")
    service = serializers.CharField(required=False, help_text="Service slug(s), comma-separated.")
    persona = serializers.CharField(required=False, help_text="Persona slug(s), comma-separated.")
    touchpoint = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    # "from" is a Python keyword: the field is renamed in __init__.
    from_ = serializers.DateField(required=False, help_text="First local date (inclusive).")
    to = serializers.DateField(required=False, help_text="Last local date (inclusive).")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = self.fields.pop("from_")

    def validate(self, attrs):
        # DRF drops an empty optional field ("?from="); a blank date is a mistake, not "none".
        refuse_empty_dates(self.initial_data, ["from", "to"])
        organisation = self.context["organisation"]
        to = attrs.get("to") or local_today(organisation)
        start = attrs.get("from_") or to - datetime.timedelta(days=90)
        for name, day in (("from", start), ("to", to)):
            if not 1900 <= day.year <= 9000:
                raise serializers.ValidationError({name: "Give a date between 1900 and 9000."})
        if start > to:
            raise serializers.ValidationError({"from": "Must not be after 'to'."})
        if (to - start).days > MAX_TREND_DAYS:
            raise serializers.ValidationError({"from": "The range may span at most ten years."})
        if attrs["period"] == "day" and (to - start).days > 400:
            raise serializers.ValidationError({"period": "Daily trends span at most 400 days."})
        segment = {}
        for name, model in (("service", Service), ("persona", Persona)):
            slugs = tuple(sorted({s.strip() for s in attrs.get(name, "").split(",") if s.strip()}))
            if slugs:
                found = set(
                    model.objects.filter(organisation=organisation, slug__in=slugs).values_list(
                        "slug", flat=True
                    )
                )
                unknown = sorted(set(slugs) - found)
                if unknown:
                    raise serializers.ValidationError(
                        {name: f"Unknown {name}: {', '.join(unknown)}."}
                    )
            segment[f"{name}s"] = slugs
        for name, choices in (("touchpoint", Touchpoint), ("channel", Channel)):
            values = tuple(sorted({s.strip() for s in attrs.get(name, "").split(",") if s.strip()}))
            unknown = sorted(set(values) - set(choices.values))
            if unknown:
                raise serializers.ValidationError({name: f"Unknown {name}: {', '.join(unknown)}."})
            segment[f"{name}s"] = values
        return {
            "measure": attrs["measure"],
            "period": attrs["period"],
            "start": start,
            "end": to + datetime.timedelta(days=1),
            "segment": Segment(**segment),
        }


class TrendView(OrganisationScopedMixin, APIView):
    capability = "view_dashboard"

    @extend_schema(
        summary="A measure per period",
        parameters=[TrendQuerySerializer],
        responses={200: TrendSerializer},
    )
    def get(self, request):
        query = TrendQuerySerializer(
            data=request.query_params, context={"organisation": self.organisation}
        )
        query.is_valid(raise_exception=True)
        q = query.validated_data
        series = trend(
            self.organisation,
            measure_name=q["measure"],
            period=q["period"],
            start=q["start"],
            end=q["end"],
            segment=q["segment"],
            clip=True,
        )
        return Response({"measure": q["measure"], "period": q["period"], "results": series})


# --- X and O: drivers and predictions ------------------------------------------------------


def _visible_service(view, slug: str) -> Service:
    """The organisation's service; a signed-in service owner sees only their own (else 404)."""
    services = Service.objects.filter(organisation=view.organisation, slug=slug)
    membership = request_membership(view.request)
    if membership is not None and membership.role == Role.SERVICE_OWNER:
        services = services.filter(owner=view.request.user)
    service = services.first()
    if service is None:
        raise NotFound("Unknown service.")
    return service


class DriversQuerySerializer(serializers.Serializer):
    weeks = serializers.ChoiceField(
        choices=xo.WEEK_CHOICES, default=xo.DEFAULT_WEEKS, help_text="Closed weeks to read."
    )
    aggregation = serializers.CharField(
        required=False,
        help_text="Per metric, e.g. `resolution-time:mean,availability:min`; default p90 for "
        "times, else mean.",
    )


class ExperienceDriversView(OrganisationScopedMixin, APIView):
    capability = "view_dashboard"

    @extend_schema(
        summary="Which operational metrics move with a service's experience",
        parameters=[DriversQuerySerializer],
        responses={200: ExperienceDriversSerializer, **errors.DETAIL_ERRORS},
    )
    def get(self, request, slug):
        service = _visible_service(self, slug)
        query = DriversQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        metrics = OperationalMetric.objects.filter(organisation=self.organisation)
        data = xo.drivers(
            self.organisation,
            service,
            weeks=int(query.validated_data["weeks"]),
            aggregations=xo.parse_aggregations(request.query_params, metrics),
        )
        return Response(
            {
                "service": service.slug,
                "weeks": data["weeks"],
                # Whole closed weeks: none is cut short by the range.
                "experience": {
                    measure: [{"partial": False, **point} for point in points]
                    for measure, points in data["experience"].items()
                },
                "metrics": [
                    {
                        "metric": row["metric"],
                        "name": row["name"],
                        "unit": row["unit"],
                        "aggregation": row["aggregation"],
                        "values": row["values"],
                        "correlations": row["correlations"],
                        "moves_with": row["verdict"]["moves_with"],
                        "summary": " ".join(row["verdict"]["sentences"]),
                    }
                    for row in data["metrics"]
                ],
            }
        )


class PredictionQuerySerializer(serializers.Serializer):
    service = serializers.SlugField(help_text="Service slug.")
    measure = serializers.ChoiceField(choices=xo.MEASURES, default="happiness")


class PredictionView(OrganisationScopedMixin, APIView):
    capability = "view_dashboard"

    @extend_schema(
        summary="Predicted experience of the open week and the next",
        parameters=[PredictionQuerySerializer],
        responses={200: PredictionSerializer, **errors.DETAIL_ERRORS},
    )
    def get(self, request):
        query = PredictionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        service = _visible_service(self, query.validated_data["service"])
        measure = query.validated_data["measure"]
        forecast = predictions.predict(self.organisation, service, measure)
        if forecast is None:
            return Response(
                {
                    "service": service.slug,
                    "measure": measure,
                    "results": [],
                    "backtest": None,
                    "fitted_at": None,
                    "detail": "Too few answered weeks to forecast this service yet.",
                }
            )
        return Response(
            {
                "service": service.slug,
                "measure": measure,
                "results": forecast["predictions"],
                "backtest": forecast["backtest"],
                "fitted_at": forecast["fitted_at"],
            }
        )
