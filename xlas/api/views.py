"""XLA API: XLAs with their active version, indicators and latest evaluations; breaches."""

from django.db.models import OuterRef, Prefetch, Subquery
from rest_framework.response import Response

from xlas import scores
from xlas.choices import VersionStatus
from xlas.filters import BreachFilter
from xlas.models import XLA, Breach, Evaluation, XLAVersion
from xmo.api.views import OrganisationReadOnlyViewSet

from . import filters
from .serializers import BreachSerializer, XLADetailSerializer, XLASerializer


def _active_versions(with_indicators: bool) -> Prefetch:
    versions = XLAVersion.objects.filter(status=VersionStatus.ACTIVE)
    if with_indicators:
        versions = versions.prefetch_related("indicators__metric")
    return Prefetch("versions", queryset=versions, to_attr="active_versions")


class XLAViewSet(OrganisationReadOnlyViewSet):
    serializer_class = XLASerializer
    filterset_class = filters.XLAFilter
    capability = "view_xlas"

    def get_queryset(self):
        detail = self.action == "retrieve"
        return self.scope_queryset(
            XLA.objects.select_related("owner").prefetch_related(
                "services", "personas", _active_versions(with_indicators=detail)
            )
        ).order_by("name", "id")

    def get_serializer_class(self):
        return XLADetailSerializer if self.action == "retrieve" else XLASerializer

    def retrieve(self, request, *args, **kwargs):
        self._xla = self.get_object()
        return super().retrieve(request, *args, **kwargs)

    def get_object(self):
        if getattr(self, "_xla", None) is not None:
            return self._xla
        return super().get_object()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        xla = getattr(self, "_xla", None)
        if xla is not None:
            context["latest_evaluations"] = latest_evaluations(xla)
            context["scores"] = scores.recent_figures(xla.organisation, xla.pk)
            month = scores.last_closed_month(xla.organisation)
            latest = [f for f in context["scores"] if f.period_start == month]
            context["latest_scores"] = {xla.pk: latest[0]} if latest else {}
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        month = scores.last_closed_month(self.organisation)
        figures = scores.xla_figures(self.organisation, [month], [x.pk for x in rows])
        context = {
            **self.get_serializer_context(),
            "latest_scores": {x: f for (x, _), f in figures.items()},
        }
        data = self.get_serializer_class()(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)


def latest_evaluations(xla) -> list[Evaluation]:
    """The most recent evaluation of each of the XLA's indicators (one query)."""
    newest = (
        Evaluation.objects.filter(xla=xla, indicator_key=OuterRef("indicator_key"))
        .order_by("-period_start", "-id")
        .values("id")[:1]
    )
    return list(Evaluation.objects.filter(xla=xla, id=Subquery(newest)).order_by("indicator_key"))


class BreachViewSet(OrganisationReadOnlyViewSet):
    queryset = Breach.objects.select_related("xla", "indicator", "assignee")
    serializer_class = BreachSerializer
    filterset_class = BreachFilter
    capability = "view_breaches"
