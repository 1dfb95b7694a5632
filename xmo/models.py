"""The ground floor: organisations (tenants), people and roles, tokens, audit, notifications,
job runs. The office itself (mission, objectives, focus areas, officers) is the office app."""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import JobStatus, ResponsibilityKind, Role, TokenScope

slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$", _("Use lowercase letters, digits and hyphens.")
)


class Organisation(models.Model):
    """A tenant: an internal IT department or one client of a managed service provider."""

    slug = models.SlugField(max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", help_text=_("IANA name; periods are cut in it.")
    )
    escalation_delay_hours = models.PositiveIntegerField(
        default=24, help_text=_("Unacknowledged breaches are escalated to leaders after this.")
    )
    silent_feed_gap_hours = models.PositiveIntegerField(
        default=48,
        help_text=_("A source that usually sends and is silent this long raises an alert."),
    )
    benchmark_happiness = models.FloatField(
        default=75.0,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text=_("Public benchmark shown beside the organisation's happiness."),
    )
    happiness_target = models.FloatField(
        default=70.0, validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    lost_time_target_minutes = models.FloatField(default=180.0, validators=[MinValueValidator(0)])
    currency = models.CharField(
        max_length=3,
        default="EUR",
        # Rows written by code that predates the column (old migrations' states) get it too.
        db_default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as EUR or USD."))],
        help_text=_("ISO 4217 code in which lost time is costed."),
    )
    hourly_cost = models.FloatField(
        default=0.0,
        db_default=0.0,
        validators=[MinValueValidator(0)],
        help_text=_("Cost of one hour of a person's time, for personas without their own cost."),
    )
    data_version = models.PositiveBigIntegerField(
        default=0, help_text=_("Bumped whenever new data is processed; part of cache keys.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(benchmark_happiness__gte=-100) & Q(benchmark_happiness__lte=100),
                name="org_benchmark_range",
            ),
            models.CheckConstraint(
                condition=Q(happiness_target__gte=-100) & Q(happiness_target__lte=100),
                name="org_target_range",
            ),
            models.CheckConstraint(
                condition=Q(lost_time_target_minutes__gte=0), name="org_lost_time_target_nonneg"
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role in one organisation; a person may belong to several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    responsibility_kind = models.CharField(
        max_length=20, choices=ResponsibilityKind.choices, blank=True
    )
    responsibility = models.CharField(
        max_length=300, blank=True, help_text=_("What this person looks after in the XMO.")
    )
    # Set when single sign-on gave this role (an organisation's group → role mapping): the
    # identity provider's groups then decide it at every sign-in.
    managed_by_sso = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class ApiToken(models.Model):
    """A REST client's credential. Only the SHA-256 of the secret is stored."""

    PREFIX = "xmo_"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=12, help_text=_("First characters, to recognise it."))
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, help_text=_("Any of: ingest, read."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_active_name_unique",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    @staticmethod
    def valid_scopes() -> set[str]:
        return set(TokenScope.values)


class AuditEvent(models.Model):
    """Who changed what, when, with the state before and after."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, help_text=_("e.g. xla.proposed, tag.merged"))
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "object_type", "object_id"])]

    def __str__(self):
        return f"{self.action} {self.object_type}:{self.object_id}"


class Notification(models.Model):
    """An in-app notification (and, when emailed_at is set, its e-mail).

    dedupe_key makes every notification happen once even when its job runs twice.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xmo_notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # False when the recipient chose e-mail only for this kind: the row exists for the e-mail
    # job and the record, but the notification centre neither lists nor counts it.
    in_app = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Set when an e-mail is wanted and not yet sent; the send_notification_emails job sends
    # rows whose time has come, and clears it on success or after the last attempt.
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(
                fields=["organisation", "email_next_attempt_at"],
                name="notification_email_due",
                condition=Q(email_next_attempt_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """How one person wants one kind of notification in one organisation (default: both)."""

    class Channel(models.TextChoices):
        BOTH = "both", _("In the app and by e-mail")
        IN_APP = "in_app", _("In the app only")
        EMAIL = "email", _("By e-mail only")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.BOTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "kind"], name="notification_preference_once"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.kind}: {self.channel}"


class UserPreference(models.Model):
    """A person's own settings, across organisations: so far the language of the pages and of
    the notifications and e-mails sent to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xmo_preference"
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Blank: the language your browser asks for."),
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return f"{self.user} · {self.language or 'browser'}"


class JobRun(models.Model):
    """A record of each background job run, visible to admins."""

    name = models.CharField(max_length=64)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="job_runs"
    )
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # The JobLock holder of this run: while its lease lives, the run is really running.
    holder = models.CharField(max_length=120, blank=True)
    # Runs of the same job that found this one holding the lease and did nothing.
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["name", "-started_at"]),
            # Finding runs whose worker died reads only the few running rows.
            models.Index(
                fields=["status"], condition=models.Q(status="running"), name="xmo_jobrun_running"
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.status}"


class JobLock(models.Model):
    """A lease so two workers (or two beats) never run the same job for the same org at once."""

    key = models.CharField(max_length=120, unique=True)
    holder = models.CharField(max_length=120)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self):
        return self.key


# Single sign-on's models live with the rest of it, in the xmo app.
from .sso.models import SsoIdentity, SsoRoleMapping  # noqa: E402, F401
