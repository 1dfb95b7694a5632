"""Reads of the office itself, always scoped to one organisation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from experience.models import Service
from xmo.models import Membership
from xmo.periods import next_period_start, period_start

from .choices import ObjectiveStatus
from .models import Duty, DutyAssignment, FocusArea, Objective, OfficerProfile, TrainingItem


def objectives_of(organisation, *, open_only: bool = False):
    """The organisation's objectives; `open_only` leaves out done and dropped ones."""
    qs = Objective.objects.filter(organisation=organisation)
    if open_only:
        qs = qs.exclude(status__in=(ObjectiveStatus.DONE, ObjectiveStatus.DROPPED))
    return qs


def objectives_listed(organisation, *, status: str = ""):
    """Objectives with their number of key results, open ones first."""
    qs = objectives_of(organisation, open_only=status == "open")
    if status and status != "open":
        qs = qs.filter(status=status)
    return qs.annotate(key_result_count=Count("key_results")).order_by(
        "closed_on", "horizon", "due_on", "title"
    )


def focus_areas_from(organisation, quarter_start: datetime.date):
    """Focus areas of the quarter starting on `quarter_start` and of later quarters."""
    return FocusArea.objects.filter(organisation=organisation, quarter_start__gte=quarter_start)


def focus_areas_in_force(organisation, day: datetime.date, *, services=None):
    """(quarter start, focus areas) in force on `day`: those of its quarter, or, until the
    quarterly strategy meeting sets new ones, those of the latest earlier quarter. With
    `services`, only the areas naming one of them or naming none (organisation-wide)."""
    quarter = (
        FocusArea.objects.filter(
            organisation=organisation, quarter_start__lte=period_start(day, "quarter")
        )
        .order_by("-quarter_start")
        .values_list("quarter_start", flat=True)
        .first()
    )
    if quarter is None:
        return None, []
    qs = FocusArea.objects.filter(organisation=organisation, quarter_start=quarter)
    if services is not None:
        qs = qs.filter(Q(services__in=list(services)) | Q(services__isnull=True)).distinct()
    return quarter, list(qs.prefetch_related("services").order_by("title"))


def planned_quarter(day: datetime.date) -> datetime.date:
    """The quarter a quarterly strategy meeting on `day` plans: the one it is held in when held
    in the quarter's first half (it reviews the quarter just closed), else the next one."""
    this_quarter = period_start(day, "quarter")
    following = next_period_start(this_quarter, "quarter")
    return this_quarter if (day - this_quarter) < (following - day) else following


@dataclass
class Matrix:
    members: list
    duties: list
    ended: list
    cells: dict = field(default_factory=dict)  # (duty_id, membership_id) -> level

    def rows(self):
        for duty in self.duties:
            yield duty, [(m, self.cells.get((duty.pk, m.pk), "")) for m in self.members]


def responsibility_matrix(organisation) -> Matrix:
    """Members × duties in force (and the duties that ended, for the record)."""
    duties = list(Duty.objects.filter(organisation=organisation))
    assignments = DutyAssignment.objects.filter(duty__organisation=organisation).values_list(
        "duty_id", "membership_id", "level"
    )
    members = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("user__username")
    )
    return Matrix(
        members=members,
        duties=[d for d in duties if d.ended_on is None],
        ended=[d for d in duties if d.ended_on is not None],
        cells={(d, m): level for d, m, level in assignments},
    )


@dataclass
class TeamMember:
    membership: Membership
    profile: OfficerProfile | None
    training: list
    owned_in_area: list  # services the officer both looks after and owns: a bias to watch
    today: datetime.date

    @property
    def overdue(self) -> list:
        return [t for t in self.training if t.completed_on is None and t.due_on < self.today]

    @property
    def open(self) -> list:
        return [t for t in self.training if t.completed_on is None]

    @property
    def done(self) -> list:
        return [t for t in self.training if t.completed_on is not None]


def team(organisation, *, today: datetime.date) -> list[TeamMember]:
    """Officers (and anyone with a profile or a training plan) with training and bias flags."""
    members = list(
        Membership.objects.filter(organisation=organisation)
        .filter(
            Q(role="officer") | Q(officer_profile__isnull=False) | Q(training_items__isnull=False)
        )
        .distinct()
        .select_related("user", "officer_profile")
        .prefetch_related(
            "officer_profile__service_areas",
            Prefetch("training_items", queryset=TrainingItem.objects.order_by("due_on", "course")),
        )
        .order_by("user__username")
    )
    owned = {}
    for service in Service.objects.filter(
        organisation=organisation, owner_id__in=[m.user_id for m in members]
    ).order_by("name"):
        owned.setdefault(service.owner_id, set()).add(service.pk)
    result = []
    for m in members:
        profile = getattr(m, "officer_profile", None)
        areas = list(profile.service_areas.all()) if profile else []
        result.append(
            TeamMember(
                membership=m,
                profile=profile,
                training=list(m.training_items.all()),
                owned_in_area=[s for s in areas if s.pk in owned.get(m.user_id, set())],
                today=today,
            )
        )
    return result
