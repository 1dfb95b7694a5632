"""Experience data: services, personas, survey responses (X), operational metrics (O), drops."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from xmo.models import ApiToken, Organisation, slug_validator

from .choices import (
    AlertKind,
    Channel,
    Direction,
    DropMeasure,
    DropStatus,
    SegmentKind,
    Touchpoint,
    TriageStatus,
)


class Service(models.Model):
    """An IT service area (Service desk, Laptops & computers, Collaboration, ...)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    slug = models.SlugField(max_length=64, validators=[slug_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    it_area = models.CharField(
        max_length=100, blank=True, help_text="IT area for the monthly experience meeting."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_services",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="service_slug_unique")
        ]

    def __str__(self):
        return self.name


class Persona(models.Model):
    """A user segment (Doers, Prioritizers, field workers, developers, executives...)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="personas"
    )
    slug = models.SlugField(max_length=64, validators=[slug_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Deactivated rather than deleted, so its history stays.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="persona_slug_unique")
        ]

    def __str__(self):
        return self.name


class SurveyResponse(models.Model):
    """One end-user's answer (X-data). Comments make it feedback, triaged in the feedback app.

    A response still to roll up has a PendingResponse row, written in the same transaction;
    the rollup job deletes it as it claims the response. Columns that ingestion does not
    send carry database defaults so set-based inserts may leave them out.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=128)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="responses")
    persona = models.ForeignKey(
        Persona, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    score = models.SmallIntegerField()
    lost_time_minutes = models.IntegerField(null=True, blank=True)
    factors = models.JSONField(default=list, blank=True, db_default=[])
    comment = models.TextField(blank=True, default="", db_default="")
    touchpoint = models.CharField(
        max_length=12, choices=Touchpoint.choices, default=Touchpoint.INCIDENT
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.OTHER)
    location = models.CharField(max_length=128, blank=True, default="", db_default="")
    assignment_group = models.CharField(max_length=128, blank=True, default="", db_default="")
    ticket_ref = models.CharField(max_length=128, blank=True, default="", db_default="")
    reassignments = models.IntegerField(null=True, blank=True)
    resolution_hours = models.FloatField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    source_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Feedback triage lives on the row so the inbox needs no join per item.
    triage_status = models.CharField(
        max_length=12,
        choices=TriageStatus.choices,
        default=TriageStatus.NEW,
        db_default=TriageStatus.NEW,
    )
    highlighted = models.BooleanField(
        default=False, db_default=False, help_text="Quote it in the monthly report."
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"], name="response_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=10), name="response_score_range"
            ),
            models.CheckConstraint(
                condition=Q(lost_time_minutes__isnull=True)
                | (Q(lost_time_minutes__gte=0) & Q(lost_time_minutes__lte=100_000)),
                name="response_lost_time_range",
            ),
            models.CheckConstraint(
                condition=Q(reassignments__isnull=True) | Q(reassignments__gte=0),
                name="response_reassignments_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(resolution_hours__isnull=True) | Q(resolution_hours__gte=0),
                name="response_resolution_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(touchpoint__in=Touchpoint.values), name="response_touchpoint_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="response_channel_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "submitted_at"], name="response_org_time"),
            models.Index(
                fields=["organisation", "service", "submitted_at"], name="response_org_svc_time"
            ),
            models.Index(
                fields=["organisation", "triage_status", "submitted_at"],
                condition=~Q(comment=""),
                name="response_feedback_inbox",
            ),
            # The month's quotes for the report: a handful of rows among the month's many.
            models.Index(
                fields=["organisation", "submitted_at"],
                condition=Q(highlighted=True),
                name="response_highlighted",
            ),
        ]

    def __str__(self):
        return f"{self.external_id} ({self.score})"

    @property
    def is_negative(self) -> bool:
        return self.score <= 6


class PendingResponse(models.Model):
    """The durable "not yet rolled up" marker of a response, written in the same transaction.

    A narrow queue row: the rollup job claims responses by deleting their rows (DELETE ...
    RETURNING), so it never updates the wide, many-indexed response row.
    """

    response = models.OneToOneField(
        SurveyResponse, on_delete=models.CASCADE, primary_key=True, related_name="pending"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "response"], name="pending_response_org")]

    def __str__(self):
        return f"pending {self.response_id}"


