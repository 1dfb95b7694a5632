"""Writes of the disruption register, each audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from xmo.audit import audit_change
from xmo.services import snapshot

from .models import Disruption

FIELDS = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "expected_happiness_effect",
    "expected_lost_time_effect",
    "expected_effect_notes",
    "mitigation",
    "approved_by",
    "source",
]


def _picture(disruption: Disruption) -> dict:
    data = snapshot(disruption, FIELDS)
    data["services"] = sorted(s.slug for s in disruption.services.all())
    data["personas"] = sorted(p.slug for p in disruption.personas.all())
    return data


@transaction.atomic
def disruption_save(*, actor, organisation, data: dict, disruption: Disruption | None = None):
    """Create or update a declared disruption.

    `data`: the model fields plus `services` (required, the organisation's Service objects)
    and `personas` (may be empty: every persona).
    """
    data = dict(data)
    services = list(data.pop("services", None) or [])
    personas = list(data.pop("personas", None) or [])
    if not services:
        raise ValidationError({"services": [gettext("Name at least one affected service.")]})
    for obj in (*services, *personas):
        if obj.organisation_id != organisation.pk:
            raise ValidationError({"services": [gettext("Unknown service or persona.")]})
    if disruption is None:
        disruption = Disruption(organisation=organisation, created_by=_person(actor))
    elif disruption.organisation_id != organisation.pk:
        raise ValueError("That disruption belongs to another organisation.")
    with audit_change(
        disruption,
        actor=actor,
        action="disruption.updated",
        created_action="disruption.declared",
        organisation=organisation,
        reread=True,
        only_changes=True,
        picture=_picture,
    ):
        approver_before = disruption.approved_by_id
        for key, value in data.items():
            setattr(disruption, key, value)
        if disruption.approved_by_id and disruption.approved_by_id != approver_before:
            disruption.approved_at = timezone.now()
        elif not disruption.approved_by_id:
            disruption.approved_at = None
        disruption.full_clean(exclude=["services", "personas"])
        disruption.save()
        disruption.services.set(services)
        disruption.personas.set(personas)
    return disruption


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) and actor.pk else None
