"""Settings pages of the catalogue: list, add and edit services, personas, operational metrics.

Admins only (capability manage_organisation); objects are looked up within the current
organisation; every write goes through experience.catalogue.services and is audited.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from xmo.access import org_object_or_404, org_required
from xmo.forms import fresh_copy
from xmo.pagination import page_of

from ..models import OperationalMetric, Persona, Service
from . import services
from .forms import MetricForm, PersonaForm, ServiceForm

CATALOGUE = {
    "services": {
        "model": Service,
        "form": ServiceForm,
        "save": services.service_save,
        "kwarg": "service",
        "singular": "service",
        "saved": _("Service “%(name)s” saved."),
        "edit": _("Edit service “%(name)s”"),
        "add": _("Add service"),
        "new": _("New service"),
        "none": _("No services yet"),
        "title": _("Services"),
        "columns": ["name", "slug", "it_area", "owner", "is_active"],
        "related": ["owner"],
        "empty": _("Add the IT service areas your people use, e.g. Service desk or Laptops."),
    },
    "personas": {
        "model": Persona,
        "form": PersonaForm,
        "save": services.persona_save,
        "kwarg": "persona",
        "singular": "persona",
        "saved": _("Persona “%(name)s” saved."),
        "edit": _("Edit persona “%(name)s”"),
        "add": _("Add persona"),
        "new": _("New persona"),
        "none": _("No personas yet"),
        "title": _("Personas"),
        "columns": ["name", "slug", "description", "is_active"],
        "related": [],
        "empty": _("Add the user segments you report on, e.g. Doers or Field workers."),
    },
    "metrics": {
        "model": OperationalMetric,
        "form": MetricForm,
        "save": services.metric_save,
        "kwarg": "metric",
        "singular": "operational metric",
        "saved": _("Operational metric “%(name)s” saved."),
        "edit": _("Edit operational metric “%(name)s”"),
        "add": _("Add operational metric"),
        "new": _("New operational metric"),
        "none": _("No operational metrics yet"),
        "title": _("Operational metrics"),
        "columns": ["name", "slug", "unit", "direction", "is_active"],
        "related": [],
        "empty": _("Add the operational measures your tools send, e.g. Resolution time."),
    },
}

COLUMN_LABELS = {
    "name": _("Name"),
    "slug": _("Slug"),
    "it_area": _("IT area"),
    "owner": _("Owner"),
    "is_active": _("Active"),
    "description": _("Description"),
    "unit": _("Unit"),
    "direction": _("Direction"),
}


@org_required("manage_organisation")
def catalogue_list(request, kind):
    spec = CATALOGUE[kind]
    queryset = (
        spec["model"]
        .objects.filter(organisation=request.organisation)
        .select_related(*spec["related"])
        .order_by("name")
    )
    page = page_of(request, queryset)
    rows = [
        {"obj": obj, "cells": [_cell(obj, column) for column in spec["columns"]]} for obj in page
    ]
    return render(
        request,
        "experience/catalogue/list.html",
        {
            "tab": kind,
            "kind": kind,
            "spec": spec,
            "page": page,
            "rows": rows,
            "headers": [COLUMN_LABELS[c] for c in spec["columns"]],
        },
    )


def _cell(obj, column):
    value = getattr(obj, column)
    if column == "direction":
        return obj.get_direction_display()
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if value is None or value == "":
        return "—"
    if column == "owner":
        return value.get_full_name() or value.get_username()
    return value


@org_required("manage_organisation")
@require_http_methods(["GET", "POST"])
def catalogue_edit(request, kind, pk=None):
    spec = CATALOGUE[kind]
    org = request.organisation
    instance = org_object_or_404(request, spec["model"], pk=pk) if pk is not None else None
    if request.method == "POST":
        form = spec["form"](
            request.POST,
            instance=fresh_copy(instance) if instance else None,
            organisation=org,
        )
        if form.is_valid():
            try:
                obj = spec["save"](
                    organisation=org,
                    actor=request.user,
                    data=form.cleaned_data,
                    **{spec["kwarg"]: instance},
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, spec["saved"] % {"name": obj.name})
                return redirect(f"settings_{kind}")
        status = 400
    else:
        form = spec["form"](instance=instance, organisation=org)
        status = 200
    return render(
        request,
        "experience/catalogue/form.html",
        {
            "tab": kind,
            "kind": kind,
            "spec": spec,
            "form": form,
            "object": instance,
            "heading": spec["edit"] % {"name": instance.name} if instance else spec["new"],
        },
        status=status,
    )
