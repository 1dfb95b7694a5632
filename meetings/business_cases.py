"""Writes of business cases: a leader signs an initiative's measured payback (audited)."""

from __future__ import annotations

from django.db import transaction

from xmo.services import audit

from .models import BusinessCaseSignature


@transaction.atomic
def business_case_sign(*, actor, initiative, figures: dict, note: str = ""):
    """Sign an initiative's business case as measured now; the figures are kept as signed."""
    signature = BusinessCaseSignature.objects.create(
        organisation=initiative.organisation,
        initiative=initiative,
        signed_by=actor,
        figures=figures,
        note=note,
    )
    audit(
        organisation=initiative.organisation,
        actor=actor,
        action="initiative.business_case_signed",
        obj=initiative,
        after={"signature": signature.pk, "note": note, "figures": figures},
    )
    return signature
