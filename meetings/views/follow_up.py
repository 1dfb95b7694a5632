"""Actions and agenda entries made from a breach's or a score drop's page.

Meetings own actions and agendas; these views answer the forms that the breach and drop
pages include (through `meetings_tags`) and reply with those pages' own work panels, so
the pages behave as one.
"""

from __future__ import annotations

from django.contrib import messages
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from experience.views.drops import after_drop_write, drop_or_404
from xlas.views.breaches import after_breach_write, workable_breach
from xmo.access import org_required

from .. import services
from ..forms import ActionItemForm


@org_required("work_breaches")
@require_POST
def breach_action_create(request, pk):
    breach = workable_breach(request, pk)
    form = ActionItemForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return after_breach_write(
            request,
            breach,
            _("The action could not be created; see the errors below."),
            messages.ERROR,
            status=400,
            action_form=form,
        )
    services.action_create(
        actor=request.user, organisation=breach.organisation, breach=breach, **form.cleaned_data
    )
    return after_breach_write(request, breach, _("Action created."))


@org_required("review_score_drops")
@require_POST
def drop_action_create(request, pk):
    drop = drop_or_404(request, pk)
    form = ActionItemForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return after_drop_write(
            request,
            drop,
            _("The action needs a title: %(errors)s") % {"errors": form.errors.as_text()},
            messages.ERROR,
            action_form=form,
        )
    services.action_create(
        actor=request.user, organisation=drop.organisation, score_drop=drop, **form.cleaned_data
    )
    return after_drop_write(request, drop, _("Action created."))


@org_required("review_score_drops")
@require_POST
def drop_add_to_agenda(request, pk):
    drop = drop_or_404(request, pk)
    try:
        item, created = services.drop_add_to_agenda(actor=request.user, drop=drop)
    except services.NoPlannedMeeting:
        return after_drop_write(
            request,
            drop,
            _(
                "No weekly meeting is planned yet, so the drop could not be put on an agenda. "
                "Plan the next weekly operational review under Meetings, then try again."
            ),
            messages.WARNING,
        )
    values = {
        "series": item.meeting.series,
        "when": date_format(item.meeting.scheduled_for, "d M Y"),
    }
    text = (
        _("Added to the agenda of %(series)s on %(when)s.")
        if created
        else _("Already on the agenda of %(series)s on %(when)s.")
    ) % values
    return after_drop_write(request, drop, text)
