"""What detection finds: score drops, the incidents that group them, data quality alerts."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from xmo.models import Organisation

from ..choices import (
    AlertKind,
    Channel,
    DropMeasure,
    DropStatus,
    SegmentKind,
    Touchpoint,
)
from .catalogue import Service


class Incident(models.Model):
    """Drops of one week and measure whose responses overlap, under one headline segment.

    Built by the weekly drop detection right after the drops are stored
    (experience/incidents.py); the headline is the segment that explains the change best.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="incidents"
    )
    week_start = models.DateField()
    measure = models.CharField(max_length=12, choices=DropMeasure.choices)
    headline_kind = models.CharField(max_length=20, choices=SegmentKind.choices)
    headline_value = models.CharField(max_length=128, blank=True)
    headline_label = models.CharField(max_length=200, blank=True)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text="The headline's service, when the headline is a service.",
    )
    change = models.FloatField(help_text="The headline segment's change (points or minutes).")
    explained_share = models.FloatField(
        null=True, blank=True, help_text="Share of the broadest member's change it explains."
    )
    status = models.CharField(max_length=16, choices=DropStatus.choices, default=DropStatus.NEW)
    disruption = models.ForeignKey(
        "experience.Disruption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        help_text="The declared disruption that acknowledged it in advance (not notified).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_start", "change", "-id"]
        indexes = [models.Index(fields=["organisation", "week_start"], name="incident_org_week")]

    def __str__(self):
        return f"{self.get_measure_display()}: {self.headline_label or self.headline_value}"


class ScoreDrop(models.Model):
    """A significant fall of happiness (or rise of lost time) for a segment in a closed week."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="score_drops"
    )
    week_start = models.DateField()
    measure = models.CharField(max_length=12, choices=DropMeasure.choices)
    segment_kind = models.CharField(max_length=20, choices=SegmentKind.choices)
    segment_value = models.CharField(max_length=128, help_text="Slug or value of the segment.")
    segment_label = models.CharField(max_length=200, blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="score_drops"
    )
    value = models.FloatField()
    baseline_value = models.FloatField()
    delta = models.FloatField()
    n = models.PositiveIntegerField()
    baseline_n = models.PositiveIntegerField()
    p_value = models.FloatField()
    window_weeks = models.PositiveSmallIntegerField(
        default=1,
        help_text="Weeks the figures pool: 1 (the week) or 2 (the week and the one before).",
    )
    drivers = models.JSONField(
        default=dict, blank=True, help_text="Factor and tag shifts; mix versus rate split."
    )
    status = models.CharField(max_length=16, choices=DropStatus.choices, default=DropStatus.NEW)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    investigation_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="drops"
    )
    explained_share = models.FloatField(
        null=True, blank=True, help_text="Share of its incident's reference change it explains."
    )

    class Meta:
        ordering = ["-week_start", "delta"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "week_start", "measure", "segment_kind", "segment_value"],
                name="score_drop_once",
            ),
            models.CheckConstraint(condition=Q(p_value__gte=0) & Q(p_value__lte=1), name="drop_p"),
        ]

    def __str__(self):
        return f"{self.get_measure_display()}: {self.segment_label or self.segment_value}"

    @property
    def segment_name(self) -> str:
        """The segment as the reader reads it: choice-coded segments (the whole organisation,
        touchpoints, channels) in the active language, others by their stored name."""
        if self.segment_kind == SegmentKind.ALL:
            return str(SegmentKind.ALL.label)
        choices = {SegmentKind.TOUCHPOINT: Touchpoint, SegmentKind.CHANNEL: Channel}.get(
            self.segment_kind
        )
        if choices is not None and self.segment_value in choices.values:
            return str(choices(self.segment_value).label)
        return self.segment_label or self.segment_value

    @property
    def explained_percent(self) -> float | None:
        return None if self.explained_share is None else 100 * self.explained_share


class DataQualityAlert(models.Model):
    """A data-quality problem, e.g. a feed that stopped sending."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="data_alerts"
    )
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    subject = models.CharField(max_length=200, help_text="e.g. service:service-desk, token:12")
    message = models.TextField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="alert_one_open_per_subject",
            )
        ]

    def __str__(self):
        return self.message
