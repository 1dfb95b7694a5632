"""Action lists: open actions and my actions, and their status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_object_or_404, org_required
from xmo.pagination import page_of
from xmo.periods import local_today
from xmo.roles import can

from .. import selectors, services
from ..forms import (
    ActionStatusForm,
)
from ..models import ActionItem


@org_required("view_meetings")
def actions_open(request):
    actions = selectors.open_actions(request.organisation)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        actions = actions.filter(due_on__lt=local_today(request.organisation))
    page = page_of(request, actions, 50)
    return render(
        request,
        "meetings/actions.html",
        {
            "page": page,
            "mine": False,
            "overdue": overdue,
            "extra_query": "overdue=1" if overdue else "",
            "status_form": ActionStatusForm(),
        },
    )


@org_required()
def actions_mine(request):
    page = page_of(request, selectors.open_actions(request.organisation, owner=request.user), 50)
    return render(
        request,
        "meetings/actions.html",
        {"page": page, "mine": True, "status_form": ActionStatusForm()},
    )


@require_POST
@org_required()
def action_status(request, pk):
    action = org_object_or_404(request, ActionItem, pk=pk)
    if action.owner_id != request.user.pk and not can(request.membership, "run_meetings"):
        raise PermissionDenied(_("Only the owner or the XMO team may change this action."))
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown action status."))
    services.action_set_status(
        actor=request.user, action=action, status=form.cleaned_data["status"]
    )
    messages.success(
        request,
        _("“%(title)s” is now %(status)s.")
        % {"title": action.title, "status": action.get_status_display().lower()},
    )
    target = request.POST.get("next", "")
    if target.startswith("/meetings/") and "//" not in target:
        return redirect(target)
    return redirect("meetings:actions_mine")
