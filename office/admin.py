from django.contrib import admin

from . import models


@admin.register(models.Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["organisation", "phase", "established_on"]
    filter_horizontal = ["services_in_scope"]


@admin.register(models.Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "horizon", "status", "due_on"]
    list_filter = ["horizon", "status", "organisation"]


@admin.register(models.FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "quarter_start"]
    list_filter = ["organisation"]


@admin.register(models.OfficerProfile)
class OfficerProfileAdmin(admin.ModelAdmin):
    list_display = ["membership", "part_time_share", "certified_on"]
    filter_horizontal = ["service_areas"]


@admin.register(models.PhaseChange)
class PhaseChangeAdmin(admin.ModelAdmin):
    list_display = ["organisation", "from_phase", "to_phase", "decided_on"]
    list_filter = ["organisation"]


@admin.register(models.Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "temporary", "ended_on"]
    list_filter = ["organisation", "temporary"]


@admin.register(models.ServiceScope)
class ServiceScopeAdmin(admin.ModelAdmin):
    list_display = ["service", "organisation", "status", "last_reviewed_on"]
    list_filter = ["organisation", "status"]


@admin.register(models.KeyResult)
class KeyResultAdmin(admin.ModelAdmin):
    list_display = ["title", "objective", "measure", "start_value", "target_value", "due_on"]
    list_filter = ["measure"]


@admin.register(models.TrainingItem)
class TrainingItemAdmin(admin.ModelAdmin):
    list_display = ["course", "membership", "due_on", "completed_on"]
    list_filter = ["organisation"]
