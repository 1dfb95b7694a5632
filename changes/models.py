"""ITSM changes and their measured effect on experience."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from experience.models import Disruption, Service
from xmo.models import Organisation

from .choices import EXPECTED_VERDICT, ExpectedEffect, Verdict

DEFAULT_WINDOW_WEEKS = 2


class Change(models.Model):
    """A change recorded by an ITSM tool (idempotent by external_id) and its verdict.

    The verdict compares the changed services' happiness and lost time before and after
    the change with the organisation's untouched services (difference-in-differences,
    experience/effects.py), once the after window has closed.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="changes")
    external_id = models.CharField(max_length=128)
    title = models.CharField(max_length=300)
    source = models.CharField(
        max_length=64, blank=True, help_text="The tool that recorded it: its token's name."
    )
    services = models.ManyToManyField(Service, related_name="changes")
    implemented_at = models.DateTimeField()
    expected_effect = models.CharField(max_length=8, choices=ExpectedEffect.choices)
    disruption = models.ForeignKey(
        Disruption,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="changes",
        help_text="The planned disruption declared with the change; left out of both windows.",
    )
    window_weeks = models.PositiveSmallIntegerField(
        default=DEFAULT_WINDOW_WEEKS,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Weeks compared before and after the change.",
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_measure = models.CharField(max_length=20, blank=True)
    effect = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    details = models.JSONField(
        default=dict, blank=True, help_text="Windows, comparison services and every measure."
    )
    judged_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-implemented_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"], name="change_external_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "verdict"], name="change_org_verdict"),
            models.Index(fields=["organisation", "implemented_at"], name="change_org_implemented"),
        ]

    def __str__(self):
        return f"{self.external_id}: {self.title}"

    @property
    def expected_verdict(self) -> str:
        return EXPECTED_VERDICT[self.expected_effect]

    @property
    def as_expected(self) -> bool | None:
        if self.verdict in (Verdict.PENDING, Verdict.INSUFFICIENT_DATA):
            return None
        return self.verdict == self.expected_verdict
