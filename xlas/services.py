"""Writes for XLA governance and breach work. Each function is atomic and audited.

Version life cycle: draft → proposed → active → retired (or proposed → rejected). Only one
version of an XLA is active at a time; approving a version retires the previous active
one on the same effective date, so every period is judged by exactly one version.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xmo.audit import audit_change
from xmo.models import Membership
from xmo.services import audit, notify, snapshot

from .choices import BreachStatus, VersionStatus
from .models import XLA, Breach, Evaluation, Indicator, XLAVersion

INDICATOR_FIELDS = [
    "key",
    "name",
    "kind",
    "measure",
    "metric",
    "aggregation",
    "direction",
    "target",
    "warning",
    "weight",
    "period",
    "min_sample",
    "consecutive_misses",
]
VERSION_FIELDS = [
    "number",
    "status",
    "effective_from",
    "effective_to",
    "rationale",
    "proposed_by",
    "approved_by",
    "decision_note",
    "review_due",
]
BREACH_FIELDS = [
    "status",
    "assignee",
    "acknowledged_by",
    "root_cause",
    "investigation_notes",
]

# Allowed status moves of a breach; "reopen" is a move back to open.
BREACH_TRANSITIONS = {
    BreachStatus.OPEN: {BreachStatus.INVESTIGATING, BreachStatus.RESOLVED, BreachStatus.ACCEPTED},
    BreachStatus.INVESTIGATING: {BreachStatus.RESOLVED, BreachStatus.ACCEPTED, BreachStatus.OPEN},
    BreachStatus.RESOLVED: {BreachStatus.OPEN},
    BreachStatus.ACCEPTED: {BreachStatus.OPEN},
}


def _version_snapshot(version: XLAVersion) -> dict:
    data = snapshot(version, VERSION_FIELDS)
    data["indicators"] = [snapshot(i, INDICATOR_FIELDS) for i in version.indicators.all()]
    return data


def _leaders(organisation):
    return [
        m.user
        for m in Membership.objects.filter(
            organisation=organisation, role__in=["leader"]
        ).select_related("user")
    ]


def _notify_governance(version: XLAVersion, *, kind: str, title: str, body: str, extra=()):
    xla = version.xla
    recipients = [xla.owner, *_leaders(xla.organisation), *extra]
    notify(
        organisation=xla.organisation,
        recipients=recipients,
        kind=kind,
        title=title,
        body=body,
        url=reverse("xlas:version_detail", args=[version.pk]),
        dedupe_key=f"{kind}:{version.pk}",
    )


def _validate_indicator(data: dict) -> None:
    if data["kind"] == "sentiment":
        if not data.get("measure") or data.get("metric"):
            raise ValidationError("A sentiment indicator needs a measure and no metric.")
    elif not data.get("metric") or not data.get("aggregation"):
        raise ValidationError("An operational indicator needs a metric and an aggregation.")
    if data["direction"] == "higher" and data["warning"] > data["target"]:
        raise ValidationError(f"{data['name']}: the warning level must not be above the target.")
    if data["direction"] == "lower" and data["warning"] < data["target"]:
        raise ValidationError(f"{data['name']}: the warning level must not be below the target.")


def _create_indicators(version: XLAVersion, indicators: list[dict]) -> None:
    if not indicators:
        raise ValidationError("An XLA needs at least one indicator.")
    keys = [i["key"] for i in indicators]
    if len(set(keys)) != len(keys):
        raise ValidationError("Indicator keys must be unique within a version.")
    for order, data in enumerate(indicators):
        _validate_indicator(data)
        values = {f: data.get(f) for f in INDICATOR_FIELDS}
        if values["kind"] == "sentiment":
            values.update(metric=None, aggregation="")
        else:
            values["measure"] = ""
        Indicator.objects.create(version=version, order=order, **values)


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
        raise ValidationError("Only a draft version can be edited.")
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
        raise ValidationError("Only a draft can be proposed.")
    if version.xla.versions.filter(status=VersionStatus.PROPOSED).exists():
        raise ValidationError("A proposal is already waiting for approval.")
    if not version.indicators.exists():
        raise ValidationError("Add at least one indicator before proposing.")
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
        title=f"XLA proposal to approve: {version.xla} v{version.number}",
        body=f"{actor} proposed version {version.number}. Rationale: {version.rationale}",
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
            f"Draft version {draft.number} is open. Propose that draft (its target levels "
            "can be changed there) or discard it before proposing a target change.",
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
        raise ValidationError("This XLA has no active version to change.")
    if xla.versions.filter(status=VersionStatus.PROPOSED).exists():
        raise ValidationError("A proposal is already waiting for approval.")
    refuse_while_draft_open(xla)
    if not rationale.strip():
        raise ValidationError("Explain why the targets should change.")
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
        title=f"XLA target change to approve: {xla} v{number}",
        body=f"{actor} proposes new targets from {effective_from:%d %b %Y}. Rationale: {rationale}",
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
            "This XLA has no active version yet; edit and propose its draft instead.",
            code="no_active",
        )
    draft = xla.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
    if draft is not None:
        raise ValidationError(
            f"Draft version {draft.number} is already open; edit it instead of starting another.",
            code="draft_exists",
        )
    proposal = xla.versions.filter(status=VersionStatus.PROPOSED).order_by("-number").first()
    if proposal is not None:
        raise ValidationError(
            f"Version {proposal.number} is waiting for approval; a new version can start "
            "once it is approved or rejected.",
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
            f"Version {version.number} is {version.get_status_display().lower()}; "
            "only a draft can be discarded.",
            code="not_draft",
        )
    xla = version.xla
    if not xla.versions.filter(status=VersionStatus.ACTIVE).exists():
        raise ValidationError(
            f"Draft version {version.number} is this XLA's first version and cannot be "
            "discarded: the XLA would be left with no version. Edit the draft instead.",
            code="first_draft",
        )
    if (
        Evaluation.objects.filter(indicator__version=version).exists()
        or Breach.objects.filter(indicator__version=version).exists()
        or version.scores.exists()
    ):
        raise ValidationError(
            f"Version {version.number} has evaluations and cannot be discarded.",
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


@transaction.atomic
def version_approve(
    *, actor, version: XLAVersion, effective_from: datetime.date, note: str = ""
) -> XLAVersion:
    """Make a proposed version active from `effective_from`; retire the previous active one.

    The previous version is retired first, so the one-active-version constraint holds at
    every statement.
    """
    XLA.objects.select_for_update().get(pk=version.xla_id)
    version = XLAVersion.objects.select_related("xla").get(pk=version.pk)
    if version.status != VersionStatus.PROPOSED:
        raise ValidationError("Only a proposed version can be approved.")
    previous = version.xla.versions.filter(status=VersionStatus.ACTIVE).first()
    if previous and previous.effective_from and effective_from <= previous.effective_from:
        raise ValidationError(
            "The effective date must be after the current version's start "
            f"({previous.effective_from:%d %b %Y})."
        )
    organisation = version.xla.organisation
    with audit_change(
        version,
        actor=actor,
        action="xla.approved",
        fields=VERSION_FIELDS,
        organisation=organisation,
    ):
        if previous is not None:
            with audit_change(
                previous,
                actor=actor,
                action="xla.retired",
                fields=VERSION_FIELDS,
                organisation=organisation,
            ):
                previous.status = VersionStatus.RETIRED
                previous.effective_to = effective_from
                previous.save(update_fields=["status", "effective_to"])
        version.status = VersionStatus.ACTIVE
        version.effective_from = effective_from
        version.effective_to = None
        version.approved_by = actor
        version.approved_at = timezone.now()
        version.decision_note = note
        version.save()
    version.rejudged = _rejudge_closed_periods(actor, version, effective_from)
    _notify_governance(
        version,
        kind="xla_approved",
        title=f"XLA approved: {version.xla} v{version.number}",
        body=f"{actor} approved version {version.number}, in force from "
        f"{effective_from:%d %b %Y}. {note}".strip(),
        extra=[version.proposed_by],
    )
    return version


def version_backdate_preview(version: XLAVersion, effective_from: datetime.date) -> dict:
    """What approving `version` from `effective_from` would change in closed periods.

    {"changes": [...], "periods": number of closed periods whose judgement changes,
     "closed_periods": whether any closed period starts on or after the date}.
    """
    from xmo.periods import local_today

    from .evaluation import rejudge_preview

    org = version.xla.organisation
    today = local_today(org)
    changes = rejudge_preview(org, version.xla, version, effective_from, today)
    periods = {(c["period"], c["period_start"]) for c in changes}
    return {
        "changes": changes,
        "periods": len(periods),
        "backdated": any(
            _first_closed_start(i.period, effective_from) < today for i in version.indicators.all()
        ),
    }


def _first_closed_start(period: str, since: datetime.date) -> datetime.date:
    """The end of the first period starting on or after `since` (closed once today passes it)."""
    from xmo.periods import next_period_start, period_start

    start = period_start(since, period)
    if start < since:
        start = next_period_start(start, period)
    return next_period_start(start, period) - datetime.timedelta(days=1)


def _rejudge_closed_periods(actor, version: XLAVersion, since: datetime.date) -> dict | None:
    """Re-judge the closed periods from `since` under the newly active version (a back-dated
    approval), re-run breach flagging for them, and audit what changed."""
    from xmo.periods import local_today

    from .breaches import rejudge_breaches
    from .evaluation import evaluate_xla, rejudge_preview

    xla = XLA.objects.prefetch_related("services", "personas", "versions__indicators__metric").get(
        pk=version.xla_id
    )
    org = xla.organisation
    today = local_today(org)
    if (
        since >= today
        or not Evaluation.objects.filter(xla=xla, is_closed=True, period_start__gte=since).exists()
    ):
        return None  # no closed period judged from that date: nothing to re-judge
    changes = rejudge_preview(org, xla, version, since, today)
    evaluate_xla(org, xla, today=today, rebuild_from=since)
    reason = (
        f"Re-judged under version {version.number}, approved on "
        f"{timezone.localdate():%d %b %Y} in force from {since:%d %b %Y}."
    )
    breaches = rejudge_breaches(org, xla, since=since, reason=reason)
    result = {
        "since": since.isoformat(),
        "periods": len({(c["period"], c["period_start"]) for c in changes}),
        "indicator_periods": len(changes),
        **breaches,
    }
    audit(
        organisation=org,
        actor=actor,
        action="xla.rejudged",
        obj=version,
        before={
            "judgements": [
                f"{c['indicator_key']} {c['period']} {c['period_start']}: {c['before']}"
                for c in changes
            ]
        },
        after={
            **result,
            "judgements": [
                f"{c['indicator_key']} {c['period']} {c['period_start']}: {c['after']}"
                for c in changes
            ],
        },
    )
    return result


@transaction.atomic
def version_reject(*, actor, version: XLAVersion, note: str) -> XLAVersion:
    version = XLAVersion.objects.select_for_update().select_related("xla").get(pk=version.pk)
    if version.status != VersionStatus.PROPOSED:
        raise ValidationError("Only a proposed version can be rejected.")
    if not note.strip():
        raise ValidationError("Say why the proposal is rejected.")
    with audit_change(
        version,
        actor=actor,
        action="xla.rejected",
        fields=VERSION_FIELDS,
        organisation=version.xla.organisation,
    ):
        version.status = VersionStatus.REJECTED
        version.decision_note = note
        version.approved_by = actor
        version.approved_at = timezone.now()
        version.save()
    _notify_governance(
        version,
        kind="xla_rejected",
        title=f"XLA proposal rejected: {version.xla} v{version.number}",
        body=f"{actor} rejected version {version.number}: {note}",
        extra=[version.proposed_by],
    )
    return version


# --- Breaches -----------------------------------------------------------------------------


def _locked_breach(breach: Breach) -> Breach:
    return Breach.objects.select_for_update().select_related("xla").get(pk=breach.pk)


@transaction.atomic
def breach_acknowledge(*, actor, breach: Breach) -> Breach:
    """Acknowledging stops escalation (the escalation job skips acknowledged breaches)."""
    breach = _locked_breach(breach)
    if breach.acknowledged_at is not None:
        return breach
    with audit_change(breach, actor=actor, action="breach.acknowledged", fields=BREACH_FIELDS):
        breach.acknowledged_by = actor
        breach.acknowledged_at = timezone.now()
        breach.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    return breach


@transaction.atomic
def breach_update_investigation(
    *, actor, breach: Breach, assignee, investigation_notes: str, root_cause: str
) -> Breach:
    breach = _locked_breach(breach)
    previous_assignee = breach.assignee_id
    with audit_change(breach, actor=actor, action="breach.updated", fields=BREACH_FIELDS):
        breach.assignee = assignee
        breach.investigation_notes = investigation_notes
        breach.root_cause = root_cause
        breach.save(update_fields=["assignee", "investigation_notes", "root_cause", "updated_at"])
    if assignee is not None and previous_assignee != assignee.pk and assignee != actor:
        notify(
            organisation=breach.organisation,
            recipients=[assignee],
            kind="breach_assigned",
            title=f"Breach assigned to you: {breach.xla} ({breach.indicator_key})",
            body=f"{actor} assigned you the breach of {breach.period_start:%d %b %Y}.",
            url=reverse("xlas:breach_detail", args=[breach.pk]),
            dedupe_key=f"breach_assigned:{breach.pk}:{assignee.pk}",
        )
    return breach


@transaction.atomic
def breach_set_status(*, actor, breach: Breach, status: str) -> Breach:
    breach = _locked_breach(breach)
    if status not in BREACH_TRANSITIONS.get(breach.status, set()):
        raise ValidationError(
            f"A breach cannot move from {breach.get_status_display().lower()} to {status}."
        )
    action = "breach.reopened" if status == BreachStatus.OPEN else f"breach.{status}"
    with audit_change(breach, actor=actor, action=action, fields=BREACH_FIELDS):
        breach.status = status
        if status in (BreachStatus.RESOLVED, BreachStatus.ACCEPTED):
            breach.resolved_at = timezone.now()
        else:
            breach.resolved_at = None
        # Working on a breach implies it has been seen: acknowledge it if nobody did yet.
        if status != BreachStatus.OPEN and breach.acknowledged_at is None:
            breach.acknowledged_by = actor
            breach.acknowledged_at = timezone.now()
        breach.save()
    return breach
