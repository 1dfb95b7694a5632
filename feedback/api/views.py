"""Feedback API: survey responses that carry a comment, with their tags and triage status."""

from django.db.models import Prefetch

from experience.models import SurveyResponse
from feedback.filters import FeedbackFilter
from feedback.models import FeedbackTag
from feedback.selectors import feedback_for
from xmo.api.views import OrganisationReadOnlyViewSet
from xmo.middleware import current_membership

from .serializers import FeedbackSerializer


class FeedbackViewSet(OrganisationReadOnlyViewSet):
    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilter
    capability = "view_feedback"

    def get_queryset(self):
        queryset = self.scope_queryset(SurveyResponse.objects.exclude(comment=""))
        if getattr(self.request, "auth", None) is None:  # a person, not a token
            membership = current_membership(self.request._request)
            if membership is not None:
                # The inbox's rule: service owners see their own services' feedback only.
                queryset = queryset.filter(pk__in=feedback_for(membership).values("pk"))
        return (
            queryset.select_related("service", "persona")
            .prefetch_related(
                Prefetch("tag_links", queryset=FeedbackTag.objects.select_related("tag"))
            )
            .order_by("-submitted_at", "-id")
        )
