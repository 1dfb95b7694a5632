"""The readiness checklist of each service and the office's coverage. Computed, never ticked.

A service is ready to be in scope when:
1. data flowed: responses in each of the last 4 closed weeks;
2. a baseline period is set on an approved (active) XLA covering it;
3. an approved XLA covers it (an active version; an XLA naming no services covers all);
4. an owner is named;
5. a monthly experience meeting reviewed it in the last 3 months (recorded when the meeting
   closes, through services.scope_mark_reviewed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from experience.models import Service
from experience.selectors import breakdown
from xlas.models import XLAVersion
from xmo.periods import local_today, period_start, previous_period_start

from .choices import ScopeStatus
from .models import ServiceScope

WEEKS_OF_DATA = 4
REVIEW_WITHIN_DAYS = 92
COVERAGE_DAYS = 90

CHECKS = [
    ("data", format_lazy(_("Data flowing for {weeks} weeks"), weeks=WEEKS_OF_DATA)),
    ("baseline", _("Baseline period set")),
    ("xla", _("Approved XLA")),
    ("owner", _("Owner named")),
    ("reviewed", _("Reviewed in a monthly meeting")),
]


@dataclass
class ServiceReadiness:
    service: Service
    status: str
    scope: ServiceScope | None
    checks: dict[str, bool] = field(default_factory=dict)
    responses: int = 0

    @property
    def ready(self) -> bool:
        return all(self.checks.values())

    @property
    def check_rows(self) -> list[tuple[str, str, bool]]:
        return [(key, str(label), self.checks[key]) for key, label in CHECKS]

    @property
    def status_label(self) -> str:
        return str(ScopeStatus(self.status).label)


def _weeks_with_data(org, today) -> dict[str, int]:
    """Per service slug, how many of the last closed weeks had at least one response."""
    counts: dict[str, int] = {}
    week = period_start(today, "week")
    for _week in range(WEEKS_OF_DATA):
        week, end = previous_period_start(week, "week"), week
        for row in breakdown(
            org, measure_name="response_count", dimension="service", start=week, end=end
        ):
            if row["n"]:
                counts[row["key"]] = counts.get(row["key"], 0) + 1
    return counts


def _xla_coverage(org) -> tuple[set[int], set[int], bool, bool]:
    """Service ids with an active XLA, with a baselined active XLA; and whether an XLA naming
    no services (covering all) is active, and baselined."""
    covered, baselined = set(), set()
    all_covered = all_baselined = False
    versions = XLAVersion.objects.filter(xla__organisation=org, status="active").prefetch_related(
        "xla__services"
    )
    for version in versions:
        ids = {s.pk for s in version.xla.services.all()}
        has_baseline = bool(version.baseline_start and version.baseline_end)
        if not ids:
            all_covered = True
            all_baselined |= has_baseline
        covered |= ids
        if has_baseline:
            baselined |= ids
    return covered, baselined, all_covered, all_baselined


def service_readiness(org, *, today: datetime.date | None = None) -> list[ServiceReadiness]:
    """Every active service of the organisation with its scope status and computed checklist."""
    today = today or local_today(org)
    services = list(Service.objects.filter(organisation=org, is_active=True).order_by("name"))
    scopes = {s.service_id: s for s in ServiceScope.objects.filter(organisation=org)}
    weeks = _weeks_with_data(org, today)
    covered, baselined, all_covered, all_baselined = _xla_coverage(org)
    recent = today - datetime.timedelta(days=REVIEW_WITHIN_DAYS)
    volume = {
        row["key"]: row["n"]
        for row in breakdown(
            org,
            measure_name="response_count",
            dimension="service",
            start=today - datetime.timedelta(days=COVERAGE_DAYS),
            end=today,
        )
    }
    rows = []
    for service in services:
        scope = scopes.get(service.pk)
        reviewed = scope.last_reviewed_on if scope else None
        rows.append(
            ServiceReadiness(
                service=service,
                status=scope.status if scope else ScopeStatus.OUT,
                scope=scope,
                checks={
                    "data": weeks.get(service.slug, 0) >= WEEKS_OF_DATA,
                    "baseline": all_baselined or service.pk in baselined,
                    "xla": all_covered or service.pk in covered,
                    "owner": service.owner_id is not None,
                    "reviewed": reviewed is not None and reviewed >= recent,
                },
                responses=volume.get(service.slug, 0),
            )
        )
    return rows


def is_ready(org, service, *, today: datetime.date | None = None) -> bool:
    rows = service_readiness(org, today=today)
    return next((r.ready for r in rows if r.service.pk == service.pk), False)


def coverage(rows: list[ServiceReadiness]) -> dict:
    """Share of active services in scope, and share of the last 90 days' responses they carry."""
    in_scope = [r for r in rows if r.status == ScopeStatus.IN_SCOPE]
    total_responses = sum(r.responses for r in rows)
    return {
        "services": len(rows),
        "in_scope": len(in_scope),
        "pilot": sum(r.status == ScopeStatus.PILOT for r in rows),
        "service_share": 100 * len(in_scope) / len(rows) if rows else None,
        "responses": total_responses,
        "response_share": (
            100 * sum(r.responses for r in in_scope) / total_responses if total_responses else None
        ),
        "days": COVERAGE_DAYS,
    }
