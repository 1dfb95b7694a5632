"""Reads for the feedback pages, always scoped to an organisation and the reader's role."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import Count, Exists, F, Func, OuterRef, Prefetch, Q
from django.utils import timezone

from experience.choices import TriageStatus
from experience.models import SurveyResponse
from xmo.choices import Role
from xmo.selectors import organisation_members

from .choices import FollowUpStatus, SuggestionStatus
from .matching import compile_rule, match_spans, names_factor, search_terms
from .models import FeedbackTag, Tag, TagRule, TagSuggestion

NEGATIVE_MAX_SCORE = 6
PREVIEW_DAYS = 90
PREVIEW_LIMIT = 20
SEARCH_CONFIG = "english"


def comment_vector():
    """to_tsvector('english', comment): the exact expression of the GIN index (migration 0003)."""
    return Func(
        F("comment"),
        function="to_tsvector",
        template=f"%(function)s('{SEARCH_CONFIG}'::regconfig, %(expressions)s)",
        output_field=SearchVectorField(),
    )


def search_comments(queryset, text: str):
    """Full-text search on PostgreSQL; a case-insensitive substring search elsewhere."""
    text = (text or "").strip()
    if not text:
        return queryset
    if settings.IS_POSTGRES:
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        return queryset.annotate(comment_search=comment_vector()).filter(comment_search=query)
    return queryset.filter(comment__icontains=text)


def feedback_for(membership):
    """Every feedback item (a response with a comment) the member may see.

    Service owners see only feedback about the services they own.
    """
    queryset = SurveyResponse.objects.filter(organisation_id=membership.organisation_id).exclude(
        comment=""
    )
    if membership.role == Role.SERVICE_OWNER:
        queryset = queryset.filter(service__owner_id=membership.user_id)
    return queryset


def inbox_rows(queryset):
    """Everything a row of the inbox shows, in a bounded number of queries."""
    return queryset.select_related(
        "service", "persona", "follow_up", "follow_up__owner"
    ).prefetch_related(
        Prefetch(
            "tag_links",
            queryset=FeedbackTag.objects.select_related("tag").order_by("tag__name"),
        ),
        Prefetch(
            "tag_suggestions",
            queryset=TagSuggestion.objects.filter(status=SuggestionStatus.PENDING)
            .select_related("tag")
            .order_by("tag__name"),
            to_attr="pending_suggestions",
        ),
    )


def inbox_counts(membership) -> dict:
    """New and untagged items, and the reader's open follow-ups, in one query."""
    queryset = feedback_for(membership)
    tagged = Exists(FeedbackTag.objects.filter(response_id=OuterRef("pk")))
    open_follow_up = Q(follow_up__owner_id=membership.user_id) & ~Q(
        follow_up__status__in=[FollowUpStatus.DONE, FollowUpStatus.NOT_NEEDED]
    )
    return queryset.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(triage_status=TriageStatus.NEW)),
        untagged=Count("pk", filter=~Q(tagged)),
        my_follow_ups=Count("pk", filter=open_follow_up),
    )


def row_for(membership, response_id):
    """One inbox row (for htmx fragments), or None when the member may not see it."""
    return inbox_rows(feedback_for(membership)).filter(pk=response_id).first()


def tags_with_usage(organisation):
    return Tag.objects.filter(organisation=organisation).annotate(
        usage=Count("links", distinct=True),
        pending=Count(
            "suggestions",
            filter=Q(suggestions__status=SuggestionStatus.PENDING),
            distinct=True,
        ),
        rule_count=Count("rules", distinct=True),
    )


def rules_for(organisation):
    return TagRule.objects.filter(organisation=organisation).select_related("tag")


def follow_up_owner_choices(organisation):
    return organisation_members(organisation)


def preview_rule(organisation, *, rule, now=None) -> dict:
    """What a rule would match among the last 90 days of comments: count and the first 20.

    The database narrows the candidates with one substring test per pattern line; word
    boundaries are then checked by the same matcher the suggest_tags job uses.
    """
    patterns = rule.patterns
    regex = compile_rule(patterns, rule.match)
    if regex is None:
        return {"count": 0, "items": [], "days": PREVIEW_DAYS}
    since = (now or timezone.now()) - datetime.timedelta(days=PREVIEW_DAYS)
    narrow = Q()
    for term in search_terms(patterns):
        narrow |= Q(comment__icontains=term)
    candidates = (
        SurveyResponse.objects.filter(organisation=organisation, submitted_at__gte=since)
        .exclude(comment="")
        .filter(narrow)
        .filter(**band_filter(rule))
        .select_related("service")
        .order_by("-submitted_at", "-id")
    )
    count = 0
    items = []
    for response in candidates.iterator(chunk_size=2000):
        spans = match_spans(rule, response.comment)
        if not spans or not names_factor(rule, response.factors):
            continue
        count += 1
        if len(items) < PREVIEW_LIMIT:
            items.append({"response": response, "parts": split_by_spans(response.comment, spans)})
    return {"count": count, "items": items, "days": PREVIEW_DAYS}


def band_filter(rule) -> dict:
    """The score band of a rule as queryset filters."""
    band = {}
    if rule.min_score is not None:
        band["score__gte"] = rule.min_score
    if rule.max_score is not None:
        band["score__lte"] = rule.max_score
    return band


def split_by_spans(text: str, spans) -> list[tuple[str, bool]]:
    """[(piece, is_match)], so the template escapes every piece and marks only the matches."""
    parts = []
    cursor = 0
    for start, end in spans:
        if start > cursor:
            parts.append((text[cursor:start], False))
        parts.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        parts.append((text[cursor:], False))
    return parts
