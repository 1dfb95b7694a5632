"""The monthly experience report: drafted by a job, finished by an officer, read by leaders."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xmo.models import Organisation

from .choices import ReportStatus
from .sections import report_title, section_title


class MonthlyReport(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="monthly_reports"
    )
    month = models.DateField(help_text=_("First day of the month reported on."))
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default="draft")
    title = models.CharField(max_length=200, blank=True)
    figures = models.JSONField(default=dict, blank=True, help_text=_("Computed by the draft job."))
    quote_ids = models.JSONField(
        default=list, blank=True, help_text=_("Survey responses quoted in the report.")
    )
    drafted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "month"], name="report_once_per_month"),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
        ]

    def __str__(self):
        # Stored in the installation's language; the default title reads in the reader's.
        return report_title(self.title, self.month)


class ReportSection(models.Model):
    """A section of a report: system figures plus the officer's Markdown narrative."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    narrative = models.TextField(blank=True, help_text=_("Markdown; sanitised when shown."))
    is_visible = models.BooleanField(default=True)

    class Meta:
        ordering = ["report", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="report_section_once")
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self) -> str:
        """The title as the reader reads it: a default title in their language."""
        return section_title(self.key, self.title)
