"""Demo feedback tags and rules, and the officer's triage of recent comments."""

from __future__ import annotations

import datetime
import random

from experience.models import SurveyResponse
from feedback.models import FeedbackTag, FollowUp, Tag, TagRule

from . import text


class FeedbackMixin:
    """Creates tags with keyword rules and tags, highlights and follows up comments."""

    def ensure_tags(self) -> dict:
        result = {}
        for name, slug, color, description, keywords in text.TAGS:
            tag, created = Tag.objects.get_or_create(
                organisation=self.org,
                slug=slug,
                defaults={"name": name, "color": color, "description": description},
            )
            self.add("tags", int(created))
            if created or not TagRule.objects.filter(tag=tag).exists():
                TagRule.objects.create(
                    organisation=self.org,
                    tag=tag,
                    name=f"{name} keywords",
                    patterns="\n".join(keywords),
                    match="phrase",
                    created_by=self.users["officer"],
                )
                self.add("tag rules")
            result[slug] = tag
        return result

    def ensure_feedback_work(self, comments, rng: random.Random):
        """A few comments already tagged, highlighted and followed up, as an officer would."""
        recent = [c for c in comments if c[1] >= self.today - datetime.timedelta(days=60)]
        picks: dict[str, list[str]] = {}
        for _name, slug, _color, _description, keywords in text.TAGS:
            matches = [c[0] for c in recent if any(k in c[3].lower() for k in keywords)]
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
