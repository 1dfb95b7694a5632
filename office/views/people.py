"""People: officer profiles and each member's training plan."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xmo.access import org_object_or_404, org_required
from xmo.models import Membership
from xmo.periods import local_today

from .. import selectors, services
from ..forms import OfficerProfileForm, TrainingForm
from ..models import OfficerProfile, TrainingItem


def _membership(request, pk):
    return get_object_or_404(
        Membership.objects.select_related("user"), organisation=request.organisation, pk=pk
    )


@org_required("view_office")
def people(request):
    org = request.organisation
    members = list(
        Membership.objects.filter(organisation=org)
        .select_related("user")
        .order_by("user__username")
    )
    return render(
        request,
        "office/people.html",
        {
            "team": selectors.team(org, today=local_today(org)),
            "members": members,
            "training_form": TrainingForm(),
        },
    )


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def profile_edit(request, pk):
    membership = _membership(request, pk)
    org = request.organisation
    profile = OfficerProfile.objects.filter(membership=membership).first()
    initial = {"part_time_share": 100, "certification": "ITXM Foundation"}
    if profile:
        initial = {
            "part_time_share": profile.part_time_share,
            "certification": profile.certification,
            "certified_on": profile.certified_on,
            "service_areas": list(profile.service_areas.all()),
        }
    form = OfficerProfileForm(request.POST or None, organisation=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.officer_profile_save(
            actor=request.user, membership=membership, **form.cleaned_data
        )
        messages.success(
            request, _("Profile of %(user)s saved.") % {"user": membership.user.get_username()}
        )
        return redirect("office:people")
    return render(
        request,
        "office/profile_form.html",
        {"form": form, "membership": membership},
        status=400 if request.method == "POST" else 200,
    )


@org_required("edit_office")
@require_POST
def training_add(request):
    member = request.POST.get("member", "")
    form = TrainingForm(request.POST)
    if not member.isdigit() or not form.is_valid():
        messages.error(
            request, _("A training row needs a course and a due date (evidence is a link).")
        )
        return redirect("office:people")
    membership = _membership(request, int(member))
    services.training_save(actor=request.user, membership=membership, **form.cleaned_data)
    messages.success(
        request,
        _("Training added to the plan of %(user)s.") % {"user": membership.user.get_username()},
    )
    return redirect(f"/office/people/#member-{membership.pk}")


@org_required("edit_office")
@require_POST
def training_complete(request, pk):
    item = org_object_or_404(request, TrainingItem, pk=pk)
    form = TrainingForm(
        {
            "course": item.course,
            "due_on": item.due_on,
            "completed_on": request.POST.get("completed_on") or local_today(request.organisation),
            "evidence": request.POST.get("evidence", ""),
        }
    )
    if not form.is_valid():
        messages.error(request, _("Give a completion date and, for evidence, a full link."))
        return redirect("office:people")
    services.training_complete(
        actor=request.user,
        item=item,
        completed_on=form.cleaned_data["completed_on"],
        evidence=form.cleaned_data["evidence"],
    )
    messages.success(request, _("“%(course)s” marked complete.") % {"course": item.course})
    return redirect(f"/office/people/#member-{item.membership_id}")


@org_required("edit_office")
@require_POST
def training_remove(request, pk):
    item = org_object_or_404(request, TrainingItem, pk=pk)
    services.training_delete(actor=request.user, item=item)
    messages.success(request, _("“%(course)s” removed from the plan.") % {"course": item.course})
    return redirect(f"/office/people/#member-{item.membership_id}")
