"""Incidents: the score drops of one week and measure whose responses overlap, as one event.

One cause (a VPN outage) drags down every segment its responses fall in: the service, its
assignment group, the channels, personas and locations the affected people used, and the
whole organisation. Each is a drop of its own; together they are one incident.

- **Grouping.** For one organisation, week and measure, two drops belong together when their
  segments share responses of that week: |A ∩ B| ≥ OVERLAP_SHARE · min(|A|, |B|). The whole
  organisation contains every segment. Groups are the connected components of that relation.
  Intersections are counted from one aggregate of the week's raw responses per combination
  of service, persona, touchpoint, channel, location and assignment group.
- **Attribution.** The group's reference R is its broadest member (most responses). A
  member T explains the share w_T · Δ_T / Δ_R of R's change, where Δ is the change against
  the baseline and w_T = (n_T / n_R) · |R ∩ T| / |T| is T's weight inside R this week (for
  T inside R, simply n_T / n_R). This is the rate part of the mix/rate split of R's change
  attributed down the segment hierarchy; the baseline of R ∩ T is taken as T's own.
- **Headline.** The most specific member (fewest responses) that explains at least
  HEADLINE_SHARE of R's change; R itself when none does. The other members are listed
  under it with their shares.

An incident whose week and segments (its service and persona drops) a declared disruption
covers is acknowledged in advance (`disruption`): stored and shown, but not notified.

Rebuilding is idempotent: a group keeps the incident most of its drops already belong to,
with its status; incidents left with no drop are deleted. `incident.detected` is emitted
once, when an incident is created.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from xmo import webhooks

from ..choices import SegmentKind
from ..disruptions.selectors import covering, local_span, windows
from ..models import Incident, ScoreDrop, Service
from ..segments import responses

OVERLAP_SHARE = 0.1
HEADLINE_SHARE = 0.6

_CELL_FIELDS = (
    "service__slug",
    "persona__slug",
    "touchpoint",
    "channel",
    "location",
    "assignment_group",
)
_KIND_INDEX = {
    SegmentKind.SERVICE: 0,
    SegmentKind.PERSONA: 1,
    SegmentKind.TOUCHPOINT: 2,
    SegmentKind.CHANNEL: 3,
    SegmentKind.LOCATION: 4,
    SegmentKind.ASSIGNMENT_GROUP: 5,
}
# Among equally specific headlines: the one an owner can act on first.
_KIND_ORDER = [
    SegmentKind.SERVICE,
    SegmentKind.ASSIGNMENT_GROUP,
    SegmentKind.TOUCHPOINT,
    SegmentKind.CHANNEL,
    SegmentKind.PERSONA,
    SegmentKind.LOCATION,
    SegmentKind.ALL,
]


def week_cells(org, week: datetime.date) -> list[tuple[tuple, int]]:
    """[(segment values of one combination, responses)] of the week, in one query."""
    rows = (
        responses(org, week, week + datetime.timedelta(days=7))
        .values(*_CELL_FIELDS)
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(tuple(r[f] or "" for f in _CELL_FIELDS), r["n"]) for r in rows]


def _member(drop: ScoreDrop, cell: tuple) -> bool:
    if drop.segment_kind == SegmentKind.ALL:
        return True
    index = _KIND_INDEX.get(drop.segment_kind)
    return index is not None and cell[index] == drop.segment_value


class _Overlap:
    """Response counts of segments and of their intersections in one week."""

    def __init__(self, drops: list[ScoreDrop], cells: list[tuple[tuple, int]]):
        self.masks = {d.pk: [_member(d, cell) for cell, _ in cells] for d in drops}
        self.counts = [n for _, n in cells]
        self.sizes = {pk: self._sum(mask) for pk, mask in self.masks.items()}

    def _sum(self, mask) -> int:
        return sum(n for n, inside in zip(self.counts, mask, strict=True) if inside)

    def both(self, a: int, b: int) -> int:
        ma, mb = self.masks[a], self.masks[b]
        return sum(n for n, x, y in zip(self.counts, ma, mb, strict=True) if x and y)

    def overlap(self, a: int, b: int) -> bool:
        smaller = min(self.sizes[a], self.sizes[b])
        shared = self.both(a, b)
        return shared > 0 and shared >= OVERLAP_SHARE * smaller


def group_drops(drops: list[ScoreDrop], overlap: _Overlap) -> list[list[ScoreDrop]]:
    """Connected components of the overlap relation, in a stable order."""
    parent = {d.pk: d.pk for d in drops}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(drops):
        for b in drops[i + 1 :]:
            if find(a.pk) != find(b.pk) and overlap.overlap(a.pk, b.pk):
                parent[find(a.pk)] = find(b.pk)
    groups: dict[int, list[ScoreDrop]] = {}
    for d in drops:
        groups.setdefault(find(d.pk), []).append(d)
    return sorted(groups.values(), key=lambda g: min(d.pk for d in g))


def attribute(group: list[ScoreDrop], overlap: _Overlap) -> tuple[ScoreDrop, dict[int, float]]:
    """(headline drop, {drop id: share of the reference change it explains})."""
    reference = max(
        group, key=lambda d: (overlap.sizes[d.pk], d.segment_kind == SegmentKind.ALL, -d.pk)
    )
    shares: dict[int, float] = {}
    for d in group:
        if d.pk == reference.pk or not reference.delta:
            shares[d.pk] = 1.0 if d.pk == reference.pk else 0.0
            continue
        inside = (
            overlap.both(reference.pk, d.pk) / overlap.sizes[d.pk] if overlap.sizes[d.pk] else 0
        )
        weight = (d.n / reference.n) * inside if reference.n else 0.0
        shares[d.pk] = round(weight * d.delta / reference.delta, 4)
    candidates = [d for d in group if shares[d.pk] >= HEADLINE_SHARE]
    headline = min(
        candidates,
        key=lambda d: (
            overlap.sizes[d.pk],
            -shares[d.pk],
            _KIND_ORDER.index(d.segment_kind) if d.segment_kind in _KIND_ORDER else 99,
            d.pk,
        ),
    )
    return headline, shares


@transaction.atomic
def build_incidents(org, week: datetime.date) -> list[Incident]:
    """Group the week's drops into incidents (idempotent); returns the week's incidents."""
    drops = list(
        ScoreDrop.objects.filter(organisation=org, week_start=week).order_by("measure", "pk")
    )
    kept: list[Incident] = []
    if drops:
        overlap = _Overlap(drops, week_cells(org, week))
        span = local_span(org, week, week + datetime.timedelta(days=7))
        declared = windows(org, *span)
        for measure in sorted({d.measure for d in drops}):
            members = [d for d in drops if d.measure == measure]
            for group in group_drops(members, overlap):
                acknowledged = _acknowledging(declared, span, group)
                kept.append(_save_incident(org, week, measure, group, overlap, kept, acknowledged))
    Incident.objects.filter(organisation=org, week_start=week).exclude(
        pk__in=[i.pk for i in kept]
    ).delete()
    return kept


def _acknowledging(declared, span, group: list[ScoreDrop]) -> int | None:
    """The declared disruption whose window and segments cover the incident, if any.

    The segments read are the group's service and persona drops (a drop of the whole
    organisation, a channel or a location is covered through them).
    """
    if not declared:
        return None
    services = {d.segment_value for d in group if d.segment_kind == SegmentKind.SERVICE}
    personas = {d.segment_value for d in group if d.segment_kind == SegmentKind.PERSONA}
    if not services and not personas:
        return None
    window = covering(
        declared, start=span[0], end=span[1], services=services or None, personas=personas or None
    )
    return window.id if window else None


def _save_incident(org, week, measure, group, overlap, taken, acknowledged=None) -> Incident:
    headline, shares = attribute(group, overlap)
    taken_ids = {i.pk for i in taken}
    owners = Counter(
        d.incident_id for d in group if d.incident_id and d.incident_id not in taken_ids
    )
    incident = None
    for pk, _ in sorted(owners.items(), key=lambda kv: (-kv[1], kv[0])):
        incident = Incident.objects.filter(
            pk=pk, organisation=org, week_start=week, measure=measure
        ).first()
        if incident:
            break
    fields = {
        "headline_kind": headline.segment_kind,
        "headline_value": headline.segment_value,
        "headline_label": headline.segment_label or headline.segment_value,
        "service": _service(org, headline),
        "change": headline.delta,
        "explained_share": shares[headline.pk],
        "disruption_id": acknowledged,
    }
    if incident is None:
        incident = Incident.objects.create(
            organisation=org, week_start=week, measure=measure, **fields
        )
        if acknowledged is None:  # acknowledged in advance: shown, not notified
            _emit_detected(incident, group, headline)
    else:
        changed = [f for f, v in fields.items() if getattr(incident, f) != v]
        for f in changed:
            setattr(incident, f, fields[f])
        if changed:
            incident.save(update_fields=changed)
    stale = []
    for d in group:
        if d.incident_id != incident.pk or d.explained_share != shares[d.pk]:
            d.incident_id, d.explained_share = incident.pk, shares[d.pk]
            stale.append(d)
    if stale:
        ScoreDrop.objects.bulk_update(stale, ["incident", "explained_share"])
    return incident


def _service(org, drop: ScoreDrop) -> Service | None:
    if drop.segment_kind != SegmentKind.SERVICE:
        return None
    return drop.service or Service.objects.filter(organisation=org, slug=drop.segment_value).first()


def _emit_detected(incident: Incident, group: list[ScoreDrop], headline: ScoreDrop) -> None:
    with translation.override("en"):  # webhook payloads are English (a contract)
        measure = incident.get_measure_display()
    payload = {
        "id": incident.pk,
        "title": (
            f"{measure} for {incident.headline_label} in the week of {incident.week_start:%d %b %Y}"
        ),
        "url": webhooks.absolute_url(reverse("experience:drop_detail", args=[headline.pk])),
        "week_start": incident.week_start,
        "measure": incident.measure,
        "headline": {"kind": incident.headline_kind, "value": incident.headline_value},
        "change": incident.change,
        "drops": sorted(d.pk for d in group),
    }
    for event in (webhooks.events.INCIDENT_DETECTED, webhooks.events.SCORE_DROP_DETECTED):
        webhooks.emit(
            organisation_id=incident.organisation_id,
            event=event,
            key=f"incident:{incident.pk}",
            payload=payload,
        )
