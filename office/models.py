"""The office itself: the XMO of an organisation (mission, phase, services in scope), its
objectives, its quarterly focus areas and its Experience Officers' profiles."""

from django.db import models
from django.db.models import Q

from .choices import ObjectiveHorizon, ObjectiveStatus, Phase


class Office(models.Model):
    """The XMO of an organisation: its mission, phase and scope."""

    organisation = models.OneToOneField(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="xmo"
    )
    mission = models.TextField(blank=True)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.TASK_FORCE)
    services_in_scope = models.ManyToManyField(
        "experience.Service", blank=True, related_name="offices"
    )
    established_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "XMO"
        verbose_name_plural = "XMOs"

    def __str__(self):
        return f"XMO of {self.organisation}"


class Objective(models.Model):
    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="objectives"
    )
    horizon = models.CharField(max_length=3, choices=ObjectiveHorizon.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ObjectiveStatus.choices, default=ObjectiveStatus.OPEN
    )
    starts_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["horizon", "due_on", "title"]

    def __str__(self):
        return self.title


class FocusArea(models.Model):
    """A quarterly focus area, set in the quarterly strategy meeting."""

    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="focus_areas"
    )
    quarter_start = models.DateField(help_text="First day of the quarter it applies to.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    services = models.ManyToManyField("experience.Service", blank=True, related_name="focus_areas")

    class Meta:
        ordering = ["-quarter_start", "title"]

    def __str__(self):
        return self.title


class OfficerProfile(models.Model):
    """An Experience Officer's profile within one organisation."""

    membership = models.OneToOneField(
        "xmo.Membership", on_delete=models.CASCADE, related_name="officer_profile"
    )
    part_time_share = models.PositiveSmallIntegerField(
        default=100, help_text="Share of working time spent as Experience Officer, in percent."
    )
    certified_on = models.DateField(
        null=True, blank=True, help_text="ITXM Foundation certification date."
    )
    service_areas = models.ManyToManyField(
        "experience.Service", blank=True, related_name="officer_profiles"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(part_time_share__gte=1) & Q(part_time_share__lte=100),
                name="officer_share_range",
            )
        ]

    def __str__(self):
        return f"Officer profile of {self.membership.user}"
