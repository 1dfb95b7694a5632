"""Pages of the changes app: the verdicts, one change, the league table."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from experience.effects import UNITS
from xmo.access import org_required
from xmo.pagination import page_of

from .choices import Verdict
from .selectors import changes_list, league_table


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
            "measures": change.details.get("measures", []),
            "windows": change.details.get("windows", {}),
            "comparison": change.details.get("comparison", []),
            "units": UNITS,
        },
    )


@org_required("view_changes")
def change_league(request):
    changes = changes_list(request.organisation, membership=request.membership)
    return render(request, "changes/league.html", {"league": league_table(changes)})
