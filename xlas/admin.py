from django.contrib import admin

from . import models


class IndicatorInline(admin.TabularInline):
    model = models.Indicator
    extra = 0


@admin.register(models.XLA)
class XLAAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "owner"]
    list_filter = ["organisation"]
    filter_horizontal = ["services", "personas"]


@admin.register(models.XLAVersion)
class XLAVersionAdmin(admin.ModelAdmin):
    list_display = ["xla", "number", "status", "effective_from", "effective_to", "review_due"]
    list_filter = ["status"]
    inlines = [IndicatorInline]


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key",
        "version",
        "kind",
        "measure",
        "aggregation",
        "target",
        "warning",
        "period",
    ]
    list_filter = ["kind", "period"]


@admin.register(models.Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = [
        "xla",
        "indicator_key",
        "period",
        "period_start",
        "value",
        "n",
        "status",
        "is_closed",
    ]
    list_filter = ["organisation", "period", "status", "is_closed"]


@admin.register(models.XLAScore)
class XLAScoreAdmin(admin.ModelAdmin):
    list_display = ["xla", "period", "period_start", "score", "is_closed"]
    list_filter = ["organisation", "period"]


@admin.register(models.Breach)
class BreachAdmin(admin.ModelAdmin):
    list_display = [
        "xla",
        "indicator_key",
        "period_start",
        "severity",
        "status",
        "escalation_level",
        "assignee",
    ]
    list_filter = ["organisation", "status", "severity"]
