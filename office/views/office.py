"""The office page: mission, phase, responsibility matrix, services in scope, team status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from experience.models import Service
from xmo.access import org_object_or_404, org_required
from xmo.models import Membership
from xmo.periods import local_today

from .. import readiness, selectors, services
from ..choices import DutyLevel, Phase
from ..forms import DutyAssignForm, DutyForm, HandOverForm, MissionForm, ScopeForm
from ..models import Duty, PhaseChange


@org_required("view_office")
def office_page(request):
    org = request.organisation
    today = local_today(org)
    office = services.office_ensure(organisation=org)
    rows = readiness.service_readiness(org, today=today)
    objectives = list(selectors.objectives_listed(org, status="open"))
    team = selectors.team(org, today=today)
    focus_quarter, focus_areas = selectors.focus_areas_in_force(org, today)
    context = {
        "office": office,
        "history": list(PhaseChange.objects.filter(organisation=org).select_related("decided_by")),
        "is_task_force": office.phase == Phase.TASK_FORCE,
        "scope_rows": rows,
        "checks": readiness.CHECKS,
        "coverage": readiness.coverage(rows),
        "objectives": objectives,
        "focus_quarter": focus_quarter,
        "focus_areas": focus_areas,
        "team": team,
        "certified": sum(1 for m in team if m.profile and m.profile.certified_on),
        "overdue_training": sum(len(m.overdue) for m in team),
        "open_training": sum(len(m.open) for m in team),
        "matrix": selectors.responsibility_matrix(org),
        "today": today,
    }
    return render(request, "office/office.html", context)


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def mission_edit(request):
    org = request.organisation
    office = services.office_ensure(organisation=org)
    form = MissionForm(request.POST or None, initial={"mission": office.mission})
    if request.method == "POST" and form.is_valid():
        services.office_update_mission(
            actor=request.user, organisation=org, mission=form.cleaned_data["mission"]
        )
        messages.success(request, _("Mission saved."))
        return redirect("office:page")
    status = 400 if request.method == "POST" else 200
    return render(request, "office/mission_form.html", {"form": form}, status=status)


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def hand_over(request):
    org = request.organisation
    office = services.office_ensure(organisation=org)
    form = HandOverForm(request.POST or None, initial={"decided_on": local_today(org)})
    if request.method == "POST" and form.is_valid():
        try:
            services.office_hand_over(actor=request.user, organisation=org, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("The task force handed over to the permanent XMO."))
            return redirect("office:page")
    temporary = Duty.objects.filter(organisation=org, temporary=True, ended_on__isnull=True)
    return render(
        request,
        "office/hand_over.html",
        {"form": form, "office": office, "temporary": list(temporary)},
        status=400 if request.method == "POST" else 200,
    )


@org_required("view_office")
def roles(request):
    """The responsibility matrix on its own, laid out for printing."""
    org = request.organisation
    return render(
        request,
        "office/roles.html",
        {
            "matrix": selectors.responsibility_matrix(org),
            "levels_choices": [("", "—"), *DutyLevel.choices],
            "duty_form": DutyForm(),
            "office": services.office_ensure(organisation=org),
        },
    )


@org_required("edit_office")
@require_POST
def duty_add(request):
    form = DutyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the duty a title (and an order from 0 to 999, or none)."))
        return redirect("office:roles")
    try:
        services.duty_save(
            actor=request.user,
            organisation=request.organisation,
            **(form.cleaned_data | {"order": form.cleaned_data["order"] or 0}),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("office:roles")


@org_required("edit_office")
@require_POST
def duty_remove(request, pk):
    duty = org_object_or_404(request, Duty, pk=pk)
    services.duty_delete(actor=request.user, duty=duty)
    messages.success(request, _("“%(title)s” removed from the matrix.") % {"title": duty.title})
    return redirect("office:roles")


@org_required("edit_office")
@require_POST
def duty_assign(request, pk):
    duty = org_object_or_404(request, Duty, pk=pk)
    form = DutyAssignForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Unknown member or level.")
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        organisation=request.organisation,
        pk=form.cleaned_data["membership"],
    )
    services.duty_assign(
        actor=request.user, duty=duty, membership=membership, level=form.cleaned_data["level"]
    )
    return redirect(f"/office/roles/#duty-{duty.pk}")


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def scope_edit(request, pk):
    org = request.organisation
    service = org_object_or_404(request, Service, pk=pk)
    row = next((r for r in readiness.service_readiness(org) if r.service.pk == service.pk), None)
    if row is None:
        raise Http404("Only active services have a scope.")
    form = ScopeForm(request.POST or None, initial={"status": row.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.scope_set(
                actor=request.user,
                organisation=org,
                service=service,
                ready=row.ready,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error("override_reason", " ".join(exc.messages))
        else:
            messages.success(request, _("%(service)s: scope saved.") % {"service": service.name})
            return redirect("/office/#scope")
    return render(
        request,
        "office/scope_form.html",
        {"form": form, "row": row},
        status=400 if request.method == "POST" else 200,
    )
