"""Demo feedback tags and rules, and the officer's triage of recent comments."""

from __future__ import annotations

import datetime
import random

from experience.models import SurveyResponse
from feedback.matching import rule_applies
from feedback.models import FeedbackTag, FollowUp, Tag, TagRule

from .tags import TAGS


def tag_rules() -> list[tuple[str, TagRule]]:
    """[(tag slug, unsaved rule)]: the demo's rules, as seeded and as measured by make stats."""
    return [
        (
            slug,
            TagRule(
                name=f"{name} keywords",
                patterns="\n".join(keywords),
                match="phrase",
                min_score=band[0],
                max_score=band[1],
            ),
        )
        for name, slug, _color, _description, keywords, band in TAGS
    ]


class FeedbackMixin:
    """Creates tags with keyword rules and tags, highlights and follows up comments."""

    def ensure_tags(self) -> dict:
        result = {}
        rules = dict(tag_rules())
        for name, slug, color, description, _keywords, _band in TAGS:
            tag, created = Tag.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={"name": name, "color": color, "description": description},
            )
            self.add("tags", int(created))
            if created or not TagRule.objects.filter(tag=tag).exists():
                rule = rules[slug]
                rule.organisation, rule.tag = self.org, tag
                rule.created_by = self.users["officer"]
                rule.save()
                self.add("tag rules")
            result[slug] = tag
        return result

    def ensure_feedback_work(self, comments, rng: random.Random):
        """A few comments already tagged, highlighted and followed up, as an officer would."""
        recent = [c for c in comments if c[1] >= self.today - datetime.timedelta(days=60)]
        picks: dict[str, list[str]] = {}
        for slug, rule in tag_rules():
            # As an officer would: comments that mean the tag, so within the rule's band.
            matches = [c[0] for c in recent if rule_applies(rule, c[3], c[2])]
            picks[slug] = matches[-6:]
        highlight = [c[0] for c in recent if c[2] >= 9][-4:]
        highlight += [c[0] for c in recent if "VPN" in c[3] and c[2] <= 6][-3:]
        negatives = [c[0] for c in recent if c[2] <= 3][-6:]
        wanted = {eid for ids in picks.values() for eid in ids} | set(highlight) | set(negatives)
        by_external = dict(
            SurveyResponse.objects.filter(
                organisation=self.org, external_id__in=wanted
            ).values_list("external_id", "pk")
        )
        links = [
            FeedbackTag(
                response_id=by_external[eid],
                tag=self.tags[slug],
                source="manual",
                added_by=self.users["officer"],
            )
            for slug, ids in picks.items()
            for eid in ids
        ]
        FeedbackTag.objects.bulk_create(links)
        self.add("tagged comments", len(links))
        SurveyResponse.objects.filter(pk__in=[by_external[e] for e in highlight]).update(
            highlighted=True
        )
        self.add("highlighted comments", len(highlight))
        for number, eid in enumerate(negatives):
            FollowUp.objects.create(
                response_id=by_external[eid],
                owner=self.users["officer"],
                status=("todo", "contacted", "done")[number % 3],
                due_on=self.today + datetime.timedelta(days=3),
                outcome="Called back; the fix was confirmed." if number % 3 == 2 else "",
            )
        SurveyResponse.objects.filter(pk__in=[by_external[e] for e in negatives]).update(
            triage_status="follow_up"
        )
        self.add("follow-ups", len(negatives))
