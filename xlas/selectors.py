"""Reads for XLA and breach pages, always scoped to one organisation."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from experience.models import Service
from xmo import palette
from xmo.models import AuditEvent
from xmo.roles import can
from xmo.selectors import organisation_members

from .choices import EvaluationStatus, VersionStatus
from .models import XLA, Breach, Evaluation, Indicator, XLAScore, XLAVersion

# Worst first: an XLA's current status is its worst indicator's latest status.
STATUS_RANK = {
    EvaluationStatus.MISSED: 0,
    EvaluationStatus.AT_RISK: 1,
    EvaluationStatus.INSUFFICIENT_DATA: 2,
    EvaluationStatus.MET: 3,
}
REVIEW_WINDOW_DAYS = 30


def members(org):
    """People of the organisation, for owner/assignee pickers."""
    return organisation_members(org)


def owned_service_ids(membership) -> set[int]:
    return set(
        Service.objects.filter(
            organisation=membership.organisation, owner=membership.user
        ).values_list("pk", flat=True)
    )


def can_work_breach(membership, breach: Breach, owned: set[int] | None = None) -> bool:
    """Service owners may work only breaches of XLAs covering a service they own."""
    if not can(membership, "work_breaches"):
        return False
    if membership.role != "service_owner":
        return True
    owned = owned_service_ids(membership) if owned is None else owned
    return bool(owned) and breach.xla.services.filter(pk__in=owned).exists()


def breach_list(org, *, mine_user=None):
    """The organisation's breaches, newest first; only those of `mine_user`'s services if given.

    The page and the API filter this with `xlas.filters.BreachFilter`.
    """
    qs = Breach.objects.filter(organisation=org).select_related(
        "xla", "indicator", "assignee", "acknowledged_by"
    )
    if mine_user is not None:
        qs = qs.filter(
            Exists(
                XLA.services.through.objects.filter(
                    xla_id=OuterRef("xla_id"), service__owner=mine_user
                )
            )
        )
    return qs.order_by("-period_start", "-id")


def indicator_history(breach_or_xla, indicator_key: str | None, period: str | None = None):
    """Evaluations of one indicator over time, with the version's target/warning for each.

    Each evaluation points at the indicator of the version in force for its period, so the
    target line steps where versions change.
    """
    xla_id = breach_or_xla.xla_id if isinstance(breach_or_xla, Breach) else breach_or_xla.pk
    qs = Evaluation.objects.filter(xla_id=xla_id)
    if indicator_key:
        qs = qs.filter(indicator_key=indicator_key)
    if period:
        qs = qs.filter(period=period)
    return list(qs.select_related("indicator__version").order_by("period_start"))


def history_figure(evaluations: list[Evaluation], *, title: str = "") -> dict:
    """Plotly figure: value with CI, target and warning as steps following the versions."""
    x = [e.period_start.isoformat() for e in evaluations]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("Value"),
                "x": x,
                "y": [e.value for e in evaluations],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        (e.ci_high - e.value)
                        if e.ci_high is not None and e.value is not None
                        else None
                        for e in evaluations
                    ],
                    "arrayminus": [
                        (e.value - e.ci_low)
                        if e.ci_low is not None and e.value is not None
                        else None
                        for e in evaluations
                    ],
                    "color": palette.BAND,
                },
                "line": {"color": palette.LINE},
                "text": [
                    f"v{e.indicator.version.number} · n={e.n} · {e.get_status_display()}"
                    for e in evaluations
                ],
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Target"),
                "x": x,
                "y": [e.indicator.target for e in evaluations],
                "line": {"shape": "hv", "color": palette.GOOD},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Warning"),
                "x": x,
                "y": [e.indicator.warning for e in evaluations],
                "line": {"shape": "hv", "color": palette.TARGET_DASH, "dash": "dash"},
            },
        ],
        "layout": {
            "title": {"text": title} if title else None,
            "margin": {"l": 50, "r": 20, "t": 30 if title else 10, "b": 40},
            "height": 320,
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"type": "date"},
            "hovermode": "x unified",
        },
    }
    if figure["layout"]["title"] is None:
        del figure["layout"]["title"]
    # Plotly's own number formatting follows the page's language ("12,5" in German).
    decimal = get_format("DECIMAL_SEPARATOR")
    if decimal != ".":
        figure["layout"]["separators"] = decimal + get_format("THOUSAND_SEPARATOR")
    return figure


def xla_list(org, *, awaiting_approval: bool = False):
    """The organisation's XLAs; awaiting_approval keeps those with a proposed version."""
    latest_score = XLAScore.objects.filter(xla=OuterRef("pk"), is_closed=True).order_by(
        "-period_start"
    )
    active = XLAVersion.objects.filter(xla=OuterRef("pk"), status=VersionStatus.ACTIVE)
    return (
        XLA.objects.filter(organisation=org)
        .select_related("owner")
        .prefetch_related("services", "personas")
        .annotate(
            latest_score=Subquery(latest_score.values("score")[:1]),
            latest_score_period=Subquery(latest_score.values("period_start")[:1]),
            review_due=Subquery(active.values("review_due")[:1]),
            active_number=Subquery(active.values("number")[:1]),
            has_proposal=Exists(
                XLAVersion.objects.filter(xla=OuterRef("pk"), status=VersionStatus.PROPOSED)
            ),
            open_draft_id=Subquery(
                XLAVersion.objects.filter(xla=OuterRef("pk"), status=VersionStatus.DRAFT)
                .order_by("-number")
                .values("pk")[:1]
            ),
        )
        .filter(**({"has_proposal": True} if awaiting_approval else {}))
        .order_by("name")
    )


