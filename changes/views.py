"""Pages of the changes app: the verdicts, one change, the league table."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from experience.effects import INSUFFICIENT, MIN_N, POOLS, UNITS
from xmo.access import org_required
from xmo.pagination import page_of

from .choices import ExpectedEffect, Verdict
from .selectors import changes_list, league_table

EXPECTATIONS = {
    ExpectedEffect.IMPROVE: _("expected to improve"),
    ExpectedEffect.NEUTRAL: _("expected to be neutral"),
    ExpectedEffect.WORSEN: _("expected to worsen"),
}
POOL_NAMES = {
    "treated_before": _("treated before"),
    "treated_after": _("treated after"),
    "control_before": _("comparison before"),
    "control_after": _("comparison after"),
}


def _reason(measure: dict, comparison) -> str:
    """Why a measure has no result, in the reader's language (the stored reason is English)."""
    stored = measure.get("reason") or ""
    if measure.get("result") != INSUFFICIENT or not stored:
        return stored
    if not comparison:
        return gettext("No comparable untouched service to compare with.")
    counts = measure.get("n") or {}
    short = [
        gettext("%(pool)s n = %(n)s") % {"pool": POOL_NAMES[pool], "n": counts[pool]}
        for pool in POOLS
        if isinstance(counts.get(pool), int) and counts[pool] < MIN_N
    ]
    if not short:
        return stored
    return gettext("Each window needs at least %(count)s answers: %(short)s.") % {
        "count": MIN_N,
        "short": ", ".join(short),
    }


def _measure_rows(change) -> list[dict]:
    comparison = change.details.get("comparison", [])
    labels = dict(Verdict.choices)
    rows = []
    for measure in change.details.get("measures", []):
        result = measure.get("result", "")
        row = dict(measure)
        row["result_label"] = labels.get(result, result.replace("_", " ").capitalize())
        row["reason"] = _reason(measure, comparison)
        rows.append(row)
    return rows


@org_required("view_changes")
def change_list(request):
    verdict = request.GET.get("verdict", "")
    changes = changes_list(request.organisation, membership=request.membership)
    if verdict in Verdict.values:
        changes = changes.filter(verdict=verdict)
    else:
        verdict = ""
    return render(
        request,
        "changes/list.html",
        {
            "page": page_of(request, changes, size=25),
            "verdict": verdict,
            "verdicts": Verdict.choices,
        },
    )


@org_required("view_changes")
def change_detail(request, pk):
    change = get_object_or_404(
        changes_list(request.organisation, membership=request.membership).select_related(
            "disruption"
        ),
        pk=pk,
    )
    return render(
        request,
        "changes/detail.html",
        {
            "change": change,
            "measures": _measure_rows(change),
            "expectation": EXPECTATIONS.get(change.expected_effect, ""),
            "windows": change.details.get("windows", {}),
            "comparison": change.details.get("comparison", []),
            "units": UNITS,
        },
    )


@org_required("view_changes")
def change_league(request):
    changes = changes_list(request.organisation, membership=request.membership)
    return render(request, "changes/league.html", {"league": league_table(changes)})