class OperationalMetric(models.Model):
    """A named operational measure (O-data) with unit and direction."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="metrics")
    slug = models.SlugField(max_length=64, validators=[slug_validator])
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=32, blank=True, help_text="e.g. hours, %, ms, crashes/100")
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    description = models.TextField(blank=True)
    # Deactivated rather than deleted, so its history stays.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="metric_slug_unique")
        ]

    def __str__(self):
        return self.name


class MetricSample(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(OperationalMetric, on_delete=models.PROTECT, related_name="samples")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="metric_samples")
    value = models.FloatField()
    measured_at = models.DateTimeField()
    external_id = models.CharField(max_length=128, null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    source_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-measured_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                condition=Q(external_id__isnull=False),
                name="sample_external_id_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["organisation", "metric", "service", "measured_at"], name="sample_series"
            ),
        ]

    def __str__(self):
        return f"{self.metric_id}@{self.measured_at}: {self.value}"


class PendingSample(models.Model):
    """The durable "not yet rolled up" marker of a metric sample, written in the same
    transaction; the rollups job claims samples by deleting their rows (DELETE ... RETURNING)."""

    sample = models.OneToOneField(
        MetricSample, on_delete=models.CASCADE, primary_key=True, related_name="pending"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "sample"], name="pending_sample_org")]

    def __str__(self):
        return f"pending sample {self.sample_id}"


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


# --- Rollups -----------------------------------------------------------------------------
# Additive aggregates of processed responses per local day (span "day") and local month
# (span "month"), at a few grains, so dashboards read a bounded number of rows whatever the
# volume. Unused key columns hold "" / 0 so every grain shares one key. A key may have
# several rows: incremental runs append one *delta* row per key and chunk, compaction
# (experience/rollups/compaction.py) folds them back into one; readers sum the rows of a key.
# Written only by the experience/rollups/ package.


class RollupSpan(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"


class RollupGrain(models.TextChoices):
    SERVICE = "service", "Service"
    FINE = "fine", "Service, persona, touchpoint, channel"
    LOCATION = "location", "Service, location"
    GROUP = "group", "Service, assignment group"


ROLLUP_KEY = (
    "organisation",
    "span",
    "grain",
    "day",
    "service",
    "persona_key",
    "touchpoint",
    "channel",
    "location",
    "assignment_group",
)


class RollupKey(models.Model):
    # Derived data: no database-level foreign keys (no per-row trigger work on bulk upserts);
    # deleting an organisation or service still cascades through Django. No index of their
    # own either: the key index starts with the organisation, and a service with rollups has
    # responses, which protect it from deletion. Each index costs every rollup write.
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    span = models.CharField(max_length=5, choices=RollupSpan.choices)
    grain = models.CharField(max_length=8, choices=RollupGrain.choices)
    day = models.DateField(help_text="Local day, or first day of the local month.")
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    persona_key = models.IntegerField(default=0, help_text="Persona id; 0 for none or not kept.")
    touchpoint = models.CharField(max_length=12, default="", blank=True)
    channel = models.CharField(max_length=16, default="", blank=True)
    location = models.CharField(max_length=128, default="", blank=True)
    assignment_group = models.CharField(max_length=128, default="", blank=True)
    delta = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Appended by an incremental run; compaction folds it into its key's row.",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.grain} {self.span} {self.day} service {self.service_id}"


def _rollup_indexes(prefix: str, key: tuple) -> list[models.Index]:
    return [
        models.Index(fields=key, name=f"{prefix}_key_idx"),
        # Counting the deltas waiting for compaction reads only them.
        models.Index(
            fields=["organisation"], condition=models.Q(delta=True), name=f"{prefix}_delta_idx"
        ),
    ]


class ResponseRollup(RollupKey):
    n = models.BigIntegerField(default=0)
    promoters = models.BigIntegerField(default=0)
    detractors = models.BigIntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)
    score_sq_sum = models.BigIntegerField(default=0)
    lost_n = models.BigIntegerField(default=0)
    lost_sum = models.BigIntegerField(default=0)
    lost_sq_sum = models.BigIntegerField(default=0)
    lost_hist = models.JSONField(
        default=dict, help_text="Exact lost-time histogram: {minutes: answers}."
    )

    class Meta:
        indexes = _rollup_indexes("response_rollup", ROLLUP_KEY)


class FactorRollup(RollupKey):
    """How many responses named `factor` (each response counts a factor once)."""

    factor = models.TextField()
    count = models.BigIntegerField(default=0)

    class Meta:
        indexes = _rollup_indexes("factor_rollup", (*ROLLUP_KEY, "factor"))


class MetricRollup(models.Model):
    """Samples of one metric for one service on one local day.

    Additive figures: count, sum, min, max, the latest sample (time, id, value) and a
    mergeable quantile sketch ({bucket code: samples} stored as packed binary entries,
    experience/rollups/sketch.py, relative error at most 1 %). Like the response rollups, a
    key may have several rows: incremental runs append delta rows, compaction folds them;
    readers combine the rows of a key.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    day = models.DateField()
    metric = models.ForeignKey(
        OperationalMetric, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    count = models.BigIntegerField(default=0)
    sum = models.FloatField(default=0.0)
    min = models.FloatField(null=True)
    max = models.FloatField(null=True)
    last_value = models.FloatField(null=True)
    last_at = models.DateTimeField(null=True)
    last_id = models.BigIntegerField(null=True, help_text="The latest sample's id (ties).")
    sketch = models.BinaryField(
        default=bytes,
        help_text="Quantile sketch: (bucket code, samples) entries, experience/rollups/sketch.py.",
    )
    delta = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Appended by an incremental run; compaction folds it into its key's row.",
    )

    class Meta:
        indexes = _rollup_indexes("metric_rollup", ("organisation", "day", "metric", "service"))

    def __str__(self):
        return f"{self.metric_id}/{self.service_id} {self.day}: {self.count} samples"


class ExperienceModel(models.Model):
    """The fitted forecast of one service's weekly happiness or mean lost time.

    Written by the weekly job `fit_experience_models` (experience/predictions.py); the
    predictions are computed from it when read, with the open week's samples so far.
    """

    class Kind(models.TextChoices):
        RIDGE = "ridge", "Ridge regression"
        NAIVE = "naive", "Same as last week"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="experience_models")
    measure = models.CharField(max_length=16)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    features = models.JSONField(default=list, help_text="Inputs, in coefficient order.")
    coefficients = models.JSONField(
        default=dict, help_text="Standardisation, intercept, betas and λ (ridge only)."
    )
    fitted_weeks = models.PositiveIntegerField(default=0)
    first_week = models.DateField(null=True)
    last_week = models.DateField(null=True)
    backtest_weeks = models.PositiveIntegerField(default=0)
    backtest_mae = models.FloatField(null=True, help_text="Walk-forward MAE of the model.")
    naive_mae = models.FloatField(null=True, help_text="Same weeks, forecast = last week.")
    residual_sd = models.FloatField(null=True, help_text="RMSE of the served forecast.")
    fitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "service", "measure"], name="experience_model_once"
            )
        ]

    def __str__(self):
        return f"{self.service_id} {self.measure}: {self.kind}"
