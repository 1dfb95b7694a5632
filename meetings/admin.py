from django.contrib import admin

from . import models


@admin.register(models.ImprovementInitiative)
class ImprovementInitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "owner", "status", "started_on", "finished_on"]
    list_filter = ["organisation", "status"]
    filter_horizontal = ["services", "xlas"]


@admin.register(models.MeetingSeries)
class MeetingSeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "cadence", "weekday", "nth", "start_time", "is_active"]
    list_filter = ["organisation", "cadence"]
    filter_horizontal = ["services", "default_attendees"]


class AgendaItemInline(admin.TabularInline):
    model = models.AgendaItem
    extra = 0
    fields = ["order", "section", "title", "source_key", "is_removed"]


@admin.register(models.Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["series", "scheduled_for", "status", "drafted_at", "minutes_sent_at"]
    list_filter = ["organisation", "status"]
    inlines = [AgendaItemInline]


@admin.register(models.MeetingAttendee)
class MeetingAttendeeAdmin(admin.ModelAdmin):
    list_display = ["meeting", "user", "present"]


@admin.register(models.AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "section", "order"]


@admin.register(models.Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["text", "meeting", "communicate", "created_at"]


@admin.register(models.ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "owner", "due_on", "status"]
    list_filter = ["organisation", "status"]
