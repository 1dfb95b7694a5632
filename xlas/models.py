"""XLAs with versioned targets, their indicators, evaluations and breaches."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from experience.choices import Direction
from experience.models import OperationalMetric, Persona, Service
from xmo.models import Organisation

from .choices import (
    Aggregation,
    BreachStatus,
    EvaluationStatus,
    IndicatorKind,
    Period,
    SentimentMeasure,
    Severity,
    VersionStatus,
    period_adverb,
    period_of,
)


class XLA(models.Model):
    """An experience commitment for services and personas, with an accountable owner."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="xlas")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_xlas",
        help_text=_("Accountable owner; notified first of breaches."),
    )
    services = models.ManyToManyField(Service, blank=True, related_name="xlas")
    personas = models.ManyToManyField(
        Persona, blank=True, related_name="xlas", help_text=_("Leave empty for every persona.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "XLA"
        verbose_name_plural = "XLAs"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="xla_name_unique")
        ]

    def __str__(self):
        return self.name


def default_review_due():
    return datetime.date.today() + datetime.timedelta(days=365)


class XLAVersion(models.Model):
    """One version of an XLA's targets: draft → proposed → active → retired.

    A version is in force from effective_from until the next active version's effective_from
    (recorded in effective_to when it is retired).
    """

    xla = models.ForeignKey(XLA, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default="draft")
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True)
    rationale = models.TextField(blank=True, help_text=_("Why these targets."))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, help_text=_("Approver's note, or why rejected."))
    review_due = models.DateField(default=default_review_due)
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["xla", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["xla", "number"], name="xla_version_number_unique"),
            models.UniqueConstraint(
                fields=["xla"], condition=Q(status="active"), name="xla_one_active_version"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="xla_version_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_from__isnull=True)
                | Q(effective_to__gt=F("effective_from")),
                name="xla_version_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(baseline_end__isnull=True)
                | Q(baseline_start__isnull=True)
                | Q(baseline_end__gte=F("baseline_start")),
                name="xla_version_baseline_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.xla} v{self.number} ({self.status})"


class Indicator(models.Model):
    """One measure of an XLA version with its target and warning levels.

    `key` identifies the same indicator across versions, so history and breaches follow it.
    """

    version = models.ForeignKey(XLAVersion, on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=IndicatorKind.choices)
    measure = models.CharField(
        max_length=20, choices=SentimentMeasure.choices, blank=True, help_text=_("Sentiment only.")
    )
    metric = models.ForeignKey(
        OperationalMetric,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        help_text=_("Operational only."),
    )
    aggregation = models.CharField(
        max_length=8, choices=Aggregation.choices, blank=True, help_text=_("Operational only.")
    )
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    target = models.FloatField()
    warning = models.FloatField()
    weight = models.FloatField(default=1.0)
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.MONTH)
    min_sample = models.PositiveIntegerField(default=30)
    consecutive_misses = models.PositiveSmallIntegerField(
        default=2, help_text=_("Consecutive missed closed periods that make a breach.")
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="indicator_key_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
            models.CheckConstraint(
                condition=Q(consecutive_misses__gte=1), name="indicator_misses_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="sentiment", metric__isnull=True) & ~Q(measure="")
                    | Q(kind="operational", metric__isnull=False) & ~Q(aggregation="")
                ),
                name="indicator_kind_fields",
            ),
            # The warning level sits on the bad side of the target.
            models.CheckConstraint(
                condition=Q(direction="higher", warning__lte=F("target"))
                | Q(direction="lower", warning__gte=F("target")),
                name="indicator_warning_side",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.version})"

    @property
    def period_adverb(self) -> str:
        return period_adverb(self.period)


class Evaluation(models.Model):
    """An indicator's value for one period, judged by the version in force then."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    xla = models.ForeignKey(XLA, on_delete=models.CASCADE, related_name="evaluations")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="evaluations")
    indicator_key = models.SlugField(max_length=64)
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    period_end = models.DateField(help_text=_("Exclusive."))
    is_closed = models.BooleanField(default=False)
    value = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField(default=0)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    projected_value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=EvaluationStatus.choices)
    disruption = models.ForeignKey(
        "experience.Disruption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="evaluations",
        help_text=_("The declared disruption that acknowledged this period in advance."),
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["xla", "indicator_key", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["xla", "indicator_key", "period", "period_start"],
                name="evaluation_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="evaluation_period_ordered"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "period", "period_start"])]

    def __str__(self):
        return f"{self.indicator_key} {self.period_start}: {self.status}"


class XLAScore(models.Model):
    """Weighted share of an XLA's indicators met in one period (0–100)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    xla = models.ForeignKey(XLA, on_delete=models.CASCADE, related_name="scores")
    version = models.ForeignKey(XLAVersion, on_delete=models.CASCADE, related_name="scores")
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    is_closed = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["xla", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["xla", "period", "period_start"], name="xla_score_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="xla_score_range",
            ),
        ]

    def __str__(self):
        return f"{self.xla} {self.period_start}: {self.score}"


class Breach(models.Model):
    """Raised once per indicator and closed period when the breach rule holds."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="breaches"
    )
    xla = models.ForeignKey(XLA, on_delete=models.CASCADE, related_name="breaches")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="breaches")
    indicator_key = models.SlugField(max_length=64)
    evaluation = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="breaches"
    )
    period = models.CharField(max_length=8, choices=Period.choices)
    period_start = models.DateField()
    value = models.FloatField(null=True, blank=True)
    target = models.FloatField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=14, choices=BreachStatus.choices, default="open")
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text=_("0 not yet notified, 1 owner notified, 2 escalated to leaders.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_breaches",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    root_cause = models.TextField(blank=True)
    investigation_notes = models.TextField(blank=True)
    status_reason = models.TextField(
        blank=True, help_text=_("Why the system changed the status (e.g. withdrawn on re-judging).")
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    disruption = models.ForeignKey(
        "experience.Disruption",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="breaches",
        help_text=_("Acknowledged in advance by this declared disruption: shown, never escalated."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name_plural = "breaches"
        constraints = [
            models.UniqueConstraint(
                fields=["xla", "indicator_key", "period", "period_start"],
                name="breach_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(status__in=BreachStatus.values), name="breach_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"Breach of {self.indicator_key} ({self.xla}) {self.period_start}"

    @property
    def period_phrase(self) -> str:
        """'month of 1 Nov 2026' in the active language."""
        return period_of(self.period, self.period_start)

    @property
    def period_title(self) -> str:
        """'Month of 1 Nov 2026' in the active language."""
        return period_of(self.period, self.period_start, capital=True)