def latest_evaluations(xla_ids) -> dict[int, list[Evaluation]]:
    """{xla_id: [latest evaluation of each indicator key]} in one query."""
    newest = Evaluation.objects.filter(
        xla_id=OuterRef("xla_id"),
        indicator_key=OuterRef("indicator_key"),
        period=OuterRef("period"),
    ).order_by("-period_start")
    rows = (
        Evaluation.objects.filter(xla_id__in=list(xla_ids))
        .annotate(newest=Subquery(newest.values("period_start")[:1]))
        .filter(period_start=F("newest"))
        .select_related("indicator")
        .order_by("xla_id", "indicator__order", "indicator_key")
    )
    result: dict[int, list[Evaluation]] = {}
    for row in rows:
        result.setdefault(row.xla_id, []).append(row)
    return result


def worst_status(evaluations: list[Evaluation]) -> str | None:
    if not evaluations:
        return None
    return min((e.status for e in evaluations), key=lambda s: STATUS_RANK.get(s, 9))


def xla_versions(xla: XLA):
    return list(
        xla.versions.select_related("proposed_by", "approved_by")
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("metric").order_by("order", "id"),
                to_attr="indicator_list",
            )
        )
        .order_by("-number")
    )


def xla_audit_events(xla: XLA, versions):
    version_ids = [str(v.pk) for v in versions]
    return (
        AuditEvent.objects.filter(organisation=xla.organisation_id)
        .filter(
            Q(object_type="xlas.xla", object_id=str(xla.pk))
            | Q(object_type="xlas.xlaversion", object_id__in=version_ids)
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def xlas_awaiting_approval(org):
    """Ids of the XLAs with a version proposed for approval."""
    return XLAVersion.objects.filter(xla__organisation=org, status=VersionStatus.PROPOSED).values(
        "xla_id"
    )


def xlas_due_for_review(org, today: datetime.date):
    limit = today + datetime.timedelta(days=REVIEW_WINDOW_DAYS)
    return (
        xla_list(org)
        .filter(review_due__isnull=False, review_due__lte=limit)
        .order_by("review_due", "name")
    )
