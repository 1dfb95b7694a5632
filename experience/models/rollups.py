"""Rollups: additive aggregates of processed responses per local day (span "day") and local
month (span "month"), at a few grains, so dashboards read a bounded number of rows whatever
the volume. Unused key columns hold "" / 0 so every grain shares one key. A key may have
several rows: incremental runs append one *delta* row per key and chunk, compaction
(experience/rollups/compaction.py) folds them back into one; readers sum the rows of a key.
Written only by the experience/rollups/ package.
"""

from django.db import models

from xmo.models import Organisation

from .catalogue import OperationalMetric, Service


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
