from django.contrib import admin

from . import models


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation", "it_area", "owner", "is_active"]
    list_filter = ["organisation", "it_area"]
    search_fields = ["name", "slug"]


@admin.register(models.Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation"]
    list_filter = ["organisation"]


@admin.register(models.SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "organisation",
        "service",
        "score",
        "touchpoint",
        "channel",
        "submitted_at",
        "triage_status",
    ]
    list_filter = ["organisation", "touchpoint", "channel", "triage_status"]
    search_fields = ["external_id", "ticket_ref"]
    list_select_related = ["organisation", "service"]
    raw_id_fields = ["service", "persona", "source_token"]
    show_full_result_count = False


@admin.register(models.OperationalMetric)
class OperationalMetricAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation", "unit", "direction"]
    list_filter = ["organisation"]


@admin.register(models.MetricSample)
class MetricSampleAdmin(admin.ModelAdmin):
    list_display = ["metric", "service", "value", "measured_at", "received_at"]
    list_filter = ["organisation", "metric"]
    list_select_related = ["metric", "service"]
    raw_id_fields = ["metric", "service", "source_token"]
    show_full_result_count = False


@admin.register(models.ScoreDrop)
class ScoreDropAdmin(admin.ModelAdmin):
    list_display = [
        "week_start",
        "organisation",
        "measure",
        "segment_kind",
        "segment_value",
        "delta",
        "p_value",
        "status",
    ]
    list_filter = ["organisation", "measure", "segment_kind", "status"]


@admin.register(models.DataQualityAlert)
class DataQualityAlertAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "subject", "opened_at", "resolved_at"]
    list_filter = ["organisation", "kind"]
