"""Feedback API: survey responses that carry a comment, with their tags and triage status."""

from django.db.models import Prefetch

from experience.models import SurveyResponse
from feedback.models import FeedbackTag
from xmo.api.views import OrganisationReadOnlyViewSet

from .filters import FeedbackFilter
from .serializers import FeedbackSerializer


class FeedbackViewSet(OrganisationReadOnlyViewSet):
    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilter
    capability = "view_feedback"

    def get_queryset(self):
        return (
            self.scope_queryset(SurveyResponse.objects.exclude(comment=""))
            .select_related("service", "persona")
            .prefetch_related(
                Prefetch("tag_links", queryset=FeedbackTag.objects.select_related("tag"))
            )
            .order_by("-submitted_at", "-id")
        )
