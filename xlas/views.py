"""XLA governance and breach pages. Reads via xlas.selectors, writes via xlas.services."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from experience.predictions import predicted_misses
from meetings.forms import ActionItemForm
from meetings.models import ActionItem
from meetings.services import action_create
from xmo.access import org_object_or_404, org_required
from xmo.periods import local_today

from . import scores, selectors, services
from .choices import BreachStatus, VersionStatus
from .filters import BreachFilter
from .forms import (
    ApproveForm,
    BreachInvestigationForm,
    BreachStatusForm,
    ProposeChangeForm,
    ProposeDraftForm,
    RejectForm,
    XLAForm,
    indicator_formset,
    indicator_initial,
)
from .models import XLA, Breach, XLAVersion

PAGE_SIZE = 25
HISTORY_ROWS = 24


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- XLAs ---------------------------------------------------------------------------------


@org_required("view_xlas")
def xla_list(request):
    org = request.organisation
    awaiting = request.GET.get("awaiting") == "approval"
    page = _page(request, selectors.xla_list(org, awaiting_approval=awaiting))
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
    page = _page(request, selectors.xlas_due_for_review(request.organisation, today))
    template = "xlas/_review_rows.html" if request.htmx else "xlas/review_list.html"
    return render(
        request,
        template,
        {"page": page, "today": today, "window": selectors.REVIEW_WINDOW_DAYS},
    )


def _version_or_404(request, pk) -> XLAVersion:
    return get_object_or_404(
        XLAVersion.objects.select_related("xla", "proposed_by", "approved_by"),
        pk=pk,
        xla__organisation=request.organisation,
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
    audit_page = Paginator(selectors.xla_audit_events(xla, versions), 20).get_page(
        request.GET.get("audit_page")
    )
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
                **_draft_fields(form.cleaned_data),
                indicators=formset.indicators(),
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"XLA “{xla.name}” created as a draft (version 1).")
            return redirect("xlas:xla_detail", pk=xla.pk)
    return render(
        request,
        "xlas/xla_form.html",
        {"form": form, "formset": formset, "title": "New XLA", "version": None},
        status=400 if request.method == "POST" else 200,
    )


DRAFT_FIELDS = ("name", "description", "owner", "services", "personas", "review_due", "rationale")


def _draft_fields(cleaned: dict) -> dict:
    """The XLA form's fields as the create and draft-update services take them."""
    return {name: cleaned[name] for name in DRAFT_FIELDS}


