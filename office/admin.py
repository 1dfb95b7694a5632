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
