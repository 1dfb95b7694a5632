"""Drafts and proposals: a new XLA, editing a draft, proposing it or a target change, a
new draft from the active version, discarding a draft. Each write is atomic and audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xmo.audit import audit_change
from xmo.services import audit, snapshot

from .. import notices
from ..choices import VersionStatus
from ..models import XLA, Breach, Evaluation, XLAVersion
from .common import (
    INDICATOR_FIELDS,
    VERSION_FIELDS,
    _create_indicators,
    _notify_governance,
    _version_snapshot,
)


@transaction.atomic
def xla_create(
    *,
    actor,
    organisation,
    name: str,
    description: str = "",
    owner=None,
    services=(),
    personas=(),
    review_due: datetime.date | None = None,
    rationale: str = "",
    indicators: list[dict],
) -> XLA:
    """A new XLA with version 1 as a draft holding its indicators."""
    xla = XLA.objects.create(
        organisation=organisation, name=name, description=description, owner=owner
    )
    xla.services.set(services)
    xla.personas.set(personas)
    version = XLAVersion(xla=xla, number=1, status=VersionStatus.DRAFT, rationale=rationale)
    if review_due:
        version.review_due = review_due
    version.save()
    _create_indicators(version, indicators)
    audit(
        organisation=organisation,
        actor=actor,
        action="xla.created",
        obj=xla,
        after={**snapshot(xla), "version": _version_snapshot(version)},
    )
    return xla


@transaction.atomic
def xla_draft_update(
    *,
    actor,
    version: XLAVersion,
    name: str,
    description: str,
    owner,
    services,
    personas,
    review_due: datetime.date | None,
    rationale: str,
    indicators: list[dict],
) -> XLAVersion:
    """Edit a draft version (and the XLA's descriptive fields); indicators are replaced."""
    version = XLAVersion.objects.select_for_update().select_related("xla").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft version can be edited."))
    xla = version.xla
    with audit_change(
        version,
        actor=actor,
        action="xla.draft_updated",
        organisation=xla.organisation,
        picture=lambda v: {**snapshot(v.xla), "version": _version_snapshot(v)},
    ):
        xla.name, xla.description, xla.owner = name, description, owner
        xla.save(update_fields=["name", "description", "owner"])
        xla.services.set(services)
        xla.personas.set(personas)
        version.rationale = rationale
        if review_due:
            version.review_due = review_due
        version.save(update_fields=["rationale", "review_due"])
        version.indicators.all().delete()
        _create_indicators(version, indicators)
    return version


@transaction.atomic
def version_propose(
    *, actor, version: XLAVersion, rationale: str, effective_from: datetime.date | None
) -> XLAVersion:
    """Submit a draft for approval."""
    version = XLAVersion.objects.select_for_update().select_related("xla").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be proposed."))
    if version.xla.versions.filter(status=VersionStatus.PROPOSED).exists():
        raise ValidationError(_("A proposal is already waiting for approval."))
    if not version.indicators.exists():
        raise ValidationError(_("Add at least one indicator before proposing."))
    with audit_change(
        version,
        actor=actor,
        action="xla.proposed",
        fields=VERSION_FIELDS,
        organisation=version.xla.organisation,
    ):
        version.status = VersionStatus.PROPOSED
        version.rationale = rationale or version.rationale
        version.effective_from = effective_from
        version.proposed_by = actor
        version.proposed_at = timezone.now()
        version.save()
    _notify_governance(
        version,
        kind="xla_proposed",
        **notices.version_proposed(version, actor=actor),
    )
    return version


def refuse_while_draft_open(xla: XLA) -> None:
    """A target change is refused while a draft is open.

    The draft was copied from the active version before the change; approving it after the
    change would silently bring back the old levels.
    """
    draft = xla.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
    if draft is not None:
        raise ValidationError(
            _(
                "Draft version %(number)s is open. Propose that draft (its target levels "
                "can be changed there) or discard it before proposing a target change."
            )
            % {"number": draft.number},
            code="draft_exists",
        )


@transaction.atomic
def xla_propose_change(
    *,
    actor,
    xla: XLA,
    targets: dict[str, tuple[float, float]],
    rationale: str,
    effective_from: datetime.date,
) -> XLAVersion:
    """Copy the active version into a new proposed version with new target/warning levels.

    `targets` maps indicator key → (target, warning).
    """
    xla = XLA.objects.select_for_update().get(pk=xla.pk)
    active = xla.versions.filter(status=VersionStatus.ACTIVE).first()
    if active is None:
        raise ValidationError(_("This XLA has no active version to change."))
    if xla.versions.filter(status=VersionStatus.PROPOSED).exists():
        raise ValidationError(_("A proposal is already waiting for approval."))
    refuse_while_draft_open(xla)
    if not rationale.strip():
        raise ValidationError(_("Explain why the targets should change."))
    number = (xla.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = XLAVersion.objects.create(
        xla=xla,
        number=number,
        status=VersionStatus.PROPOSED,
        effective_from=effective_from,
        rationale=rationale,
        proposed_by=actor,
        proposed_at=timezone.now(),
        review_due=active.review_due,
        baseline_start=active.baseline_start,
        baseline_end=active.baseline_end,
    )
    indicators = []
    for indicator in active.indicators.all():
        data = {f: getattr(indicator, f) for f in INDICATOR_FIELDS}
        if indicator.key in targets:
            data["target"], data["warning"] = targets[indicator.key]
        indicators.append(data)
    _create_indicators(version, indicators)
    audit(
        organisation=xla.organisation,
        actor=actor,
        action="xla.proposed",
        obj=version,
        before=_version_snapshot(active),
        after=_version_snapshot(version),
    )
    _notify_governance(
        version,
        kind="xla_proposed",
        **notices.target_change_proposed(
            version, actor=actor, effective_from=effective_from, rationale=rationale
        ),
    )
    return version


@transaction.atomic
def xla_draft_from_active(*, actor, xla: XLA) -> XLAVersion:
    """Start a new draft version from the active one, to change the set of indicators.

    The draft copies the active version's indicators, review date and baseline; it is
    edited like a first draft, then proposed and approved. Refused while another draft or a
    proposal exists, so the user continues that version instead of starting a parallel one.
    """
    xla = XLA.objects.select_for_update().get(pk=xla.pk)
    active = xla.versions.filter(status=VersionStatus.ACTIVE).first()
    if active is None:
        raise ValidationError(
            _("This XLA has no active version yet; edit and propose its draft instead."),
            code="no_active",
        )
    draft = xla.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
    if draft is not None:
        raise ValidationError(
            _("Draft version %(number)s is already open; edit it instead of starting another.")
            % {"number": draft.number},
            code="draft_exists",
        )
    proposal = xla.versions.filter(status=VersionStatus.PROPOSED).order_by("-number").first()
    if proposal is not None:
        raise ValidationError(
            _(
                "Version %(number)s is waiting for approval; a new version can start "
                "once it is approved or rejected."
            )
            % {"number": proposal.number},
            code="proposal_exists",
        )
    number = (xla.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = XLAVersion.objects.create(
        xla=xla,
        number=number,
        status=VersionStatus.DRAFT,
        review_due=active.review_due,
        baseline_start=active.baseline_start,
        baseline_end=active.baseline_end,
    )
    _create_indicators(
        version,
        [{f: getattr(i, f) for f in INDICATOR_FIELDS} for i in active.indicators.all()],
    )
    audit(
        organisation=xla.organisation,
        actor=actor,
        action="xla.draft_started",
        obj=version,
        before=_version_snapshot(active),
        after=_version_snapshot(version),
    )
    return version


@transaction.atomic
def version_discard(*, actor, version: XLAVersion) -> XLA:
    """Delete a draft version and its indicators; returns its XLA.

    Only a draft started from the active version can be discarded. An XLA's first draft is
    refused: without an active version, discarding it would leave the XLA with no version
    at all. Drafts are never evaluated, so no evaluation, score or breach points at them.
    """
    XLA.objects.select_for_update().get(pk=version.xla_id)
    version = XLAVersion.objects.select_for_update().select_related("xla").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(
            _("Version %(number)s is %(status)s; only a draft can be discarded.")
            % {"number": version.number, "status": version.get_status_display().lower()},
            code="not_draft",
        )
    xla = version.xla
    if not xla.versions.filter(status=VersionStatus.ACTIVE).exists():
        raise ValidationError(
            _(
                "Draft version %(number)s is this XLA's first version and cannot be "
                "discarded: the XLA would be left with no version. Edit the draft instead."
            )
            % {"number": version.number},
            code="first_draft",
        )
    if (
        Evaluation.objects.filter(indicator__version=version).exists()
        or Breach.objects.filter(indicator__version=version).exists()
        or version.scores.exists()
    ):
        raise ValidationError(
            _("Version %(number)s has evaluations and cannot be discarded.")
            % {"number": version.number},
            code="evaluated",
        )
    before = _version_snapshot(version)
    version.delete()
    # Recorded on the XLA: the version row is gone, and the XLA's change log shows it.
    audit(
        organisation=xla.organisation,
        actor=actor,
        action="xla.draft_discarded",
        obj=xla,
        object_repr=f"{xla} v{before['number']} (draft, discarded)",
        before=before,
    )
    return xla
