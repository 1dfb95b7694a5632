from django.contrib import admin

from . import models


class ReportSectionInline(admin.StackedInline):
    model = models.ReportSection
    extra = 0


@admin.register(models.MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "month", "status", "drafted_at", "published_at"]
    list_filter = ["organisation", "status"]
    inlines = [ReportSectionInline]


@admin.register(models.ReportSection)
class ReportSectionAdmin(admin.ModelAdmin):
    list_display = ["title", "report", "order", "is_visible"]
