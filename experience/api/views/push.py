"""The push endpoints: survey responses and metric samples, in bulk (experience.ingest)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from experience import ingest
from xmo import jobs
from xmo.api import schema as errors
from xmo.api.permissions import (
    ScopeOrRole,
    request_organisation,
    request_token,
)
from xmo.api.schema import XmoAutoSchema
from xmo.api.throttling import TokenRateThrottle

from ..schema import RESPONSES_BODY, SAMPLES_BODY
from ..serializers import (
    IngestResultSerializer,
)


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
                {"detail": _("Send JSON with Content-Type: application/json.")},
                status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        limit = settings.XMO_MAX_BODY_BYTES
        too_large = Response(
            {
                "detail": _("The body is larger than %(limit)s bytes; send smaller batches.")
                % {"limit": limit}
            },
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
