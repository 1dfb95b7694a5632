"""The planned disruption register."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xmo.models import Organisation


class Disruption(models.Model):
    """A window in which an organisation expects (and accepts) worse experience.

    The window is half-open, [starts_at, ends_at). No persona means every persona of the
    services.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="disruptions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    services = models.ManyToManyField("experience.Service", related_name="disruptions")
    personas = models.ManyToManyField(
        "experience.Persona",
        blank=True,
        related_name="disruptions",
        help_text=_("Leave empty when every persona of the services is affected."),
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    expected_happiness_effect = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Expected change of happiness in points while it lasts (e.g. −15)."),
    )
    expected_lost_time_effect = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Expected change of mean lost time per ticket in minutes (e.g. +30)."),
    )
    expected_effect_notes = models.TextField(
        blank=True, help_text=_("Other measures (operational metrics) and how they will move.")
    )
    mitigation = models.TextField(help_text=_("How the disruption will be eased for the people."))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who approved the disruption."),
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=64, blank=True, help_text=_("Where it was declared: a token's name or empty.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "experience"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "starts_at"], name="disruption_org_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="disruption_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def declared_in_advance(self) -> bool:
        return self.created_at is not None and self.created_at <= self.starts_at
