"""An XLA's versions: edit a draft, propose it or a target change, approve or reject."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xmo.access import org_object_or_404, org_required

from .. import services
from ..choices import VersionStatus
from ..forms import (
    ApproveForm,
    ProposeChangeForm,
    ProposeDraftForm,
    RejectForm,
    XLAForm,
    indicator_formset,
    indicator_initial,
)
from ..models import XLA, XLAVersion
from .common import error_text
from .xla import draft_fields


def _version_or_404(request, pk) -> XLAVersion:
    return get_object_or_404(
        XLAVersion.objects.select_related("xla", "proposed_by", "approved_by"),
        pk=pk,
        xla__organisation=request.organisation,
    )


@org_required("edit_xla_drafts")
def version_edit(request, pk):
    version = _version_or_404(request, pk)
    if version.status != VersionStatus.DRAFT:
        messages.error(
            request,
            _("Only drafts can be edited; start a new version or propose a target change instead."),
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
                **draft_fields(form.cleaned_data),
                indicators=formset.indicators(),
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request, _("Draft version %(number)s saved.") % {"number": version.number}
            )
            return redirect("xlas:xla_detail", pk=xla.pk)
    return render(
        request,
        "xlas/xla_form.html",
        {
            "form": form,
            "formset": formset,
            "title": _("Edit draft v%(number)s of %(name)s")
            % {"number": version.number, "name": xla.name},
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
        messages.error(request, _("To propose the draft, give a rationale and an effective date."))
        return redirect("xlas:version_edit", pk=version.pk)
    try:
        services.version_propose(
            actor=request.user,
            version=version,
            rationale=form.cleaned_data["rationale"],
            effective_from=form.cleaned_data["effective_from"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Version %(number)s proposed for approval.") % {"number": version.number}
        )
    return redirect("xlas:xla_detail", pk=version.xla_id)


@org_required("edit_xla_drafts")
@require_POST
def version_discard(request, pk):
    version = _version_or_404(request, pk)
    try:
        services.version_discard(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Draft version %(number)s discarded; the version in force is unchanged.")
            % {"number": version.number},
        )
    return redirect("xlas:xla_detail", pk=version.xla_id)


@org_required("propose_xla_change")
def xla_propose_change(request, pk):
    xla = org_object_or_404(request, XLA, pk=pk)
    active = xla.versions.filter(status=VersionStatus.ACTIVE).first()
    if active is None:
        messages.error(request, _("This XLA has no active version yet; propose its draft instead."))
        return redirect("xlas:xla_detail", pk=xla.pk)
    if xla.versions.filter(status=VersionStatus.PROPOSED).exists():
        messages.error(request, _("A proposal is already waiting for approval."))
        return redirect("xlas:xla_detail", pk=xla.pk)
    try:
        services.refuse_while_draft_open(xla)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
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
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request,
                _("Version %(number)s proposed; leaders have been notified.")
                % {"number": version.number},
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
            messages.info(
                request,
                _("Draft version %(number)s is already open; edit it here.")
                % {"number": draft.number},
            )
            return redirect("xlas:version_edit", pk=draft.pk)
        messages.error(request, error_text(exc))
        return redirect("xlas:xla_detail", pk=xla.pk)
    messages.success(
        request,
        _(
            "Draft version %(number)s started from the active version. Change its "
            "indicators, save, then propose it for approval."
        )
        % {"number": version.number},
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
            form.add_error(None, error_text(exc))
        else:
            text = _("Version %(number)s approved; in force from %(date)s.") % {
                "number": version.number,
                "date": date_format(effective_from, "d M Y"),
            }
            rejudged = getattr(version, "rejudged", None)
            if rejudged is not None and not rejudged["periods"]:
                text += " " + _("No closed period changed its result.")
            elif rejudged:
                text += " " + _(
                    "%(periods)s closed period(s) re-judged with a new result; "
                    "breaches: %(raised)s raised, %(withdrawn)s withdrawn, %(reopened)s reopened."
                ) % {
                    "periods": rejudged["periods"],
                    "raised": rejudged["raised"],
                    "withdrawn": rejudged["withdrawn"],
                    "reopened": rejudged["reopened"],
                }
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
            form.add_error(None, error_text(exc))
        else:
            messages.success(
                request, _("Version %(number)s rejected.") % {"number": version.number}
            )
            return redirect("xlas:xla_detail", pk=version.xla_id)
    return _version_page(request, version, reject_form=form, status=400)
