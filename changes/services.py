"""Writes of the changes app, each audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from experience.disruptions.services import disruption_save
from xmo.services import audit

from .models import Change


def change_record(*, actor, organisation, data: dict, source: str = "") -> tuple[Change, bool]:
    """Record an ITSM change; idempotent by `external_id` (the first version is kept).

    `data`: external_id, title, services (Service objects), implemented_at, expected_effect,
    optionally window_weeks and `disruption` (a dict of the disruption's fields: its
    services are the change's). Returns (change, created).
    """
    existing = Change.objects.filter(
        organisation=organisation, external_id=data["external_id"]
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return _create(actor=actor, organisation=organisation, data=data, source=source), True
    except IntegrityError:  # the same external_id recorded by a concurrent request
        return Change.objects.get(organisation=organisation, external_id=data["external_id"]), False


def _create(*, actor, organisation, data, source) -> Change:
    data = dict(data)
    services = list(data.pop("services"))
    window = data.pop("disruption", None)
    disruption = None
    if window:
        disruption = disruption_save(
            actor=actor,
            organisation=organisation,
            data={
                "title": window.get("title")
                or f"Change {data['external_id']}: {data['title']}"[:200],
                "source": source,
                **{k: v for k, v in window.items() if k != "title"},
                "services": services,
            },
        )
    person = (
        actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None
    )
    change = Change(
        organisation=organisation, source=source, disruption=disruption, created_by=person, **data
    )
    change.full_clean(exclude=["services", "created_by"])
    change.save()
    change.services.set(services)
    audit(
        organisation=organisation,
        actor=actor,
        action="change.recorded",
        obj=change,
        after={
            "external_id": change.external_id,
            "title": change.title,
            "services": sorted(s.slug for s in services),
            "implemented_at": change.implemented_at.isoformat(),
            "expected_effect": change.expected_effect,
            "window_weeks": change.window_weeks,
            "disruption": disruption.pk if disruption else None,
            "source": source,
        },
    )
    return change
