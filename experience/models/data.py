"""The pushed data: survey responses (X) and metric samples (O), each with its queue row
(the durable "still to roll up" marker)."""

from django.db import models
from django.db.models import Q

from xmo.models import ApiToken, Organisation

from ..choices import (
    Channel,
    Touchpoint,
    TriageStatus,
)
from .catalogue import OperationalMetric, Persona, Service


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


class ResponseKey(models.Model):
    """The external ids of an organisation's stored responses: idempotency across partitions.

    On PostgreSQL the responses table is partitioned by month of `submitted_at`, and a
    unique index there can only be unique per partition. This narrow, unpartitioned table
    holds the `(organisation, external_id)` pairs instead: ingestion claims keys here with
    `ON CONFLICT DO NOTHING` and stores only the responses whose key it claimed, and a
    trigger keeps the table in step with every other insert and delete (see
    experience/partitions.py). Keys outlive retention, so a retired response is never
    stored twice. Empty on SQLite, where the responses table keeps its unique constraint.
    """

    pk = models.CompositePrimaryKey("organisation", "external_id")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=128)

    def __str__(self):
        return f"{self.organisation_id}/{self.external_id}"


class RetiredResponses(models.Model):
    """Where retention has dropped survey responses: every month before `kept_from` (UTC).

    One row per installation (PostgreSQL with XMO_RESPONSE_RETENTION_MONTHS). A rebuild of
    the rollups keeps the rollup rows that depend on retired months (experience.rollups).
    """

    kept_from = models.DateField(help_text="First day of the oldest month whose responses remain.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"responses kept from {self.kept_from}"

    @classmethod
    def record(cls, kept_from) -> None:
        row = cls.objects.select_for_update().order_by("pk").first()
        if row is None:
            cls.objects.create(kept_from=kept_from)
        elif kept_from > row.kept_from:
            row.kept_from = kept_from
            row.save(update_fields=["kept_from", "updated_at"])

    @classmethod
    def boundary(cls):
        """The first month kept, or None when nothing was retired."""
        return cls.objects.order_by("pk").values_list("kept_from", flat=True).first()


class PendingResponse(models.Model):
    """The durable "not yet rolled up" marker of a response, written in the same transaction.

    A narrow queue row: the rollup job claims responses by deleting their rows (DELETE ...
    RETURNING), so it never updates the wide, many-indexed response row.
    """

    response = models.OneToOneField(
        SurveyResponse,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pending",
        # A foreign key cannot reference the partitioned responses table (PostgreSQL).
        db_constraint=False,
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "response"], name="pending_response_org")]

    def __str__(self):
        return f"pending {self.response_id}"


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
