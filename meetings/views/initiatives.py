"""Improvement initiatives: list, create, edit, and the before/after effect on happiness."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from xmo.access import org_object_or_404, org_required
from xmo.pagination import page_of
from xmo.roles import can

from .. import selectors, services
from ..forms import InitiativeForm
from ..models import ImprovementInitiative
from ..payback import initiative_payback
from .common import PAGE_SIZE


def can_view_initiatives(view):
    """Readers of meetings or of the dashboard may see initiatives."""

    @org_required()
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (
            can(request.membership, "view_meetings") or can(request.membership, "view_dashboard")
        ):
            raise PermissionDenied(_("Your role may not view improvement initiatives."))
        return view(request, *args, **kwargs)

    return wrapper


@can_view_initiatives
def initiative_list(request):
    status = request.GET.get("status", "")
    qs = selectors.initiatives_list(request.organisation)
    if status:
        qs = qs.filter(status=status)
    page = page_of(request, qs, PAGE_SIZE)
    return render(
        request,
        "meetings/initiative_list.html",
        {
            "page": page,
            "status": status,
            "statuses": ImprovementInitiative._meta.get_field("status").choices,
        },
    )


@can_view_initiatives
def initiative_detail(request, pk):
    initiative = get_object_or_404(
        ImprovementInitiative.objects.select_related("owner", "organisation").prefetch_related(
            "services", "xlas"
        ),
        organisation=request.organisation,
        pk=pk,
    )
    return render(
        request,
        "meetings/initiative_detail.html",
        {
            "initiative": initiative,
            "effect": selectors.initiative_effect(initiative),
            "payback": initiative_payback(initiative),
            "actions": list(
                initiative.actions.select_related("owner", "meeting").order_by("due_on")
            ),
        },
    )


@org_required("manage_initiatives")
def initiative_create(request):
    return _form(request, ImprovementInitiative(organisation=request.organisation))


@org_required("manage_initiatives")
def initiative_edit(request, pk):
    return _form(request, org_object_or_404(request, ImprovementInitiative, pk=pk))


def _form(request, initiative):
    org = request.organisation
    form = InitiativeForm(request.POST or None, instance=initiative, organisation=org)
    if request.method == "POST" and form.is_valid():
        saved = services.initiative_save(actor=request.user, organisation=org, form=form)
        messages.success(request, _("Saved “%(title)s”.") % {"title": saved.title})
        return redirect("meetings:initiative_detail", pk=saved.pk)
    return render(
        request, "meetings/initiative_form.html", {"form": form, "initiative": initiative}
    )
