"""Writes for meetings: series, agendas, attendance, decisions, actions, minutes, initiatives.

Every function is atomic and writes an audit event. E-mails go through xmo.services.notify
(people) or send_mail (extra addresses), each guarded so it happens once.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from office.services import scope_mark_reviewed
from xmo import webhooks
from xmo.periods import local_today
from xmo.services import audit, notify, snapshot

from . import drafting
from .choices import ActionStatus, Cadence, MeetingStatus
from .models import ActionItem, AgendaItem, Decision, Meeting, MeetingAttendee

logger = logging.getLogger(__name__)

ACTION_FIELDS = ["title", "owner", "due_on", "status", "breach", "xla", "initiative"]
ACTION_CREATED_FIELDS = [*ACTION_FIELDS, "score_drop", "meeting"]
REMINDER_DAYS = 2


def _save_form(*, actor, form, organisation, action_prefix: str):
    creating = form.instance.pk is None
    before = None if creating else snapshot(type(form.instance).objects.get(pk=form.instance.pk))
    obj = form.save(commit=False)
    obj.organisation = organisation
    obj.save()
    form.save_m2m()
    audit(
        organisation=organisation,
        actor=actor,
        action=f"{action_prefix}.{'created' if creating else 'updated'}",
        obj=obj,
        before=before,
        after=snapshot(obj),
    )
    return obj


@transaction.atomic
def series_save(*, actor, organisation, form):
    return _save_form(actor=actor, form=form, organisation=organisation, action_prefix="series")


@transaction.atomic
def initiative_save(*, actor, organisation, form):
    return _save_form(actor=actor, form=form, organisation=organisation, action_prefix="initiative")


def meeting_next(*, actor, series):
    """The series' next meeting, created (with its default attendees) if missing."""
    with transaction.atomic():
        meeting, created = drafting.ensure_next_meeting(series)
        if created:
            audit(
                organisation=series.organisation,
                actor=actor,
                action="meeting.created",
                obj=meeting,
                after={"scheduled_for": meeting.scheduled_for.isoformat()},
            )
    return meeting


def meeting_draft(*, actor, meeting) -> dict:
    result = drafting.draft_agenda(meeting)
    audit(
        organisation=meeting.organisation,
        actor=actor,
        action="meeting.drafted",
        obj=meeting,
        after=result,
    )
    return result


@transaction.atomic
def attendance_set(*, actor, meeting, present_ids, add_user=None):
    if add_user is not None:
        MeetingAttendee.objects.get_or_create(meeting=meeting, user=add_user)
    present_ids = {int(pk) for pk in present_ids}
    attendees = list(meeting.attendees.all())
    before = {a.user_id: a.present for a in attendees}
    for attendee in meeting.attendees.all():
        present = attendee.user_id in present_ids
        if attendee.present != present:
            attendee.present = present
            attendee.save(update_fields=["present"])
    after = dict(meeting.attendees.values_list("user_id", "present"))
    audit(
        organisation=meeting.organisation,
        actor=actor,
        action="meeting.attendance",
        obj=meeting,
        before={str(k): v for k, v in before.items()},
        after={str(k): v for k, v in after.items()},
    )


