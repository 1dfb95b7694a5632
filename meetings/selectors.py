"""Reads for meetings pages, always scoped to an organisation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experience.segments import Segment
from experience.selectors import summary
from experience.stats import Point
from xmo.periods import local_today

from .choices import ActionStatus, Cadence, InitiativeStatus, MeetingStatus
from .models import ActionItem, AgendaItem, ImprovementInitiative, Meeting, MeetingSeries

EFFECT_WEEKS = 8
OPEN = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


def series_list(org):
    return (
        MeetingSeries.objects.filter(organisation=org)
        .annotate(meeting_count=Count("meetings", distinct=True))
        .prefetch_related("services")
        .order_by("cadence", "name")
    )


def meetings_list(org):
    return (
        Meeting.objects.filter(organisation=org)
        .select_related("series")
        .annotate(
            item_count=Count(
                "agenda_items", filter=Q(agenda_items__is_removed=False), distinct=True
            )
        )
    )


def open_actions(org, owner=None):
    qs = ActionItem.objects.filter(organisation=org, status__in=OPEN).select_related(
        "owner", "meeting__series", "breach__xla", "xla", "initiative"
    )
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.order_by(F("due_on").asc(nulls_last=True), "id")


def actions_for(organisation, **source):
    """The actions created from one breach or score drop (`breach=` or `score_drop=`)."""
    return ActionItem.objects.filter(organisation=organisation, **source).select_related("owner")


def drop_agenda_items(drop):
    """The agenda items that carry a score drop, with their meeting and series."""
    return AgendaItem.objects.filter(
        meeting__organisation=drop.organisation_id, source_key=f"drop:{drop.pk}"
    ).select_related("meeting", "meeting__series")


def next_weekly_meeting(organisation):
    """The next planned meeting of the organisation's weekly operational review series."""
    return (
        Meeting.objects.filter(
            organisation=organisation,
            series__cadence=Cadence.WEEKLY,
            series__is_active=True,
            status=MeetingStatus.PLANNED,
            scheduled_for__gte=timezone.now(),
        )
        .select_related("series")
        .order_by("scheduled_for")
        .first()
    )


def initiatives_list(org):
    return (
        ImprovementInitiative.objects.filter(organisation=org)
        .select_related("owner")
        .prefetch_related("services", "xlas")
        .order_by("status", "-started_on", "title")
    )


VERDICTS = {
    "not enough data": gettext_lazy("not enough data"),
    "no clear change": gettext_lazy("no clear change"),
    "improved": gettext_lazy("improved"),
    "worse": gettext_lazy("worse"),
}


@dataclass(frozen=True)
class Effect:
    """Happiness of the linked services before and after an initiative."""

    before_start: datetime.date
    before_end: datetime.date
    after_start: datetime.date
    after_end: datetime.date
    before: Point
    after: Point
    complete: bool
    verdict: str
    explanation: str

    @property
    def verdict_label(self) -> str:
        return str(VERDICTS.get(self.verdict, self.verdict))

    @property
    def change(self):
        if self.before.value is None or self.after.value is None:
            return None
        return self.after.value - self.before.value


def _verdict(before: Point, after: Point) -> tuple[str, str]:
    if not before.n or not after.n or before.value is None or after.value is None:
        return "not enough data", _("There are no responses in one of the two periods yet.")
    if None in (before.ci_low, before.ci_high, after.ci_low, after.ci_high):
        return "no clear change", _("The samples are too small to tell.")
    if after.ci_low > before.ci_high:
        # xgettext:no-python-format
        return "improved", _("Happiness after is higher and the 95 % intervals do not overlap.")
    if after.ci_high < before.ci_low:
        # xgettext:no-python-format
        return "worse", _("Happiness after is lower and the 95 % intervals do not overlap.")
    return (
        "no clear change",
        # xgettext:no-python-format
        _("The 95 % intervals overlap, so the difference may be chance."),
    )


def initiative_effect(initiative: ImprovementInitiative) -> Effect | None:
    """8 weeks before the start against 8 weeks after the start (after the finish if done)."""
    if initiative.started_on is None:
        return None
    org = initiative.organisation
    span = datetime.timedelta(weeks=EFFECT_WEEKS)
    before_end = initiative.started_on
    before_start = before_end - span
    finished = initiative.status == InitiativeStatus.DONE and initiative.finished_on
    after_start = initiative.finished_on if finished else initiative.started_on
    after_end = after_start + span
    segment = Segment(services=tuple(sorted(s.slug for s in initiative.services.all())))
    before = summary(
        org, measure_name="happiness", start=before_start, end=before_end, segment=segment
    )
    after = summary(
        org, measure_name="happiness", start=after_start, end=after_end, segment=segment
    )
    verdict, explanation = _verdict(before, after)
    return Effect(
        before_start=before_start,
        before_end=before_end,
        after_start=after_start,
        after_end=after_end,
        before=before,
        after=after,
        complete=after_end <= local_today(org),
        verdict=verdict,
        explanation=explanation,
    )
