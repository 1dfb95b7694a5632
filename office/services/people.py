"""Officer profiles and training plans, and the training reminders the job sends."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from xmo.audit import audit_change, audit_delete
from xmo.i18n import later, later_date
from xmo.notifying import notify
from xmo.periods import local_today

from ..models import OfficerProfile, TrainingItem

PROFILE_FIELDS = ["part_time_share", "certification", "certified_on", "service_areas"]
TRAINING_FIELDS = ["course", "due_on", "completed_on", "evidence"]
REMINDER_DAYS = 14


@transaction.atomic
def officer_profile_save(*, actor, membership, service_areas=None, **fields) -> OfficerProfile:
    profile = OfficerProfile.objects.filter(membership=membership).first()
    action = "officer_profile.updated" if profile else "officer_profile.created"
    profile = profile or OfficerProfile(membership=membership)
    with audit_change(
        profile,
        actor=actor,
        action=action,
        fields=PROFILE_FIELDS,
        organisation=membership.organisation,
    ):
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
        if service_areas is not None:
            profile.service_areas.set(service_areas)
    return profile


@transaction.atomic
def training_save(*, actor, membership, item: TrainingItem | None = None, **fields):
    item = item or TrainingItem(organisation=membership.organisation, membership=membership)
    with audit_change(
        item,
        actor=actor,
        action="training.updated",
        created_action="training.created",
        fields=TRAINING_FIELDS,
        object_repr=lambda saved: f"{saved.course} ({membership.user.get_username()})",
    ):
        for name, value in fields.items():
            setattr(item, name, value)
        item.save()
    return item


@transaction.atomic
def training_complete(*, actor, item: TrainingItem, completed_on: datetime.date, evidence=""):
    with audit_change(item, actor=actor, action="training.completed", fields=TRAINING_FIELDS):
        item.completed_on = completed_on
        if evidence:
            item.evidence = evidence
        item.save(update_fields=["completed_on", "evidence"])
    return item


@transaction.atomic
def training_delete(*, actor, item: TrainingItem) -> None:
    audit_delete(item, actor=actor, action="training.deleted", fields=TRAINING_FIELDS)


def send_training_reminders(org, today: datetime.date | None = None) -> dict:
    """Tell each member once per course and due date when training is due within two weeks,
    and once more when it is overdue (the notification's dedupe key makes reruns harmless)."""
    today = today or local_today(org)
    due = (
        TrainingItem.objects.filter(
            organisation=org,
            completed_on__isnull=True,
            due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS),
        )
        .select_related("membership__user")
        .order_by("due_on", "id")
    )
    sent = overdue = 0
    for item in due:
        late = item.due_on < today
        stage = "overdue" if late else "due"
        created = notify(
            organisation=org,
            recipients=[item.membership.user],
            kind="training.reminder",
            # Lazy: each member reads it in their own language, the date in its format.
            title=later(
                _("Training overdue since %(date)s: %(course)s")
                if late
                else _("Training due %(date)s: %(course)s"),
                date=later_date(item.due_on, "DATE_FORMAT"),
                course=item.course,
            ),
            body=_("Mark it complete on the office page once done, with a link to the evidence."),
            url="/office/people/",
            dedupe_key=f"training:{item.pk}:{item.due_on.isoformat()}:{stage}",
        )
        if created:
            sent += 1
            overdue += late
    return {"reminders": sent, "overdue": overdue}
