"""Reads of the changes app, scoped to an organisation."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch

from experience.models import Service
from xmo.choices import Role

from .choices import EXPECTED_VERDICT, Verdict
from .models import Change

JUDGED = (Verdict.IMPROVED, Verdict.NO_CHANGE, Verdict.WORSENED)


def changes_list(org, *, membership=None):
    """The organisation's changes, newest first; a service owner sees their services' only."""
    changes = Change.objects.filter(organisation=org).prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("name"))
    )
    if membership is not None and membership.role == Role.SERVICE_OWNER:
        changes = changes.filter(services__owner=membership.user).distinct()
    return changes


def league_table(changes) -> dict:
    """Expected against measured effect per change source and per service.

    A row counts the changes, those judged (improved / no change / worsened), those whose
    verdict matched the expectation (improve → improved, neutral → no change, worsen →
    worsened), the verdicts, and the mean measured happiness effect (points) of the judged
    changes read on happiness.
    """
    by_source: dict = defaultdict(_row)
    by_service: dict = defaultdict(_row)
    for change in changes:
        rows = [by_source[change.source or "Recorded by hand"]]
        rows += [by_service[s.name] for s in change.services.all()]
        for row in rows:
            _count(row, change)
    return {"sources": _finish(by_source), "services": _finish(by_service)}


def _row() -> dict:
    return {
        "changes": 0,
        "judged": 0,
        "as_expected": 0,
        "verdicts": {v: 0 for v in Verdict.values},
        "expected": {"improve": 0, "neutral": 0, "worsen": 0},
        "effects": [],
    }


def _count(row: dict, change: Change) -> None:
    row["changes"] += 1
    row["verdicts"][change.verdict] += 1
    row["expected"][change.expected_effect] += 1
    if change.verdict in JUDGED:
        row["judged"] += 1
        row["as_expected"] += change.verdict == EXPECTED_VERDICT[change.expected_effect]
        if change.verdict_measure == "happiness" and change.effect is not None:
            row["effects"].append(change.effect)


def _finish(rows: dict) -> list[dict]:
    result = []
    for name, row in rows.items():
        effects = row.pop("effects")
        row["name"] = name
        row["hit_rate"] = (
            round(100 * row["as_expected"] / row["judged"], 1) if row["judged"] else None
        )
        row["mean_happiness_effect"] = round(sum(effects) / len(effects), 1) if effects else None
        result.append(row)
    result.sort(key=lambda r: (-(r["hit_rate"] or -1), -r["changes"], r["name"]))
    return result
