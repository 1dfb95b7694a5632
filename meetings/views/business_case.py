"""An initiative's business case: its measured payback on one printable page, and signing it."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_required

from ..business_cases import business_case_sign
from ..models import ImprovementInitiative
from ..payback import initiative_payback
from .initiatives import can_view_initiatives


def _initiative(request, pk):
    return get_object_or_404(
        ImprovementInitiative.objects.select_related("owner", "organisation").prefetch_related(
            "services"
        ),
        organisation=request.organisation,
        pk=pk,
    )


@can_view_initiatives
def business_case(request, pk):
    initiative = _initiative(request, pk)
    return render(
        request,
        "meetings/business_case.html",
        {
            "initiative": initiative,
            "payback": initiative_payback(initiative),
            "signatures": list(initiative.signatures.select_related("signed_by")),
        },
    )


@require_POST
@org_required("sign_business_cases")
def business_case_sign_view(request, pk):
    initiative = _initiative(request, pk)
    payback = initiative_payback(initiative)
    if payback is None or payback.hours_per_month is None:
        messages.error(request, _("There is no measured payback to sign yet."))
        return redirect("meetings:initiative_business_case", pk=pk)
    business_case_sign(
        actor=request.user,
        initiative=initiative,
        figures=payback.as_dict(),
        note=request.POST.get("note", "")[:2000],
    )
    messages.success(request, _("Business case signed."))
    return redirect("meetings:initiative_business_case", pk=pk)
