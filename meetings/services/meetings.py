"""Series, meetings, attendance, decisions and minutes.

Every write is atomic and audited. Minutes go to attendees through xmo.notifying.notify (each
in their own language) and to the series' extra addresses by send_mail (in the installation's
language), each guarded so it happens once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from office.services import scope_mark_reviewed
from xmo.audit import audit_change, audit_delete
from xmo.i18n import later, later_date
from xmo.notifying import notify
from xmo.services import audit, snapshot

from .. import drafting
from ..choices import Cadence, MeetingStatus
from ..models import Decision, Meeting, MeetingAttendee


def _save_form(*, actor, form, organisation, action_prefix: str):
    creating = form.instance.pk is None
    obj = form.instance
    # A bound ModelForm has already changed the instance in memory: "before" is reread.
    with audit_change(
        obj,
        actor=actor,
        action=f"{action_prefix}.{'created' if creating else 'updated'}",
        organisation=organisation,
        reread=True,
    ):
        obj = form.save(commit=False)
        obj.organisation = organisation
        obj.save()
        form.save_m2m()
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
    audit_delete(
        decision,
        actor=actor,
        action="decision.deleted",
        fields=["text", "communicate"],
        organisation=decision.meeting.organisation,
    )


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


_render_lazy = lazy(render_to_string, str)


def send_minutes(meeting) -> bool:
    # Claim first: whoever sets minutes_sent_at sends; a second close or a retry does not.
    claimed = Meeting.objects.filter(
        pk=meeting.pk, status=MeetingStatus.CLOSED, minutes_sent_at__isnull=True
    ).update(minutes_sent_at=timezone.now())
    if not claimed:
        return False
    context = minutes_context(meeting)
    # Lazy: each attendee's copy is written in their language (xmo.notifying.notify).
    body = _render_lazy("meetings/email/minutes.txt", context)
    title = later(
        _("Minutes: %(series)s, %(date)s"),
        series=meeting.series.name,
        date=later_date(meeting.scheduled_for, "d M Y"),
    )
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
        # Addresses without an account read the installation's language.
        with translation.override(settings.LANGUAGE_CODE):
            title, body = str(title), str(body)
        link = f"{settings.SITE_URL}/meetings/{meeting.pk}/minutes/"
        send_mail(
            subject=f"[XMO] {title}",
            message=f"{body}\n\n{link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=extra,
        )
    return True
