"""Objectives and key results: list, create, edit, review, close; key results add/edit/remove."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from xmo.access import org_object_or_404, org_required
from xmo.pagination import page_of
from xmo.periods import local_today

from .. import selectors, services
from ..choices import ObjectiveStatus
from ..forms import KeyResultForm, ObjectiveCloseForm, ObjectiveForm, ObjectiveReviewForm
from ..models import KeyResult, Objective
from ..progress import key_result_progress

STATUS_FILTERS = [("open", gettext_lazy("Open (not done or dropped)")), *ObjectiveStatus.choices]


@org_required("view_office")
def objective_list(request):
    status = request.GET.get("status", "open")
    if status not in dict(STATUS_FILTERS) and status != "all":
        status = "open"
    objectives = selectors.objectives_listed(
        request.organisation, status="" if status == "all" else status
    )
    return render(
        request,
        "office/objective_list.html",
        {"page": page_of(request, objectives), "status": status, "statuses": STATUS_FILTERS},
    )


def _form_page(request, form, objective=None, status=200):
    return render(
        request, "office/objective_form.html", {"form": form, "objective": objective}, status=status
    )


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def objective_create(request):
    org = request.organisation
    form = ObjectiveForm(request.POST or None, initial={"starts_on": local_today(org)})
    if request.method == "POST" and form.is_valid():
        objective = services.objective_save(
            actor=request.user, organisation=org, **form.cleaned_data
        )
        messages.success(request, _("Objective created. Add its key results."))
        return redirect("office:objective_detail", objective.pk)
    return _form_page(request, form, status=400 if request.method == "POST" else 200)


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def objective_edit(request, pk):
    objective = org_object_or_404(request, Objective, pk=pk)
    fields = ["horizon", "title", "description", "starts_on", "due_on"]
    form = ObjectiveForm(request.POST or None, initial={f: getattr(objective, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        services.objective_save(
            actor=request.user,
            organisation=request.organisation,
            objective=objective,
            **form.cleaned_data,
        )
        messages.success(request, _("Objective saved."))
        return redirect("office:objective_detail", objective.pk)
    return _form_page(request, form, objective, status=400 if request.method == "POST" else 200)


@org_required("view_office")
def objective_detail(request, pk):
    objective = org_object_or_404(request, Objective, pk=pk)
    org = request.organisation
    key_results = objective.key_results.select_related("xla", "service", "persona")
    progress = key_result_progress(org, key_results)
    today = local_today(org)
    return render(
        request,
        "office/objective_detail.html",
        {
            "objective": objective,
            "progress": progress,
            "review_form": ObjectiveReviewForm(initial={"status": objective.status}),
            "close_form": ObjectiveCloseForm(initial={"closed_on": today}),
            "is_closed": objective.closed_on is not None,
        },
    )


@org_required("edit_office")
@require_POST
def objective_review(request, pk):
    objective = org_object_or_404(request, Objective, pk=pk)
    form = ObjectiveReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A review needs a status and a note."))
        return redirect("office:objective_detail", objective.pk)
    services.objective_review(
        actor=request.user,
        objective=objective,
        reviewed_on=local_today(request.organisation),
        **form.cleaned_data,
    )
    messages.success(request, _("Review recorded."))
    return redirect("office:objective_detail", objective.pk)


@org_required("edit_office")
@require_POST
def objective_close(request, pk):
    objective = org_object_or_404(request, Objective, pk=pk)
    form = ObjectiveCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose done or dropped and the closing date."))
        return redirect("office:objective_detail", objective.pk)
    services.objective_close(actor=request.user, objective=objective, **form.cleaned_data)
    messages.success(
        request,
        _("Objective closed as %(status)s.") % {"status": objective.get_status_display().lower()},
    )
    return redirect("office:objective_detail", objective.pk)


def _key_result(request, objective_pk, pk=None):
    objective = org_object_or_404(request, Objective, pk=objective_pk)
    if pk is None:
        return objective, None
    return objective, get_object_or_404(KeyResult, objective=objective, pk=pk)


@org_required("edit_office")
@require_http_methods(["GET", "POST"])
def key_result_edit(request, objective_pk, pk=None):
    objective, key_result = _key_result(request, objective_pk, pk)
    org = request.organisation
    initial = {"starts_on": objective.starts_on, "due_on": objective.due_on}
    if key_result:
        initial = {
            f: getattr(key_result, f)
            for f in ("title", "measure", "service", "persona", "start_value", "target_value")
        } | {"starts_on": key_result.starts_on, "due_on": key_result.due_on}
        if key_result.xla_id:
            initial["indicator"] = f"{key_result.xla_id}:{key_result.indicator_key}"
    form = KeyResultForm(request.POST or None, organisation=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_result_save(
                actor=request.user,
                objective=objective,
                key_result=key_result,
                **form.service_fields(),
            )
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.success(request, _("Key result saved."))
            return redirect("office:objective_detail", objective.pk)
    return render(
        request,
        "office/key_result_form.html",
        {"form": form, "objective": objective, "key_result": key_result},
        status=400 if request.method == "POST" else 200,
    )


@org_required("edit_office")
@require_POST
def key_result_remove(request, objective_pk, pk):
    objective, key_result = _key_result(request, objective_pk, pk)
    services.key_result_delete(actor=request.user, key_result=key_result)
    messages.success(request, _("Key result removed."))
    return redirect("office:objective_detail", objective.pk)
