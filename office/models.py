"""The office itself: the XMO of an organisation (mission, phase, services in scope), its
objectives, its quarterly focus areas and its Experience Officers' profiles."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    DutyLevel,
    KeyResultMeasure,
    ObjectiveHorizon,
    ObjectiveStatus,
    Phase,
    ScopeStatus,
)


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
    closed_on = models.DateField(null=True, blank=True)
    reviewed_on = models.DateField(null=True, blank=True, help_text=_("Date of the last review."))
    review_note = models.TextField(blank=True, help_text=_("What the last review concluded."))
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
    quarter_start = models.DateField(help_text=_("First day of the quarter it applies to."))
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
        default=100, help_text=_("Share of working time spent as Experience Officer, in percent.")
    )
    certification = models.CharField(
        max_length=100, blank=True, default="ITXM Foundation", help_text=_("Certificate held.")
    )
    certified_on = models.DateField(
        null=True, blank=True, help_text=_("Date the certificate was obtained.")
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


class PhaseChange(models.Model):
    """A decided change of the office's phase (the task force handing over to the XMO)."""

    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="phase_changes"
    )
    from_phase = models.CharField(max_length=20, choices=Phase.choices)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    decided_on = models.DateField()
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self):
        return (
            f"{self.get_from_phase_display()} → {self.get_to_phase_display()} ({self.decided_on})"
        )


class Duty(models.Model):
    """A line of the responsibility matrix: something the office does."""

    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="office_duties"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    temporary = models.BooleanField(
        default=False, help_text=_("A task-force role: it ends with the hand-over to the XMO.")
    )
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["order", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "title"], name="duty_title_unique")
        ]

    def __str__(self):
        return self.title


class DutyAssignment(models.Model):
    """One cell of the responsibility matrix: a member's part in a duty."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(
        "xmo.Membership", on_delete=models.CASCADE, related_name="duty_assignments"
    )
    level = models.CharField(max_length=1, choices=DutyLevel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["duty", "membership"], name="duty_assignment_unique"),
            models.CheckConstraint(
                condition=Q(level__in=DutyLevel.values), name="duty_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.duty}: {self.level}"


class ServiceScope(models.Model):
    """Where a service stands in the office's scope: pilot, in scope or out."""

    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="service_scopes"
    )
    service = models.OneToOneField(
        "experience.Service", on_delete=models.CASCADE, related_name="scope"
    )
    status = models.CharField(max_length=10, choices=ScopeStatus.choices, default=ScopeStatus.OUT)
    last_reviewed_on = models.DateField(
        null=True, blank=True, help_text=_("Last monthly experience meeting that reviewed it.")
    )
    override_reason = models.TextField(
        blank=True, help_text=_("Why it was put in scope without meeting the readiness checklist.")
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["service__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ScopeStatus.values), name="scope_status_valid"
            )
        ]

    def __str__(self):
        return f"{self.service}: {self.get_status_display()}"


class KeyResult(models.Model):
    """A measurable result of an objective: a measure moving from a start to a target by a date.

    The measure is an XLA indicator (the XLA and the indicator's stable key) or happiness or
    lost time for a segment (a service and/or a persona; none means everyone).
    """

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=20, choices=KeyResultMeasure.choices)
    xla = models.ForeignKey(
        "xlas.XLA", null=True, blank=True, on_delete=models.CASCADE, related_name="key_results"
    )
    indicator_key = models.SlugField(max_length=64, blank=True)
    service = models.ForeignKey(
        "experience.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    persona = models.ForeignKey(
        "experience.Persona", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    start_value = models.FloatField()
    target_value = models.FloatField()
    starts_on = models.DateField()
    due_on = models.DateField()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gt=models.F("starts_on")), name="key_result_dates_ordered"
            ),
            models.CheckConstraint(
                condition=Q(measure="xla_indicator", xla__isnull=False) & ~Q(indicator_key="")
                | ~Q(measure="xla_indicator") & Q(xla__isnull=True),
                name="key_result_measure_fields",
            ),
        ]

    def __str__(self):
        return self.title


class TrainingItem(models.Model):
    """A row of a member's training plan."""

    organisation = models.ForeignKey(
        "xmo.Organisation", on_delete=models.CASCADE, related_name="training_items"
    )
    membership = models.ForeignKey(
        "xmo.Membership", on_delete=models.CASCADE, related_name="training_items"
    )
    course = models.CharField(max_length=200)
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    evidence = models.URLField(
        blank=True, help_text=_("Link to a certificate or record (optional).")
    )

    class Meta:
        ordering = ["due_on", "course"]

    def __str__(self):
        return self.course
