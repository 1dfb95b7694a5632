"""Feedback: tags, tag rules and their suggestions, closed-loop follow-up.

A feedback item is a SurveyResponse with a comment; its triage status and highlight flag
live on the response row (experience.SurveyResponse).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from experience.models import SurveyResponse
from xmo.models import Organisation

from .choices import FollowUpStatus, RuleMatch, SuggestionStatus, TagSource


class Tag(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    color = models.CharField(max_length=7, default="#4c6ef5")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="tag_slug_unique"),
            models.UniqueConstraint(fields=["organisation", "name"], name="tag_name_unique"),
        ]

    def __str__(self):
        return self.name


class TagRule(models.Model):
    """Keywords or phrases that suggest a tag for new feedback."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="tag_rules"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=120)
    patterns = models.TextField(help_text=_("One keyword or phrase per line; case is ignored."))
    match = models.CharField(max_length=8, choices=RuleMatch.choices, default=RuleMatch.ANY_KEYWORD)
    # A complaint tag is only meant for unhappy answers: "again" in "fast again" (score 10)
    # is not a fix that did not last. Empty bounds mean any score.
    min_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Lowest score (0–10) the rule applies to.")
    )
    max_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Highest score (0–10) the rule applies to.")
    )
    factors = models.TextField(
        blank=True,
        help_text=_("One factor per line; when set, the response must name one of them."),
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(min_score__isnull=True) | Q(min_score__lte=10))
                & (Q(max_score__isnull=True) | Q(max_score__lte=10))
                & (
                    Q(min_score__isnull=True)
                    | Q(max_score__isnull=True)
                    | Q(min_score__lte=models.F("max_score"))
                ),
                name="tag_rule_score_band",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def pattern_list(self) -> list[str]:
        return [p.strip().lower() for p in self.patterns.splitlines() if p.strip()]

    @property
    def factor_list(self) -> list[str]:
        return [f.strip() for f in self.factors.splitlines() if f.strip()]

    @property
    def score_band(self) -> str:
        """ "0–6", "9–10", "≥ 7" or "" (any score), for display."""
        lo, hi = self.min_score, self.max_score
        if lo is None and hi is None:
            return ""
        if lo is None:
            return f"≤ {hi}"
        if hi is None:
            return f"≥ {lo}"
        return str(lo) if lo == hi else f"{lo}–{hi}"


class FeedbackTag(models.Model):
    # No database constraint: the responses table is partitioned on PostgreSQL, and a foreign
    # key cannot reference it; deletes cascade through Django and partition retention.
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="tag_links", db_constraint=False
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="links")
    source = models.CharField(max_length=8, choices=TagSource.choices, default=TagSource.MANUAL)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "tag"], name="feedback_tag_once")
        ]
        indexes = [models.Index(fields=["tag", "response"])]

    def __str__(self):
        return f"{self.tag} on {self.response_id}"


class TagSuggestion(models.Model):
    response = models.ForeignKey(
        SurveyResponse,
        on_delete=models.CASCADE,
        related_name="tag_suggestions",
        db_constraint=False,  # partitioned table, see FeedbackTag.response
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="suggestions")
    rule = models.ForeignKey(
        TagRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="suggestions"
    )
    status = models.CharField(
        max_length=8, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "tag"], name="suggestion_once")]
        indexes = [
            models.Index(fields=["response"], condition=Q(status="pending"), name="sugg_pending")
        ]

    def __str__(self):
        return f"Suggest {self.tag} for {self.response_id}"


class FollowUp(models.Model):
    """Closed-loop follow-up of a negative response."""

    response = models.OneToOneField(
        SurveyResponse,
        on_delete=models.CASCADE,
        related_name="follow_up",
        db_constraint=False,  # partitioned table, see FeedbackTag.response
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    status = models.CharField(
        max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.TODO
    )
    due_on = models.DateField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Follow-up of {self.response_id}"


class SuggestionCursor(models.Model):
    """How far the suggest_tags job has read an organisation's responses (by response id)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="suggestion_cursor"
    )
    last_response_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Suggestions read up to response {self.last_response_id}"
