"""Tag suggestions from rules: creating them for new comments, and how well each rule does.

The suggest_tags job hands each new comment here once (feedback.jobs keeps the cursor); a
new or edited rule can also be applied to recent comments by an officer. Decisions on the
suggestions (accepted or declined) are the rule's track record: a rule whose suggestions
are mostly declined is flagged on the tag rules page, so the officer narrows or retires it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from experience.models import SurveyResponse
from xmo.services import audit

from .choices import SuggestionStatus
from .matching import rule_applies
from .models import FeedbackTag, TagRule, TagSuggestion

CHUNK = 2000
# A rule is flagged when at least this many of its suggestions were decided and at least
# this share of them were declined: below 20 decisions one bad week flags a good rule.
FLAG_MIN_DECIDED = 20
FLAG_DECLINED_SHARE = 0.6

# (id, comment, score, factors): what a rule looks at in a response.
RESPONSE_FIELDS = ("id", "comment", "score", "factors")


def suggestions_create(*, organisation, response_rows, rules) -> int:
    """Create pending suggestions for rows (id, comment, score, factors); returns how many.

    A response gets at most one suggestion per tag, and none for a tag it already carries
    or that was suggested before (accepted, declined or pending).
    """
    response_rows = list(response_rows)
    if not response_rows or not rules:
        return 0
    ids = [row[0] for row in response_rows]
    taken = set(
        FeedbackTag.objects.filter(response_id__in=ids).values_list("response_id", "tag_id")
    ) | set(TagSuggestion.objects.filter(response_id__in=ids).values_list("response_id", "tag_id"))
    new = []
    for response_id, comment, score, factors in response_rows:
        for rule in rules:
            key = (response_id, rule.tag_id)
            if key in taken or not rule_applies(rule, comment, score, factors):
                continue
            taken.add(key)
            new.append(TagSuggestion(response_id=response_id, tag_id=rule.tag_id, rule=rule))
    if not new:
        return 0
    try:
        with transaction.atomic():
            TagSuggestion.objects.bulk_create(new)
        return len(new)
    except IntegrityError:
        # Another run created some of them at the same moment: add the rest one by one.
        created = 0
        for suggestion in new:
            _suggestion, made = TagSuggestion.objects.get_or_create(
                response_id=suggestion.response_id,
                tag_id=suggestion.tag_id,
                defaults={"rule": suggestion.rule},
            )
            created += made
        return created


@transaction.atomic
def suggestions_for_rule(*, actor, rule: TagRule, since) -> int:
    """Suggest a rule's tag for the comments it matches since a moment (e.g. a new rule)."""
    rows = (
        SurveyResponse.objects.filter(organisation_id=rule.organisation_id, submitted_at__gte=since)
        .exclude(comment="")
        .order_by("id")
        .values_list(*RESPONSE_FIELDS)
    )
    created = 0
    batch = []
    for row in rows.iterator(chunk_size=CHUNK):
        batch.append(row)
        if len(batch) == CHUNK:
            created += suggestions_create(
                organisation=rule.organisation, response_rows=batch, rules=[rule]
            )
            batch = []
    created += suggestions_create(organisation=rule.organisation, response_rows=batch, rules=[rule])
    audit(
        organisation=rule.organisation,
        actor=actor,
        action="tag_rule.applied",
        obj=rule,
        after={"since": since.isoformat(), "suggestions_created": created},
    )
    return created


@dataclass(frozen=True)
class RuleRecord:
    """How a rule's suggestions were decided."""

    accepted: int = 0
    declined: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.accepted + self.declined

    @property
    def declined_share(self) -> float | None:
        return self.declined / self.decided if self.decided else None

    @property
    def declined_percent(self) -> int | None:
        share = self.declined_share
        return None if share is None else round(100 * share)

    @property
    def flagged(self) -> bool:
        return self.decided >= FLAG_MIN_DECIDED and self.declined_share >= FLAG_DECLINED_SHARE


def with_records(rules):
    """Annotate a TagRule queryset with its suggestions' decisions (one query in all)."""
    return rules.annotate(
        n_accepted=Count("suggestions", filter=Q(suggestions__status=SuggestionStatus.ACCEPTED)),
        n_declined=Count("suggestions", filter=Q(suggestions__status=SuggestionStatus.DECLINED)),
        n_pending=Count("suggestions", filter=Q(suggestions__status=SuggestionStatus.PENDING)),
    )


def record_of(rule) -> RuleRecord:
    return RuleRecord(rule.n_accepted, rule.n_declined, rule.n_pending)