@org_required("edit_xla_drafts")
def version_edit(request, pk):
    version = _version_or_404(request, pk)
    if version.status != VersionStatus.DRAFT:
        messages.error(
            request,
            "Only drafts can be edited; start a new version or propose a target change instead.",
        )
        return redirect("xlas:xla_detail", pk=version.xla_id)
    xla, org = version.xla, request.organisation
    initial = {
        "name": xla.name,
        "description": xla.description,
        "owner": xla.owner_id,
        "services": list(xla.services.values_list("pk", flat=True)),
        "personas": list(xla.personas.values_list("pk", flat=True)),
        "review_due": version.review_due,
        "rationale": version.rationale,
    }
    form = XLAForm(request.POST or None, organisation=org, instance=xla, initial=initial)
    formset = indicator_formset(
        organisation=org,
        data=request.POST or None,
        initial=indicator_initial(version),
        extra=1,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.xla_draft_update(
                actor=request.user,
                version=version,
                **_draft_fields(form.cleaned_data),
                indicators=formset.indicators(),
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"Draft version {version.number} saved.")
            return redirect("xlas:xla_detail", pk=xla.pk)
    return render(
        request,
        "xlas/xla_form.html",
        {
            "form": form,
            "formset": formset,
            "title": f"Edit draft v{version.number} of {xla.name}",
            "version": version,
            "propose_form": ProposeDraftForm(),
            # A draft next to a version in force can be discarded; an XLA's first draft not.
            "in_force": xla.versions.filter(status=VersionStatus.ACTIVE).first(),
        },
        status=400 if request.method == "POST" else 200,
    )


@org_required("propose_xla_change")
@require_POST
def version_propose(request, pk):
    version = _version_or_404(request, pk)
    form = ProposeDraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, "To propose the draft, give a rationale and an effective date.")
        return redirect("xlas:version_edit", pk=version.pk)
    try:
        services.version_propose(
            actor=request.user,
            version=version,
            rationale=form.cleaned_data["rationale"],
            effective_from=form.cleaned_data["effective_from"],
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Version {version.number} proposed for approval.")
    return redirect("xlas:xla_detail", pk=version.xla_id)


@org_required("edit_xla_drafts")
@require_POST
def version_discard(request, pk):
    version = _version_or_404(request, pk)
    try:
        services.version_discard(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            f"Draft version {version.number} discarded; the version in force is unchanged.",
        )
    return redirect("xlas:xla_detail", pk=version.xla_id)


@org_required("propose_xla_change")
def xla_propose_change(request, pk):
    xla = org_object_or_404(request, XLA, pk=pk)
    active = xla.versions.filter(status=VersionStatus.ACTIVE).first()
    if active is None:
        messages.error(request, "This XLA has no active version yet; propose its draft instead.")
        return redirect("xlas:xla_detail", pk=xla.pk)
    if xla.versions.filter(status=VersionStatus.PROPOSED).exists():
        messages.error(request, "A proposal is already waiting for approval.")
        return redirect("xlas:xla_detail", pk=xla.pk)
    try:
        services.refuse_while_draft_open(xla)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("xlas:xla_detail", pk=xla.pk)
    form = ProposeChangeForm(request.POST or None, version=active)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.xla_propose_change(
                actor=request.user,
                xla=xla,
                targets=form.targets(),
                rationale=form.cleaned_data["rationale"],
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request, f"Version {version.number} proposed; leaders have been notified."
            )
            return redirect("xlas:version_detail", pk=version.pk)
    return render(
        request,
        "xlas/propose_change.html",
        {"xla": xla, "active": active, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@org_required("edit_xla_drafts")
@require_POST
def xla_new_draft(request, pk):
    """Start a new version from the active one, to add, remove or redefine indicators."""
    xla = org_object_or_404(request, XLA, pk=pk)
    try:
        version = services.xla_draft_from_active(actor=request.user, xla=xla)
    except ValidationError as exc:
        draft = xla.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
        if draft is not None:
            # The user wants to edit the next version: take them to the one already open.
            messages.info(request, f"Draft version {draft.number} is already open; edit it here.")
            return redirect("xlas:version_edit", pk=draft.pk)
        messages.error(request, _error_text(exc))
        return redirect("xlas:xla_detail", pk=xla.pk)
    messages.success(
        request,
        f"Draft version {version.number} started from the active version. Change its "
        "indicators, save, then propose it for approval.",
    )
    return redirect("xlas:version_edit", pk=version.pk)


def _version_page(
    request, version, *, approve_form=None, reject_form=None, status=200, backdate=None
):
    xla = version.xla
    active = xla.versions.filter(status=VersionStatus.ACTIVE).exclude(pk=version.pk).first()
    current = {i.key: i for i in active.indicators.all()} if active else {}
    indicators = list(version.indicators.select_related("metric"))
    rows = [(ind, current.get(ind.key)) for ind in indicators]
    kept = {ind.key for ind in indicators}
    removed = [ind for key, ind in current.items() if key not in kept]
    return render(
        request,
        "xlas/version_detail.html",
        {
            "xla": xla,
            "version": version,
            "active": active,
            "rows": rows,
            # What approving would drop, so the approver sees removals as well as changes.
            "removed": removed
            if version.status in (VersionStatus.DRAFT, VersionStatus.PROPOSED)
            else [],
            "approve_form": approve_form
            or ApproveForm(initial={"effective_from": version.effective_from}),
            "reject_form": reject_form or RejectForm(),
            "backdate": backdate,
        },
        status=status,
    )


@org_required("view_xlas")
def version_detail(request, pk):
    return _version_page(request, _version_or_404(request, pk))


@org_required("approve_xla_change")
@require_POST
def version_approve(request, pk):
    version = _version_or_404(request, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        effective_from = form.cleaned_data["effective_from"]
        if request.POST.get("confirm") != effective_from.isoformat():
            # A back-dated start re-judges closed periods: when some would change, say how
            # many and ask to confirm.
            backdate = services.version_backdate_preview(version, effective_from)
            if backdate["backdated"] and backdate["periods"]:
                return _version_page(request, version, approve_form=form, backdate=backdate)
        try:
            version = services.version_approve(
                actor=request.user,
                version=version,
                effective_from=effective_from,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            text = f"Version {version.number} approved; in force from {effective_from:%d %b %Y}."
            rejudged = getattr(version, "rejudged", None)
            if rejudged is not None and not rejudged["periods"]:
                text += " No closed period changed its result."
            elif rejudged:
                text += (
                    f" {rejudged['periods']} closed period(s) re-judged with a new result; "
                    f"breaches: {rejudged['raised']} raised, {rejudged['withdrawn']} withdrawn"
                    f", {rejudged['reopened']} reopened."
                )
            messages.success(request, text)
            return redirect("xlas:xla_detail", pk=version.xla_id)
    return _version_page(request, version, approve_form=form, status=400)


@org_required("approve_xla_change")
@require_POST
def version_reject(request, pk):
    version = _version_or_404(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.version_reject(
                actor=request.user, version=version, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"Version {version.number} rejected.")
            return redirect("xlas:xla_detail", pk=version.xla_id)
    return _version_page(request, version, reject_form=form, status=400)


# --- Breaches -----------------------------------------------------------------------------


@org_required("view_breaches")
def breach_list(request):
    org = request.organisation
    mine = request.GET.get("mine") == "1" and request.membership.role == "service_owner"
    breaches = selectors.breach_list(org, mine_user=request.user if mine else None)
    filterset = BreachFilter(request.GET or None, breaches, request=request, organisation=org)
    page = _page(request, filterset.qs if filterset.is_bound else breaches)
    context = {
        "page": page,
        "form": filterset.form,
        "mine": mine,
        "query": _query_without_page(request),
        "is_service_owner": request.membership.role == "service_owner",
    }
    template = "xlas/_breach_rows.html" if request.htmx else "xlas/breach_list.html"
    return render(request, template, context)


def _breach_or_404(request, pk) -> Breach:
    return get_object_or_404(
        Breach.objects.select_related(
            "xla", "xla__owner", "indicator", "indicator__version", "assignee", "acknowledged_by"
        ),
        pk=pk,
        organisation=request.organisation,
    )


def _breach_context(request, breach, **extra):
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
        "action_form": ActionItemForm(organisation=org),
        "actions": ActionItem.objects.filter(organisation=org, breach=breach).select_related(
            "owner"
        ),
    }
    context.update(extra)
    return context


@org_required("view_breaches")
def breach_detail(request, pk):
    breach = _breach_or_404(request, pk)
    history = selectors.indicator_history(breach, breach.indicator_key, breach.period)
    context = _breach_context(
        request,
        breach,
        history=list(reversed(history[-HISTORY_ROWS:])),
        figure=selectors.history_figure(history[-104:]) if history else None,
    )
    return render(request, "xlas/breach_detail.html", context)


def _workable_breach(request, pk) -> Breach:
    breach = _breach_or_404(request, pk)
    if not selectors.can_work_breach(request.membership, breach):
        raise PermissionDenied("Only owners of the XLA's services may work this breach.")
    return breach


def _after_breach_write(request, breach, text, level=messages.SUCCESS, status=200, **extra):
    """htmx gets the refreshed work panel; a plain form post goes back to the page."""
    if request.htmx:
        breach = _breach_or_404(request, breach.pk)
        context = _breach_context(request, breach, notice=text, notice_level=level, **extra)
        return render(request, "xlas/_breach_work.html", context, status=status)
    messages.add_message(request, level, text)
    return redirect("xlas:breach_detail", pk=breach.pk)


@org_required("work_breaches")
@require_POST
def breach_acknowledge(request, pk):
    breach = services.breach_acknowledge(actor=request.user, breach=_workable_breach(request, pk))
    return _after_breach_write(
        request, breach, "Breach acknowledged; escalation to leaders is stopped."
    )


@org_required("work_breaches")
@require_POST
def breach_investigation(request, pk):
    breach = _workable_breach(request, pk)
    form = BreachInvestigationForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return _after_breach_write(
            request,
            breach,
            "The investigation could not be saved; see the errors below.",
            messages.ERROR,
            status=400,
            investigation_form=form,
        )
    breach = services.breach_update_investigation(
        actor=request.user, breach=breach, **form.cleaned_data
    )
    return _after_breach_write(request, breach, "Investigation saved.")


@org_required("work_breaches")
@require_POST
def breach_status(request, pk):
    breach = _workable_breach(request, pk)
    form = BreachStatusForm(request.POST)
    if not form.is_valid():
        return _after_breach_write(
            request, breach, "Choose a valid status.", messages.ERROR, status=400
        )
    try:
        breach = services.breach_set_status(
            actor=request.user, breach=breach, status=form.cleaned_data["status"]
        )
    except ValidationError as exc:
        return _after_breach_write(request, breach, _error_text(exc), messages.ERROR, status=400)
    return _after_breach_write(
        request, breach, f"Breach is now {breach.get_status_display().lower()}."
    )


@org_required("work_breaches")
@require_POST
def breach_action_create(request, pk):
    breach = _workable_breach(request, pk)
    form = ActionItemForm(request.POST, organisation=request.organisation)
    if not form.is_valid():
        return _after_breach_write(
            request,
            breach,
            "The action could not be created; see the errors below.",
            messages.ERROR,
            status=400,
            action_form=form,
        )
    action_create(
        actor=request.user, organisation=breach.organisation, breach=breach, **form.cleaned_data
    )
    return _after_breach_write(request, breach, "Action created.")
