"""The form officers and service owners declare a disruption with."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xmo.selectors import organisation_members

from ..models import Persona, Service
from .models import Disruption

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DisruptionForm(forms.ModelForm):
    services = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("Affected services")
    )
    personas = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Affected personas"),
        help_text=_("Leave empty when every persona of the services is affected."),
    )
    approved_by = forms.ModelChoiceField(queryset=None, required=False, label=_("Approved by"))

    class Meta:
        model = Disruption
        fields = [
            "title",
            "description",
            "services",
            "personas",
            "starts_at",
            "ends_at",
            "expected_happiness_effect",
            "expected_lost_time_effect",
            "expected_effect_notes",
            "mitigation",
            "approved_by",
        ]
        labels = {
            "starts_at": _("Starts (local time)"),
            "ends_at": _("Ends (local time)"),
            "expected_happiness_effect": _("Expected effect on happiness (points)"),
            "expected_lost_time_effect": _("Expected effect on lost time (minutes per ticket)"),
            "mitigation": _("How it will be eased"),
            "title": _("Title"),
            "description": _("Description"),
            "expected_effect_notes": _("Expected effect notes"),
        }
        widgets = {"starts_at": WHEN, "ends_at": WHEN}

    def __init__(self, *args, organisation, owner=None, **kwargs):
        """`owner`: a service owner may declare disruptions of their own services only."""
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(organisation=organisation, is_active=True)
        if owner is not None:
            services = services.filter(owner=owner)
        self.fields["services"].queryset = services.order_by("name")
        self.fields["personas"].queryset = Persona.objects.filter(
            organisation=organisation
        ).order_by("name")
        self.fields["approved_by"].queryset = organisation_members(organisation)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        return data