@transaction.atomic
def agenda_item_update(*, actor, item, **fields):
    """A person edits an item: re-drafting leaves it alone from now on."""
    before = snapshot(item, list(fields))
    for name, value in fields.items():
        setattr(item, name, value)
    item.edited_at = timezone.now()
    item.save(update_fields=[*fields, "edited_at"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.updated",
        obj=item,
        before=before,
        after=snapshot(item, list(fields)),
    )
    return item


@transaction.atomic
def agenda_item_add(*, actor, meeting, title, body="", section=""):
    top = AgendaItem.objects.filter(meeting=meeting).aggregate(m=Max("order"))["m"]
    item = AgendaItem.objects.create(
        meeting=meeting,
        title=title,
        body=body,
        section=section,
        order=0 if top is None else top + 1,
        edited_at=timezone.now(),
    )
    audit(
        organisation=meeting.organisation,
        actor=actor,
        action="agenda_item.added",
        obj=item,
        after=snapshot(item, ["title", "section", "body"]),
    )
    return item


@transaction.atomic
def agenda_item_remove(*, actor, item):
    item.is_removed = True
    item.edited_at = timezone.now()
    item.save(update_fields=["is_removed", "edited_at"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.removed",
        obj=item,
        before={"is_removed": False},
        after={"is_removed": True},
    )


@transaction.atomic
def agenda_item_restore(*, actor, item):
    item.is_removed = False
    item.save(update_fields=["is_removed"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.restored",
        obj=item,
        before={"is_removed": True},
        after={"is_removed": False},
    )


@transaction.atomic
def agenda_item_move(*, actor, item, direction: str):
    """Swap the item with its visible neighbour; orders are renumbered 0..n first."""
    items = list(
        AgendaItem.objects.select_for_update()
        .filter(meeting_id=item.meeting_id, is_removed=False)
        .order_by("order", "id")
    )
    ids = [i.pk for i in items]
    if item.pk not in ids:
        return
    index = ids.index(item.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, entry in enumerate(items):
        if entry.order != position:
            entry.order = position
            entry.save(update_fields=["order"])
    audit(
        organisation=item.meeting.organisation,
        actor=actor,
        action="agenda_item.moved",
        obj=item,
        before={"position": index},
        after={"position": target},
    )


@transaction.atomic
def decision_add(*, actor, meeting, text, communicate=False, agenda_item=None):
    decision = Decision.objects.create(
        meeting=meeting,
        text=text,
        communicate=communicate,
        agenda_item=agenda_item,
        created_by=actor,
    )
    audit(
        organisation=meeting.organisation,
        actor=actor,
        action="decision.created",
        obj=decision,
        after=snapshot(decision, ["text", "communicate", "agenda_item"]),
    )
    return decision


@transaction.atomic
def decision_delete(*, actor, decision):
    before = snapshot(decision, ["text", "communicate"])
    audit(
        organisation=decision.meeting.organisation,
        actor=actor,
        action="decision.deleted",
        obj=decision,
        before=before,
    )
    decision.delete()


@transaction.atomic
def action_create(
    *,
    actor,
    organisation,
    title: str,
    owner,
    due_on,
    breach=None,
    score_drop=None,
    meeting=None,
    xla=None,
    initiative=None,
    description: str = "",
    status: str = ActionStatus.OPEN,
) -> ActionItem:
    """The one way to create an action item: from a meeting, a breach or a score drop.

    An action from a breach is linked to the breach's XLA too. The owner (when it is not the
    creator) is told once the transaction commits, in the app and by e-mail.
    """
    if breach is not None and xla is None:
        xla = breach.xla
    action = ActionItem.objects.create(
        organisation=organisation,
        title=title,
        description=description,
        owner=owner,
        due_on=due_on,
        status=status,
        breach=breach,
        score_drop=score_drop,
        meeting=meeting,
        xla=xla,
        initiative=initiative,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(
        organisation=organisation,
        actor=actor,
        action="action.created",
        obj=action,
        after=snapshot(action, ACTION_CREATED_FIELDS),
    )
    if action.owner_id and action.owner_id != getattr(actor, "pk", None):
        transaction.on_commit(lambda: _notify_assigned(action))
    return action


def _action_url(action) -> str:
    """Where the owner works on the action: the breach or drop it came from, else their list."""
    if action.breach_id:
        return reverse("xlas:breach_detail", args=[action.breach_id])
    if action.score_drop_id:
        return reverse("experience:drop_detail", args=[action.score_drop_id])
    return "/meetings/actions/mine/"


def _notify_assigned(action):
    notify(
        organisation=action.organisation,
        recipients=[action.owner],
        kind="action.assigned",
        title=f"Action for you: {action.title}",
        body=f"Due {action.due_on:%d %b %Y}." if action.due_on else "",
        url=_action_url(action),
        dedupe_key=f"action-assigned:{action.pk}",
    )


@transaction.atomic
def action_set_status(*, actor, action, status):
    if status not in ActionStatus.values:
        raise ValueError(f"Unknown status {status!r}")
    before = snapshot(action, ["status"])
    action.status = status
    action.completed_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "completed_at"])
    audit(
        organisation=action.organisation,
        actor=actor,
        action="action.status",
        obj=action,
        before=before,
        after=snapshot(action, ["status"]),
    )
    return action


def minutes_context(meeting) -> dict:
    items = list(meeting.agenda_items.filter(is_removed=False).order_by("order", "id"))
    return {
        "meeting": meeting,
        "items": items,
        "attendees": list(meeting.attendees.select_related("user").order_by("user__username")),
        "decisions": list(meeting.decisions.order_by("created_at", "id")),
        "actions": list(meeting.actions.select_related("owner").order_by("due_on", "id")),
        "site_url": settings.SITE_URL,
    }


def meeting_close(*, actor, meeting) -> bool:
    """Close the meeting and e-mail its minutes once. Returns True if minutes were sent now."""
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != MeetingStatus.CLOSED:
            before = {"status": locked.status}
            locked.status = MeetingStatus.CLOSED
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at"])
            audit(
                organisation=locked.organisation,
                actor=actor,
                action="meeting.closed",
                obj=locked,
                before=before,
                after={"status": locked.status},
            )
            if locked.series.cadence == Cadence.MONTHLY:  # the services it reviewed
                scope_mark_reviewed(
                    organisation=locked.organisation,
                    services=locked.series.services.all(),
                    reviewed_on=drafting.local_date(locked),
                )
    meeting.refresh_from_db()
    return send_minutes(meeting)


def send_minutes(meeting) -> bool:
    # Claim first: whoever sets minutes_sent_at sends; a second close or a retry does not.
    claimed = Meeting.objects.filter(
        pk=meeting.pk, status=MeetingStatus.CLOSED, minutes_sent_at__isnull=True
    ).update(minutes_sent_at=timezone.now())
    if not claimed:
        return False
    context = minutes_context(meeting)
    body = render_to_string("meetings/email/minutes.txt", context)
    title = f"Minutes: {meeting.series.name}, {meeting.scheduled_for:%d %b %Y}"
    people = [a.user for a in context["attendees"]]
    notify(
        organisation=meeting.organisation,
        recipients=people,
        kind="meeting.minutes",
        title=title,
        body=body,
        url=f"/meetings/{meeting.pk}/minutes/",
        dedupe_key=f"meeting-minutes:{meeting.pk}",
    )
    known = {u.email.lower() for u in people if u.email}
    extra = [
        line.strip()
        for line in meeting.series.minutes_recipients.splitlines()
        if line.strip() and line.strip().lower() not in known
    ]
    if extra:
        link = f"{settings.SITE_URL}/meetings/{meeting.pk}/minutes/"
        send_mail(
            subject=f"[XMO] {title}",
            message=f"{body}\n\n{link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=extra,
        )
    return True


def send_action_reminders(org, today: datetime.date | None = None) -> dict:
    """E-mail each owner once per action, two days before it is due (or later if missed)."""
    today = today or local_today(org)
    window_end = today + datetime.timedelta(days=REMINDER_DAYS)
    due = ActionItem.objects.filter(
        organisation=org,
        status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
        owner__isnull=False,
        reminder_sent_at__isnull=True,
        due_on__gte=today,
        due_on__lte=window_end,
    ).select_related("owner")
    sent = 0
    for action in due:
        claimed = ActionItem.objects.filter(pk=action.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=timezone.now()
        )
        if not claimed:
            continue
        notify(
            organisation=org,
            recipients=[action.owner],
            kind="action.reminder",
            title=f"Action due {action.due_on:%d %b %Y}: {action.title}",
            body="This action from an XMO meeting is due soon. Update its status when done.",
            url="/meetings/actions/mine/",
            dedupe_key=f"action-reminder:{action.pk}:{action.due_on.isoformat()}",
        )
        sent += 1
    result = {"reminders": sent}
    announced = _announce_overdue(org, today)
    if announced:
        result["overdue_announced"] = announced
    return result


def _announce_overdue(org, today: datetime.date) -> int:
    """The `action.overdue` webhook, once per action and due date."""
    if not webhooks.subscribed(org.pk, webhooks.events.ACTION_OVERDUE):
        return 0
    overdue = ActionItem.objects.filter(
        organisation=org,
        status__in=(ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
        due_on__lt=today,
    ).select_related("owner")
    queued = 0
    for action in overdue:
        queued += webhooks.emit(
            organisation_id=org.pk,
            event=webhooks.events.ACTION_OVERDUE,
            key=f"action:{action.pk}:{action.due_on.isoformat()}",
            payload={
                "id": action.pk,
                "title": f"Action overdue since {action.due_on:%d %b %Y}: {action.title}",
                "url": webhooks.absolute_url("/meetings/actions/"),
                "due_on": action.due_on,
                "status": action.status,
                "owner": action.owner.get_username() if action.owner else None,
                "meeting_id": action.meeting_id,
            },
        )
    return queued
