"""The XLA list, the review list, an XLA's page and a new XLA."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from experience.predictions import predicted_misses
from xmo.access import org_required
from xmo.pagination import page_of
from xmo.periods import local_today

from .. import scores, selectors, services
from ..choices import VersionStatus
from ..forms import ApproveForm, RejectForm, XLAForm, indicator_formset
from ..models import XLA
from .common import HISTORY_ROWS, PAGE_SIZE, error_text


@org_required("view_xlas")
def xla_list(request):
    org = request.organisation
    awaiting = request.GET.get("awaiting") == "approval"
    page = page_of(request, selectors.xla_list(org, awaiting_approval=awaiting), PAGE_SIZE)
    figures = scores.latest_figures(org, [x.pk for x in page.object_list])
    for xla in page.object_list:
        xla.figure = figures.get(xla.pk)
    template = "xlas/_xla_rows.html" if request.htmx else "xlas/xla_list.html"
    query = "awaiting=approval" if awaiting else ""
    context = {"page": page, "today": local_today(org), "awaiting": awaiting, "query": query}
    return render(request, template, context)


@org_required("view_xlas")
def review_list(request):
    today = local_today(request.organisation)
    page = page_of(request, selectors.xlas_due_for_review(request.organisation, today), PAGE_SIZE)
    template = "xlas/_review_rows.html" if request.htmx else "xlas/review_list.html"
    return render(
        request,
        template,
        {"page": page, "today": today, "window": selectors.REVIEW_WINDOW_DAYS},
    )


def _indicator_sections(xla, versions):
    """Per indicator key: its latest definition, evaluations (table) and chart."""
    shown = next((v for v in versions if v.status == VersionStatus.ACTIVE), None) or (
        versions[0] if versions else None
    )
    evaluations = defaultdict(list)
    for evaluation in selectors.indicator_history(xla, indicator_key=None):
        evaluations[evaluation.indicator_key].append(evaluation)
    sections = []
    for indicator in shown.indicator_list if shown else []:
        history = [e for e in evaluations.get(indicator.key, []) if e.period == indicator.period]
        sections.append(
            {
                "indicator": indicator,
                "rows": list(reversed(history[-HISTORY_ROWS:])),
                "chart_id": f"chart-{indicator.key}",
                "figure": selectors.history_figure(history[-104:]) if history else None,
                "targets": [
                    (v, next((i for i in v.indicator_list if i.key == indicator.key), None))
                    for v in versions
                ],
            }
        )
    return shown, sections


@org_required("view_xlas")
def xla_detail(request, pk):
    xla = get_object_or_404(
        XLA.objects.select_related("owner").prefetch_related("services", "personas"),
        pk=pk,
        organisation=request.organisation,
    )
    versions = selectors.xla_versions(xla)
    shown, sections = _indicator_sections(xla, versions)
    audit_page = page_of(request, selectors.xla_audit_events(xla, versions), 20, "audit_page")
    if request.htmx and request.GET.get("audit_page"):
        return render(request, "xlas/_audit_events.html", {"xla": xla, "audit_page": audit_page})
    return render(
        request,
        "xlas/xla_detail.html",
        {
            "xla": xla,
            "versions": versions,
            "shown": shown,
            "sections": sections,
            "audit_page": audit_page,
            "score_figures": scores.recent_figures(request.organisation, xla.pk),
            "has_active": any(v.status == VersionStatus.ACTIVE for v in versions),
            "has_proposal": any(v.status == VersionStatus.PROPOSED for v in versions),
            "drafts": [v for v in versions if v.status == VersionStatus.DRAFT],
            "proposals": [v for v in versions if v.status == VersionStatus.PROPOSED],
            "approve_form": ApproveForm(),
            "reject_form": RejectForm(),
            "predicted_misses": predicted_misses(
                request.organisation, xla.services.all(), shown.indicator_list if shown else []
            ),
            "xla_personas": list(xla.personas.all()),
        },
    )


@org_required("edit_xla_drafts")
def xla_create(request):
    org = request.organisation
    form = XLAForm(request.POST or None, organisation=org)
    formset = indicator_formset(
        organisation=org, data=request.POST or None, extra=3 if not request.POST else 0
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            xla = services.xla_create(
                actor=request.user,
                organisation=org,
                **draft_fields(form.cleaned_data),
                indicators=formset.indicators(),
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request, _("XLA “%(name)s” created as a draft (version 1).") % {"name": xla.name}
            )
            return redirect("xlas:xla_detail", pk=xla.pk)
    return render(
        request,
        "xlas/xla_form.html",
        {"form": form, "formset": formset, "title": _("New XLA"), "version": None},
        status=400 if request.method == "POST" else 200,
    )


DRAFT_FIELDS = ("name", "description", "owner", "services", "personas", "review_due", "rationale")


def draft_fields(cleaned: dict) -> dict:
    """The XLA form's fields as the create and draft-update services take them."""
    return {name: cleaned[name] for name in DRAFT_FIELDS}
