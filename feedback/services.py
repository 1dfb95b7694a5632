"""Writes for feedback: tagging, triage, suggestions, follow-up, tags and rules.

Every function is atomic and records an audit event. Callers pass objects already scoped to
the actor's organisation (views look them up through feedback.selectors).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from experience.choices import TriageStatus
from experience.models import SurveyResponse
from xmo.audit import audit_change, audit_delete
from xmo.services import audit, snapshot

from .choices import SuggestionStatus, TagSource
from .models import FeedbackTag, FollowUp, Tag, TagRule, TagSuggestion
from .suggesting import suggestions_create, suggestions_for_rule  # noqa: F401 (public)


class FeedbackError(ValueError):
    """A write that cannot be done as asked; the message is shown to the person."""


# Tagging ------------------------------------------------------------------------------------


def _link(response, tag, *, actor, source) -> bool:
    _link, created = FeedbackTag.objects.get_or_create(
        response=response, tag=tag, defaults={"source": source, "added_by": actor}
    )
    # A pending suggestion for a tag now set by hand is settled by that decision.
    TagSuggestion.objects.filter(
        response=response, tag=tag, status=SuggestionStatus.PENDING
    ).update(status=SuggestionStatus.ACCEPTED, decided_by=actor, decided_at=timezone.now())
    return created


@transaction.atomic
def feedback_tag(*, actor, organisation, responses, tag, source=TagSource.MANUAL) -> int:
    """Add a tag to each response; returns how many links were new."""
    _check_org(organisation, tag)
    ids = []
    for response in responses:
        _check_org(organisation, response)
        if _link(response, tag, actor=actor, source=source):
            ids.append(response.pk)
    if ids:
        audit(
            organisation=organisation,
            actor=actor,
            action="feedback.tagged",
            obj=tag,
            after={"tag": tag.slug, "responses": ids},
        )
    return len(ids)


@transaction.atomic
def feedback_untag(*, actor, organisation, responses, tag) -> int:
    _check_org(organisation, tag)
    ids = [r.pk for r in responses if _check_org(organisation, r)]
    removed = list(
        FeedbackTag.objects.filter(tag=tag, response_id__in=ids).values_list(
            "response_id", flat=True
        )
    )
    if removed:
        FeedbackTag.objects.filter(tag=tag, response_id__in=removed).delete()
        audit(
            organisation=organisation,
            actor=actor,
            action="feedback.untagged",
            obj=tag,
            before={"tag": tag.slug, "responses": removed},
        )
    return len(removed)


@transaction.atomic
def feedback_set_status(*, actor, organisation, responses, status: str) -> int:
    if status not in TriageStatus.values:
        raise FeedbackError(_("Choose a valid status."))
    changed = {}
    for response in responses:
        _check_org(organisation, response)
        if response.triage_status != status:
            changed[response.pk] = response.triage_status
            response.triage_status = status
    if changed:
        SurveyResponse.objects.filter(pk__in=changed).update(triage_status=status)
        audit(
            organisation=organisation,
            actor=actor,
            action="feedback.status_changed",
            object_type="experience.surveyresponse",
            before={"status": changed},
            after={"status": status, "responses": sorted(changed)},
        )
    return len(changed)


@transaction.atomic
def feedback_set_highlight(*, actor, organisation, response, highlighted: bool):
    _check_org(organisation, response)
    if response.highlighted != highlighted:
        before = response.highlighted
        response.highlighted = highlighted
        response.save(update_fields=["highlighted"])
        audit(
            organisation=organisation,
            actor=actor,
            action="feedback.highlighted" if highlighted else "feedback.unhighlighted",
            obj=response,
            before={"highlighted": before},
            after={"highlighted": highlighted},
        )
    return response


# Suggestions --------------------------------------------------------------------------------


@transaction.atomic
def suggestion_accept(*, actor, organisation, suggestion):
    _check_org(organisation, suggestion.tag)
    if suggestion.status != SuggestionStatus.PENDING:
        raise FeedbackError(_("This suggestion was already decided."))
    FeedbackTag.objects.get_or_create(
        response=suggestion.response,
        tag=suggestion.tag,
        defaults={"source": TagSource.RULE, "added_by": actor},
    )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        organisation=organisation,
        actor=actor,
        action="tag_suggestion.accepted",
        obj=suggestion,
        after={"tag": suggestion.tag.slug, "response": suggestion.response_id},
    )
    return suggestion


@transaction.atomic
def suggestion_decline(*, actor, organisation, suggestion):
    _check_org(organisation, suggestion.tag)
    if suggestion.status != SuggestionStatus.PENDING:
        raise FeedbackError(_("This suggestion was already decided."))
    suggestion.status = SuggestionStatus.DECLINED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        organisation=organisation,
        actor=actor,
        action="tag_suggestion.declined",
        obj=suggestion,
        after={"tag": suggestion.tag.slug, "response": suggestion.response_id},
    )
    return suggestion


# Follow-up ----------------------------------------------------------------------------------

FOLLOW_UP_FIELDS = ["owner", "status", "due_on", "contacted_at", "outcome"]


@transaction.atomic
def follow_up_save(*, actor, organisation, response, data: dict) -> FollowUp:
    """Create or update the follow-up of a negative response."""
    _check_org(organisation, response)
    if not response.is_negative:
        raise FeedbackError(_("Only negative responses (score 0–6) are followed up."))
    follow_up = FollowUp.objects.filter(response=response).first()
    if follow_up is None:
        follow_up = FollowUp(response=response)
    with audit_change(
        follow_up,
        actor=actor,
        action="follow_up.saved",
        fields=FOLLOW_UP_FIELDS,
        organisation=organisation,
    ):
        for field in FOLLOW_UP_FIELDS:
            if field in data:
                setattr(follow_up, field, data[field])
        follow_up.save()
        if response.triage_status in (TriageStatus.NEW, TriageStatus.REVIEWED):
            response.triage_status = TriageStatus.FOLLOW_UP
            response.save(update_fields=["triage_status"])
    return follow_up


# Tags ---------------------------------------------------------------------------------------


def unique_tag_slug(organisation, name: str, *, exclude_pk=None) -> str:
    base = slugify(name)[:70] or "tag"
    slug = base
    n = 2
    others = Tag.objects.filter(organisation=organisation).exclude(pk=exclude_pk)
    while others.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


TAG_FIELDS = ["name", "slug", "description", "color"]


@transaction.atomic
def tag_create(*, actor, organisation, name: str, description: str = "", color: str = "") -> Tag:
    name = name.strip()
    if Tag.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise FeedbackError(_("A tag named “%(name)s” already exists.") % {"name": name})
    tag = Tag(
        organisation=organisation,
        name=name,
        slug=unique_tag_slug(organisation, name),
        description=description,
    )
    if color:
        tag.color = color
    tag.save()
    audit(
        organisation=organisation,
        actor=actor,
        action="tag.created",
        obj=tag,
        after=snapshot(tag, TAG_FIELDS),
    )
    return tag


@transaction.atomic
def tag_update(*, actor, tag, name: str, description: str | None = None, color: str = "") -> Tag:
    name = name.strip()
    if (
        Tag.objects.filter(organisation=tag.organisation, name__iexact=name)
        .exclude(pk=tag.pk)
        .exists()
    ):
        raise FeedbackError(_("A tag named “%(name)s” already exists.") % {"name": name})
    with audit_change(tag, actor=actor, action="tag.updated", fields=TAG_FIELDS):
        if name != tag.name:
            tag.name = name
            tag.slug = unique_tag_slug(tag.organisation, name, exclude_pk=tag.pk)
        if description is not None:
            tag.description = description
        if color:
            tag.color = color
        tag.save()
    return tag


@transaction.atomic
def tag_merge(*, actor, source: Tag, target: Tag) -> Tag:
    """Move the links, suggestions and rules of `source` onto `target`, then delete `source`."""
    if source.organisation_id != target.organisation_id:
        raise FeedbackError(_("Tags of different organisations cannot be merged."))
    if source.pk == target.pk:
        raise FeedbackError(_("Choose another tag to merge into."))
    organisation = source.organisation
    before = {
        "source": snapshot(source, TAG_FIELDS) | {"usage": source.links.count()},
        "target": snapshot(target, TAG_FIELDS) | {"usage": target.links.count()},
    }
    target_responses = FeedbackTag.objects.filter(tag=target).values("response_id")
    moved_links = (
        FeedbackTag.objects.filter(tag=source)
        .exclude(response_id__in=target_responses)
        .update(tag=target)
    )
    # A suggestion of the merged tag is redundant where the target is linked or suggested.
    covered = TagSuggestion.objects.filter(tag=target).values("response_id")
    suggestions = TagSuggestion.objects.filter(tag=source)
    suggestions.filter(response_id__in=target_responses).delete()
    suggestions.filter(response_id__in=covered).delete()
    moved_suggestions = suggestions.update(tag=target)
    TagRule.objects.filter(tag=source).update(tag=target)
    source_id = source.pk
    source.delete()  # removes the links that were already on the target
    after = {
        "target": snapshot(target, TAG_FIELDS) | {"usage": target.links.count()},
        "deleted_tag": source_id,
        "moved_links": moved_links,
        "moved_suggestions": moved_suggestions,
    }
    audit(
        organisation=organisation,
        actor=actor,
        action="tag.merged",
        obj=target,
        before=before,
        after=after,
    )
    return target


@transaction.atomic
def tag_delete(*, actor, tag: Tag) -> None:
    audit_delete(
        tag,
        actor=actor,
        action="tag.deleted",
        fields=TAG_FIELDS,
        extra={"usage": tag.links.count()},
    )


# Rules --------------------------------------------------------------------------------------

RULE_FIELDS = [
    "name",
    "tag",
    "patterns",
    "match",
    "min_score",
    "max_score",
    "factors",
    "is_active",
]


@transaction.atomic
def tag_rule_save(*, actor, organisation, rule: TagRule | None, data: dict) -> TagRule:
    if rule is None:
        rule = TagRule(organisation=organisation, created_by=actor)
    with audit_change(
        rule,
        actor=actor,
        action="tag_rule.created" if rule.pk is None else "tag_rule.updated",
        fields=RULE_FIELDS,
        organisation=organisation,
    ):
        for field in RULE_FIELDS:
            if field in data:
                setattr(rule, field, data[field])
        _check_org(organisation, rule.tag)
        rule.save()
    return rule


@transaction.atomic
def tag_rule_set_active(*, actor, rule: TagRule, active: bool) -> TagRule:
    if rule.is_active != active:
        rule.is_active = active
        rule.save(update_fields=["is_active"])
        audit(
            organisation=rule.organisation,
            actor=actor,
            action="tag_rule.activated" if active else "tag_rule.deactivated",
            obj=rule,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return rule


def _check_org(organisation, obj) -> bool:
    if obj.organisation_id != organisation.pk:
        raise FeedbackError(_("That belongs to another organisation."))
    return True
