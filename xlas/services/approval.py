"""Deciding on a proposal: approve (retiring the version in force, re-judging the closed
periods a back-dated start reaches) or reject. Each write is atomic and audited."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from xmo.audit import audit_change
from xmo.services import audit

from .. import notices
from ..choices import VersionStatus
from ..models import XLA, Evaluation, XLAVersion
from .common import VERSION_FIELDS, _notify_governance


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
        raise ValidationError(_("Only a proposed version can be approved."))
    previous = version.xla.versions.filter(status=VersionStatus.ACTIVE).first()
    if previous and previous.effective_from and effective_from <= previous.effective_from:
        raise ValidationError(
            _("The effective date must be after the current version's start (%(date)s).")
            % {"date": date_format(previous.effective_from, "d M Y")}
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
        **notices.version_approved(version, actor=actor, effective_from=effective_from, note=note),
        extra=[version.proposed_by],
    )
    return version


def version_backdate_preview(version: XLAVersion, effective_from: datetime.date) -> dict:
    """What approving `version` from `effective_from` would change in closed periods.

    {"changes": [...], "periods": number of closed periods whose judgement changes,
     "closed_periods": whether any closed period starts on or after the date}.
    """
    from xmo.periods import local_today

    from ..evaluation import rejudge_preview

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

    from ..breaches import rejudge_breaches
    from ..evaluation import evaluate_xla, rejudge_preview

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
    # Stored on the breaches it changes, in the approver's language.
    reason = _(
        "Re-judged under version %(number)s, approved on %(approved)s in force from %(since)s."
    ) % {
        "number": version.number,
        "approved": date_format(timezone.localdate(), "d M Y"),
        "since": date_format(since, "d M Y"),
    }
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
        raise ValidationError(_("Only a proposed version can be rejected."))
    if not note.strip():
        raise ValidationError(_("Say why the proposal is rejected."))
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
        **notices.version_rejected(version, actor=actor, note=note),
        extra=[version.proposed_by],
    )
    return version
