"""Meeting series per cadence, meetings with drafted agendas, decisions, actions, initiatives."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from experience.models import ScoreDrop, Service
from xlas.models import XLA, Breach
from xmo.models import Organisation

from .choices import ActionStatus, Cadence, InitiativeStatus, MeetingStatus


class ImprovementInitiative(models.Model):
    """Continual-improvement work whose before/after effect on happiness is measured."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="initiatives"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=InitiativeStatus.choices, default=InitiativeStatus.PROPOSED
    )
    started_on = models.DateField(null=True, blank=True)
    finished_on = models.DateField(null=True, blank=True)
    services = models.ManyToManyField(Service, blank=True, related_name="initiatives")
    xlas = models.ManyToManyField(XLA, blank=True, related_name="initiatives")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "title"]

    def __str__(self):
        return self.title


class MeetingSeries(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="meeting_series"
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    name = models.CharField(max_length=200)
    it_area = models.CharField(
        max_length=100, blank=True, help_text=_("Monthly meetings: IT area.")
    )
    services = models.ManyToManyField(Service, blank=True, related_name="meeting_series")
    # Schedule rule: weekly → weekday; monthly → nth weekday of the month (e.g. first Tuesday);
    # quarterly → nth weekday of the quarter's first month.
    weekday = models.PositiveSmallIntegerField(default=1, help_text=_("0 = Monday … 6 = Sunday."))
    nth = models.SmallIntegerField(
        default=1, help_text=_("Which weekday of the month (1–4, or -1 for the last).")
    )
    start_time = models.TimeField(default="10:00")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    default_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meeting_series"
    )
    minutes_recipients = models.TextField(
        blank=True, help_text=_("Extra e-mail addresses (IT teams) for the minutes, one per line.")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["cadence", "name"]
        verbose_name_plural = _("meeting series")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="series_name_unique"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="series_weekday_range"),
        ]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="meetings"
    )
    series = models.ForeignKey(MeetingSeries, on_delete=models.CASCADE, related_name="meetings")
    scheduled_for = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    notes = models.TextField(blank=True)
    drafted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    minutes_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "scheduled_for"], name="meeting_once_per_slot"
            )
        ]

    def __str__(self):
        return f"{self.series} {self.scheduled_for:%Y-%m-%d}"


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendee_once")]

    def __str__(self):
        return f"{self.user} at {self.meeting}"


class AgendaItem(models.Model):
    """An agenda entry; drafted ones carry a source_key so re-drafting never duplicates them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveIntegerField(default=0)
    section = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    evidence_url = models.CharField(max_length=300, blank=True)
    source_key = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    so_what = models.TextField(blank=True, help_text=_("Quarterly findings: why it matters."))
    now_what = models.TextField(blank=True, help_text=_("Quarterly findings: what we do about it."))
    is_removed = models.BooleanField(default=False)
    edited_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Set when a person edits it; re-drafting then leaves it."),
    )

    class Meta:
        ordering = ["meeting", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "source_key"],
                condition=~Q(source_key=""),
                name="agenda_item_source_once",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_finding(self) -> bool:
        """A quarterly finding (it has So what? and What now?), whatever the language."""
        return self.source_key.startswith("finding:") or self.section == "Findings"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    text = models.TextField()
    communicate = models.BooleanField(default=False, help_text=_("To be communicated widely."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.text[:80]


class ActionItem(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ActionStatus.choices, default="open")
    breach = models.ForeignKey(
        Breach, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    xla = models.ForeignKey(
        XLA, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    initiative = models.ForeignKey(
        ImprovementInitiative,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    score_drop = models.ForeignKey(
        ScoreDrop, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["organisation", "owner", "status"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class BusinessCaseSignature(models.Model):
    """A leader's signature under an initiative's measured business case, with the figures
    signed (frozen: later data does not change what was signed)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey(
        ImprovementInitiative, on_delete=models.CASCADE, related_name="signatures"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    figures = models.JSONField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self):
        return f"Business case of {self.initiative} signed by {self.signed_by}"
