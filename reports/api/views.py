"""Reports API: published monthly reports (and drafts for the roles that prepare them)."""

from django.db.models import Prefetch

from reports.choices import ReportStatus
from reports.models import MonthlyReport, ReportSection
from xmo.api.permissions import request_membership
from xmo.api.views import OrganisationReadOnlyViewSet
from xmo.roles import can

from .filters import ReportFilter
from .serializers import MonthlyReportSerializer


class ReportViewSet(OrganisationReadOnlyViewSet):
    serializer_class = MonthlyReportSerializer
    filterset_class = ReportFilter
    capability = "view_published_reports"

    def get_queryset(self):
        reports = self.scope_queryset(MonthlyReport.objects.all()).prefetch_related(
            Prefetch(
                "sections",
                queryset=ReportSection.objects.filter(is_visible=True),
                to_attr="visible_sections",
            )
        )
        membership = request_membership(self.request)
        # Tokens and readers see published reports only; drafts are for those who write them.
        if membership is None or not can(membership, "view_draft_reports"):
            reports = reports.filter(status=ReportStatus.PUBLISHED)
        return reports.order_by("-month")
