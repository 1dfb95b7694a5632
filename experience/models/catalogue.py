"""The catalogue: services, personas and operational metrics."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xmo.models import Organisation, slug_validator

from ..choices import (
    Direction,
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
        max_length=100, blank=True, help_text=_("IT area for the monthly experience meeting.")
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
    hourly_cost = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "Cost of one hour of this persona's time (the organisation's currency); "
            "empty: the organisation's default."
        ),
    )
    # Deactivated rather than deleted, so its history stays.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="persona_slug_unique")
        ]

    def __str__(self):
        return self.name


class OperationalMetric(models.Model):
    """A named operational measure (O-data) with unit and direction."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="metrics")
    slug = models.SlugField(max_length=64, validators=[slug_validator])
    name = models.CharField(max_length=200)
    unit = models.CharField(
        max_length=32, blank=True, help_text=_("e.g. hours, %, ms, crashes/100")
    )
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
