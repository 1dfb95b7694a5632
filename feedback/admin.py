from django.contrib import admin

from . import models


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]


@admin.register(models.TagRule)
class TagRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "tag", "match", "is_active", "organisation"]
    list_filter = ["organisation", "is_active"]


@admin.register(models.FeedbackTag)
class FeedbackTagAdmin(admin.ModelAdmin):
    list_display = ["response", "tag", "source", "added_by", "created_at"]
    raw_id_fields = ["response"]


@admin.register(models.TagSuggestion)
class TagSuggestionAdmin(admin.ModelAdmin):
    list_display = ["response", "tag", "rule", "status"]
    list_filter = ["status"]
    raw_id_fields = ["response"]


@admin.register(models.FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["response", "owner", "status", "due_on", "contacted_at"]
    list_filter = ["status"]
    raw_id_fields = ["response"]
