"""The breach list, a breach's page and its work panel (acknowledge, investigate, status).

The panel's actions belong to meetings: the page includes them through meetings' template
tags and meetings' views answer their forms with this panel (`after_breach_write`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_required
from xmo.pagination import page_of, query_without_page

from .. import selectors, services
from ..choices import BreachStatus
from ..filters import BreachFilter
from ..forms import BreachInvestigationForm, BreachStatusForm
from ..models import Breach
from .common import HISTORY_ROWS, PAGE_SIZE, error_text


@org_required("view_breaches")
def breach_list(request):
    org = request.organisation
    mine = request.GET.get("mine") == "1" and request.membership.role == "service_owner"
    breaches = selectors.breach_list(org, mine_user=request.user if mine else None)
    filterset = BreachFilter(request.GET or None, breaches, request=request, organisation=org)
    page = page_of(request, filterset.qs if filterset.is_bound else breaches, PAGE_SIZE)
    context = {
        "page": page,
        "form": filterset.form,
        "mine": mine,
        "query": query_without_page(request),
        "is_service_owner": request.membership.role == "service_owner",
    }
    template = "xlas/_breach_rows.html" if request.htmx else "xlas/breach_list.html"
    return render(request, template, context)


def breach_or_404(request, pk) -> Breach:
    """The organisation's breach with what its pages show; another organisation's is a 404."""
    return get_object_or_404(
        Breach.objects.select_related(
            "xla", "xla__owner", "indicator", "indicator__version", "assignee", "acknowledged_by"
        ),
        pk=pk,
        organisation=request.organisation,
    )


def breach_context(request, breach, **extra):
    org = request.organisation
    may_work = selectors.can_work_breach(request.membership, breach)
    context = {
        "breach": breach,
        "may_work": may_work,
        "transitions": [
            (value, label)
            for value, label in BreachStatus.choices
            if value in services.BREACH_TRANSITIONS.get(breach.status, set())
        ],
        "investigation_form": BreachInvestigationForm(
            organisation=org,
            initial={
                "assignee": breach.assignee_id,
                "investigation_notes": breach.investigation_notes,
                "root_cause": breach.root_cause,
            },
        ),
    }
    context.update(extra)
    return context


@org_required("view_breaches")
def breach_detail(request, pk):
    breach = breach_or_404(request, pk)
    history = selectors.indicator_history(breach, breach.indicator_key, breach.period)
    context = breach_context(
        request,
        breach,
        history=list(reversed(history[-HISTORY_ROWS:])),
        figure=selectors.history_figure(history[-104:]) if history else None,
    )
    return render(request, "xlas/breach_detail.html", context)


def workable_breach(request, pk) -> Breach:
    """The breach, when the signed-in member may work it (an owner of its services)."""
    breach = breach_or_404(request, pk)
    if not selectors.can_work_breach(request.membership, breach):
        raise PermissionDenied(_("Only owners of the XLA's services may work this breach."))
    return breach


def after_breach_write(request, breach, text, level=messages.SUCCESS, status=200, **extra):
    """htmx gets the refreshed work panel; a plain form post goes back to the page."""
    if request.htmx:
        breach = breach_or_404(request, breach.pk)
        context = breach_context(request, breach, notice=text, notice_level=level, **extra)
        return render(request, "xlas/_breach_work.html", context, status=status)
    messages.add_message(request, level, text)
    return redirect("xlas:breach_detail", pk=breach.pk)


@org_required("work_breaches")
@require_POST
def breach_acknowledge(request, pk):
    breach = services.breach_acknowledge(actor=request.user, breach=workable_breach(request, pk))
    return after_breach_write(
        request, breach, _("Breach acknowledged; escalation to leaders is stopped.")
    )


@org_required("work_breaches")
@require_POST
def breach_investigation(request, pk):
    breach = workable_breach(request, pk)
    form = BreachInvestigationForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return after_breach_write(
            request,
            breach,
            _("The investigation could not be saved; see the errors below."),
            messages.ERROR,
            status=400,
            investigation_form=form,
        )
    breach = services.breach_update_investigation(
        actor=request.user, breach=breach, **form.cleaned_data
    )
    return after_breach_write(request, breach, _("Investigation saved."))


@org_required("work_breaches")
@require_POST
def breach_status(request, pk):
    breach = workable_breach(request, pk)
    form = BreachStatusForm(request.POST)
    if not form.is_valid():
        return after_breach_write(
            request, breach, _("Choose a valid status."), messages.ERROR, status=400
        )
    try:
        breach = services.breach_set_status(
            actor=request.user, breach=breach, status=form.cleaned_data["status"]
        )
    except ValidationError as exc:
        return after_breach_write(request, breach, error_text(exc), messages.ERROR, status=400)
    return after_breach_write(
        request,
        breach,
        _("Breach is now %(status)s.") % {"status": breach.get_status_display().lower()},
    )
