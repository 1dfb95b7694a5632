"""The analytics read endpoints: score drops, incidents, trends, experience drivers and
predictions."""

import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from experience import predictions, xo
from experience.choices import Channel, Touchpoint
from experience.models import Incident, OperationalMetric, Persona, ScoreDrop, Service
from experience.segments import Segment
from experience.selectors import trend
from experience.stats import SENTIMENT_MEASURES
from xmo.api import schema as errors
from xmo.api.filters import refuse_empty_dates
from xmo.api.permissions import (
    request_membership,
)
from xmo.api.views import OrganisationReadOnlyViewSet, OrganisationScopedMixin
from xmo.choices import Role
from xmo.periods import PERIODS, local_today

from .. import filters
from ..serializers import (
    ExperienceDriversSerializer,
    IncidentSerializer,
    PredictionSerializer,
    ScoreDropSerializer,
    TrendSerializer,
)


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
    service = serializers.CharField(
        required=False, help_text=_("Service slug(s), comma-separated.")
    )
    persona = serializers.CharField(
        required=False, help_text=_("Persona slug(s), comma-separated.")
    )
    touchpoint = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    # "from" is a Python keyword: the field is renamed in __init__.
    from_ = serializers.DateField(required=False, help_text=_("First local date (inclusive)."))
    to = serializers.DateField(required=False, help_text=_("Last local date (inclusive)."))

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
                raise serializers.ValidationError({name: _("Give a date between 1900 and 9000.")})
        if start > to:
            raise serializers.ValidationError({"from": _("Must not be after 'to'.")})
        if (to - start).days > MAX_TREND_DAYS:
            raise serializers.ValidationError({"from": _("The range may span at most ten years.")})
        if attrs["period"] == "day" and (to - start).days > 400:
            raise serializers.ValidationError({"period": _("Daily trends span at most 400 days.")})
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
                        {
                            name: _("Unknown %(name)s: %(values)s.")
                            % {"name": name, "values": ", ".join(unknown)}
                        }
                    )
            segment[f"{name}s"] = slugs
        for name, choices in (("touchpoint", Touchpoint), ("channel", Channel)):
            values = tuple(sorted({s.strip() for s in attrs.get(name, "").split(",") if s.strip()}))
            unknown = sorted(set(values) - set(choices.values))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: _("Unknown %(name)s: %(values)s.")
                        % {"name": name, "values": ", ".join(unknown)}
                    }
                )
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
        raise NotFound(_("Unknown service."))
    return service


class DriversQuerySerializer(serializers.Serializer):
    weeks = serializers.ChoiceField(
        choices=xo.WEEK_CHOICES, default=xo.DEFAULT_WEEKS, help_text=_("Closed weeks to read.")
    )
    aggregation = serializers.CharField(
        required=False,
        help_text=_(
            "Per metric, e.g. `resolution-time:mean,availability:min`; default p90 for "
            "times, else mean."
        ),
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
    service = serializers.SlugField(help_text=_("Service slug."))
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
                    "detail": _("Too few answered weeks to forecast this service yet."),
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
