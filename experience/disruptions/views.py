"""Pages of the planned disruption register: list, declare, edit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from xmo.access import org_object_or_404, org_required
from xmo.choices import Role
from xmo.pagination import page_of
from xmo.roles import can

from .forms import DisruptionForm
from .models import Disruption
from .selectors import disruptions_list
from .services import disruption_save


@org_required("view_dashboard")
def disruption_list(request):
    page = page_of(request, disruptions_list(request.organisation), size=25)
    return render(
        request,
        "experience/disruptions/list.html",
        {"page": page, "now": timezone.now()},
    )


@org_required("declare_disruptions")
def disruption_create(request):
    return _form(request, Disruption(organisation=request.organisation))


@org_required("declare_disruptions")
def disruption_edit(request, pk):
    disruption = org_object_or_404(request, Disruption, pk=pk)
    if _owner_only(request) and disruption.services.exclude(owner=request.user).exists():
        raise PermissionDenied(_("Only the owner of every affected service may edit it."))
    return _form(request, disruption)


def _owner_only(request) -> bool:
    return request.membership.role == Role.SERVICE_OWNER


def _form(request, disruption):
    org = request.organisation
    owner = request.user if _owner_only(request) else None
    # The form's local times are the organisation's.
    with timezone.override(ZoneInfo(org.time_zone)):
        form = DisruptionForm(
            request.POST or None,
            instance=disruption if disruption.pk else None,
            organisation=org,
            owner=owner,
        )
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            try:
                saved = disruption_save(
                    actor=request.user,
                    organisation=org,
                    data=data,
                    disruption=disruption if disruption.pk else None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Declared “%(title)s”.") % {"title": saved.title})
                return redirect("experience:disruption_list")
        return render(
            request,
            "experience/disruptions/form.html",
            {
                "form": form,
                "disruption": disruption,
                "can_declare": can(request.membership, "declare_disruptions"),
            },
        )
