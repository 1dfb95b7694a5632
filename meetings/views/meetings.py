"""The meeting itself: agenda, notes, decisions, attendance, minutes, objectives."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from office import selectors as office_selectors
from office import services as office_services
from office.forms import FocusAreaForm, ObjectiveStatusForm
from office.models import Objective
from xmo.access import org_object_or_404, org_required
from xmo.periods import previous_period_start
from xmo.roles import can

from .. import drafting, services
from ..choices import Cadence, MeetingStatus
from ..forms import (
    ActionForm,
    ActionStatusForm,
    AgendaItemForm,
    DecisionForm,
    NotesForm,
)
from ..models import AgendaItem, Decision, Meeting
from ..schedule import describe


def _meeting(request, pk, *, change=False):
    meeting = get_object_or_404(
        Meeting.objects.select_related("series", "organisation"),
        organisation=request.organisation,
        pk=pk,
    )
    if change and not can(request.membership, "run_meetings"):
        raise PermissionDenied(_("Your role may not run meetings."))
    return meeting


def _open_meeting(request, pk):
    meeting = _meeting(request, pk, change=True)
    if meeting.status == MeetingStatus.CLOSED:
        raise PermissionDenied(_("This meeting is closed; its minutes can no longer change."))
    return meeting


def _item(meeting, item_pk):
    return get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)


def _agenda_items(meeting):
    return list(meeting.agenda_items.order_by("order", "id"))


def _editable(request, meeting):
    return can(request.membership, "run_meetings") and meeting.status != MeetingStatus.CLOSED


def _quarter_context(meeting):
    """The quarter the meeting plans (its focus areas go there) and the one it reviews."""
    planned = office_selectors.planned_quarter(drafting.local_date(meeting))
    reviewed = previous_period_start(planned, "quarter")
    return {
        "objectives": list(office_selectors.objectives_of(meeting.organisation)),
        "focus_areas": list(
            office_selectors.focus_areas_from(meeting.organisation, reviewed).order_by(
                "quarter_start", "title"
            )
        ),
        "next_quarter": planned,
        "reviewed_quarter": reviewed,
        "objective_form": ObjectiveStatusForm(),
        "focus_form": FocusAreaForm(),
    }


def _detail_context(request, meeting, action_form=None):
    org = request.organisation
    items = _agenda_items(meeting)
    action_form = action_form or ActionForm(organisation=org, prefix="action")
    attendees = list(meeting.attendees.select_related("user").order_by("user__username"))
    context = {
        "meeting": meeting,
        "items": [i for i in items if not i.is_removed],
        "removed_items": [i for i in items if i.is_removed],
        "editable": _editable(request, meeting),
        "attendees": attendees,
        "decisions": list(meeting.decisions.select_related("agenda_item").order_by("created_at")),
        "actions": list(
            meeting.actions.select_related("owner", "breach__xla", "xla", "initiative").order_by(
                "due_on", "id"
            )
        ),
        "action_form": action_form,
        "decision_form": DecisionForm(prefix="decision"),
        "item_form": AgendaItemForm(prefix="item"),
        "status_form": ActionStatusForm(),
        "rule": describe(meeting.series),
    }
    if context["editable"]:
        context["non_attendees"] = list(
            action_form.fields["owner"].queryset.exclude(pk__in=[a.user_id for a in attendees])
        )
    if meeting.series.cadence == Cadence.QUARTERLY:
        context.update(_quarter_context(meeting))
    return context


@org_required("view_meetings")
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    return render(request, "meetings/meeting_detail.html", _detail_context(request, meeting))


def _agenda_response(request, meeting):
    if request.htmx:
        items = _agenda_items(meeting)
        return render(
            request,
            "meetings/_agenda.html",
            {
                "meeting": meeting,
                "items": [i for i in items if not i.is_removed],
                "removed_items": [i for i in items if i.is_removed],
                "editable": _editable(request, meeting),
            },
        )
    return redirect(f"/meetings/{meeting.pk}/#agenda")


@require_POST
@org_required("view_meetings")
def meeting_draft(request, pk):
    meeting = _open_meeting(request, pk)
    result = services.meeting_draft(actor=request.user, meeting=meeting)
    messages.success(
        request,
        _(
            "Agenda refreshed: %(added)s new item(s), %(updated)s updated. "
            "Items you edited were left as they are."
        )
        % {"added": result["added"], "updated": result["updated"]},
    )
    return redirect("meetings:detail", pk=meeting.pk)


@require_POST
@org_required("view_meetings")
def meeting_attendance(request, pk):
    meeting = _open_meeting(request, pk)
    add_user = None
    if request.POST.get("add_user"):
        if not request.POST["add_user"].isdecimal():
            return HttpResponseBadRequest(_("Choose the person to add from the list."))
        add_user = get_object_or_404(
            ActionForm(organisation=request.organisation).fields["owner"].queryset,
            pk=request.POST["add_user"],
        )
    try:
        present = [int(v) for v in request.POST.getlist("present")]
    except ValueError:
        return HttpResponseBadRequest(_("Attendance must list people by id."))
    if add_user is not None:
        present.append(add_user.pk)
    services.attendance_set(
        actor=request.user, meeting=meeting, present_ids=present, add_user=add_user
    )
    messages.success(request, _("Attendance saved."))
    return redirect(f"/meetings/{meeting.pk}/#attendance")


@require_POST
@org_required("view_meetings")
def item_add(request, pk):
    meeting = _open_meeting(request, pk)
    form = AgendaItemForm(request.POST, prefix="item")
    if not form.is_valid():
        messages.error(request, _("An agenda item needs a title."))
    else:
        services.agenda_item_add(actor=request.user, meeting=meeting, **form.cleaned_data)
    return _agenda_response(request, meeting)


@require_POST
@org_required("view_meetings")
def item_notes(request, pk, item_pk):
    meeting = _open_meeting(request, pk)
    item = _item(meeting, item_pk)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Notes could not be read."))
    fields = {k: v for k, v in form.cleaned_data.items() if k in request.POST}
    services.agenda_item_update(actor=request.user, item=item, **fields)
    if request.htmx:
        visible = list(
            AgendaItem.objects.filter(meeting=meeting, is_removed=False)
            .order_by("order", "id")
            .values_list("pk", flat=True)
        )
        return render(
            request,
            "meetings/_agenda_item.html",
            {
                "item": item,
                "meeting": meeting,
                "editable": True,
                "saved": True,
                "first": bool(visible) and visible[0] == item.pk,
                "last": bool(visible) and visible[-1] == item.pk,
            },
        )
    return redirect(f"/meetings/{meeting.pk}/#item-{item.pk}")


@require_POST
@org_required("view_meetings")
def item_move(request, pk, item_pk):
    meeting = _open_meeting(request, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Direction must be up or down."))
    services.agenda_item_move(actor=request.user, item=_item(meeting, item_pk), direction=direction)
    return _agenda_response(request, meeting)


@require_POST
@org_required("view_meetings")
def item_remove(request, pk, item_pk):
    meeting = _open_meeting(request, pk)
    services.agenda_item_remove(actor=request.user, item=_item(meeting, item_pk))
    return _agenda_response(request, meeting)


@require_POST
@org_required("view_meetings")
def item_restore(request, pk, item_pk):
    meeting = _open_meeting(request, pk)
    services.agenda_item_restore(actor=request.user, item=_item(meeting, item_pk))
    return _agenda_response(request, meeting)


@require_POST
@org_required("view_meetings")
def decision_add(request, pk):
    meeting = _open_meeting(request, pk)
    form = DecisionForm(request.POST, prefix="decision")
    if form.is_valid():
        item = None
        if request.POST.get("agenda_item"):
            item = _item(meeting, request.POST["agenda_item"])
        services.decision_add(
            actor=request.user, meeting=meeting, agenda_item=item, **form.cleaned_data
        )
        messages.success(request, _("Decision recorded."))
    else:
        messages.error(request, _("Write the decision before saving it."))
    return redirect(f"/meetings/{meeting.pk}/#decisions")


@require_POST
@org_required("view_meetings")
def decision_delete(request, pk, decision_pk):
    meeting = _open_meeting(request, pk)
    decision = get_object_or_404(Decision, meeting=meeting, pk=decision_pk)
    services.decision_delete(actor=request.user, decision=decision)
    messages.success(request, _("Decision removed."))
    return redirect(f"/meetings/{meeting.pk}/#decisions")


@require_POST
@org_required("view_meetings")
def action_add(request, pk):
    meeting = _open_meeting(request, pk)
    org = request.organisation
    form = ActionForm(request.POST, organisation=org, prefix="action")
    if form.is_valid():
        services.action_create(
            actor=request.user, organisation=org, meeting=meeting, **form.cleaned_data
        )
        messages.success(request, _("Action recorded."))
        return redirect(f"/meetings/{meeting.pk}/#actions")
    # Show the page again with the errors beside the fields.
    context = _detail_context(request, meeting, action_form=form)
    return render(request, "meetings/meeting_detail.html", context, status=400)


@require_POST
@org_required("view_meetings")
def meeting_close(request, pk):
    meeting = _meeting(request, pk, change=True)
    sent = services.meeting_close(actor=request.user, meeting=meeting)
    if sent:
        messages.success(request, _("Meeting closed. The minutes were e-mailed."))
    else:
        messages.info(request, _("This meeting was already closed; the minutes were sent then."))
    return redirect("meetings:detail", pk=meeting.pk)


@require_POST
@org_required("view_meetings")
def meeting_next(request, pk):
    """Open (and draft) the next meeting of the same series."""
    meeting = _meeting(request, pk, change=True)
    nxt, _ = drafting.meeting_after(meeting)
    if nxt.status != MeetingStatus.CLOSED:
        services.meeting_draft(actor=request.user, meeting=nxt)
    return redirect("meetings:detail", pk=nxt.pk)


@org_required("view_meetings")
def meeting_minutes(request, pk):
    meeting = _meeting(request, pk)
    return render(request, "meetings/minutes.html", services.minutes_context(meeting))


@require_POST
@org_required("view_meetings")
def objective_status(request, pk, objective_pk):
    meeting = _open_meeting(request, pk)
    if meeting.series.cadence != Cadence.QUARTERLY:
        raise PermissionDenied(_("Objectives are updated in quarterly strategy meetings."))
    objective = org_object_or_404(request, Objective, pk=objective_pk)
    form = ObjectiveStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown objective status."))
    office_services.objective_set_status(
        actor=request.user, objective=objective, status=form.cleaned_data["status"]
    )
    messages.success(
        request,
        _("“%(title)s” is now %(status)s.")
        % {"title": objective.title, "status": objective.get_status_display().lower()},
    )
    return redirect(f"/meetings/{meeting.pk}/#objectives")


@require_POST
@org_required("view_meetings")
def focus_area_add(request, pk):
    meeting = _open_meeting(request, pk)
    if meeting.series.cadence != Cadence.QUARTERLY:
        raise PermissionDenied(_("Focus areas are set in quarterly strategy meetings."))
    form = FocusAreaForm(request.POST)
    if form.is_valid():
        quarter = _quarter_context(meeting)["next_quarter"]
        office_services.focus_area_add(
            actor=request.user,
            organisation=request.organisation,
            quarter_start=quarter,
            services=list(meeting.series.services.all()),
            **form.cleaned_data,
        )
        messages.success(request, _("Focus area added for the next quarter."))
    else:
        messages.error(request, _("Give the focus area a title."))
    return redirect(f"/meetings/{meeting.pk}/#focus-areas")


# --- actions ----------------------------------------------------------------------------------
