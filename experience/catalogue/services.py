"""Writes for the catalogue: services, personas, operational metrics, each audited."""

from __future__ import annotations

from django.db import transaction

from xmo.audit import audit_change

from ..models import OperationalMetric, Persona, Service


def _catalogue_save(*, model, organisation, actor, instance=None, data: dict, label: str):
    """Create or update a service, persona or metric of the organisation, with its audit event."""
    many = {k: v for k, v in data.items() if isinstance(v, list | tuple)}
    plain = {k: v for k, v in data.items() if k not in many}
    created = instance is None
    if created:
        instance = model(organisation=organisation)
    elif instance.organisation_id != organisation.pk:
        raise ValueError("That object belongs to another organisation.")
    # A bound ModelForm has already changed the instance in memory: "before" is reread.
    with audit_change(
        instance,
        actor=actor,
        action=f"{label}.{'created' if created else 'updated'}",
        fields=list(plain),
        organisation=organisation,
        reread=True,
        only_changes=True,
    ):
        for key, value in plain.items():
            setattr(instance, key, value)
        instance.full_clean()
        instance.save()
    return instance


@transaction.atomic
def service_save(*, organisation, actor, data: dict, service=None):
    return _catalogue_save(
        model=Service,
        organisation=organisation,
        actor=actor,
        instance=service,
        data=data,
        label="service",
    )


@transaction.atomic
def persona_save(*, organisation, actor, data: dict, persona=None):
    return _catalogue_save(
        model=Persona,
        organisation=organisation,
        actor=actor,
        instance=persona,
        data=data,
        label="persona",
    )


@transaction.atomic
def metric_save(*, organisation, actor, data: dict, metric=None):
    return _catalogue_save(
        model=OperationalMetric,
        organisation=organisation,
        actor=actor,
        instance=metric,
        data=data,
        label="metric",
    )
