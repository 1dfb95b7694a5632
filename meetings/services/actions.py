"""Action items, their one owner: create (from a meeting, a breach or a score drop), set
the status, remind owners before the due date and announce overdue actions.

Every write is atomic and audited; the owner is told after commit, in their own language
(the notification texts are lazy). The `action.overdue` webhook payload stays English: it
is read by machines.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xmo import webhooks
from xmo.audit import audit_change
from xmo.i18n import later, later_date
from xmo.notifying import notify
from xmo.periods import local_today
from xmo.services import audit, snapshot

from ..choices import ActionStatus
from ..models import ActionItem

ACTION_FIELDS = ["title", "owner", "due_on", "status", "breach", "xla", "initiative"]
ACTION_CREATED_FIELDS = [*ACTION_FIELDS, "score_drop", "meeting"]
REMINDER_DAYS = 2


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
        title=later(_("Action for you: %(title)s"), title=action.title),
        body=later(_("Due %(date)s."), date=later_date(action.due_on, "d M Y"))
        if action.due_on
        else "",
        url=_action_url(action),
        dedupe_key=f"action-assigned:{action.pk}",
    )


@transaction.atomic
def action_set_status(*, actor, action, status):
    if status not in ActionStatus.values:
        raise ValueError(f"Unknown status {status!r}")
    with audit_change(action, actor=actor, action="action.status", fields=["status"]):
        action.status = status
        action.completed_at = timezone.now() if status == ActionStatus.DONE else None
        action.save(update_fields=["status", "completed_at"])
    return action


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
            title=later(
                _("Action due %(date)s: %(title)s"),
                date=later_date(action.due_on, "d M Y"),
                title=action.title,
            ),
            body=_("This action from an XMO meeting is due soon. Update its status when done."),
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
