"""Forms of the office pages (and of the quarterly strategy meeting's objectives and focus)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from experience.models import Persona, Service
from xlas.models import Indicator

from .choices import DutyLevel, KeyResultMeasure, ObjectiveHorizon, ObjectiveStatus, ScopeStatus
from .services.objectives import CLOSED

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ObjectiveStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ObjectiveStatus.choices, label=_("Status"))


class FocusAreaForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Focus area"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Description")
    )


class MissionForm(forms.Form):
    mission = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        label=_("Mission"),
        help_text=_("Why the office exists, in two or three sentences everyone can repeat."),
    )


class HandOverForm(forms.Form):
    decided_on = forms.DateField(widget=DATE, label=_("Decided on"))
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Decision"),
        help_text=_("What was decided and by whom (e.g. the steering group after the pilot)."),
    )


class DutyForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Duty"))
    description = forms.CharField(required=False, label=_("What it involves"), max_length=1000)
    order = forms.IntegerField(
        min_value=0, max_value=999, initial=0, required=False, label=_("Order")
    )
    temporary = forms.BooleanField(
        required=False,
        label=_("Task-force role (ends with the hand-over)"),
    )


class DutyAssignForm(forms.Form):
    membership = forms.IntegerField(label=_("Membership"))
    level = forms.ChoiceField(
        choices=[("", "—"), *DutyLevel.choices], required=False, label=_("Level")
    )


class ScopeForm(forms.Form):
    status = forms.ChoiceField(choices=ScopeStatus.choices, label=_("Scope"))
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason to override the checklist"),
        help_text=_("Needed only to put a service in scope before its checklist is met."),
        max_length=1000,
    )


class ObjectiveForm(forms.Form):
    horizon = forms.ChoiceField(choices=ObjectiveHorizon.choices, label=_("Horizon"))
    title = forms.CharField(max_length=200, label=_("Objective"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    starts_on = forms.DateField(widget=DATE, label=_("Starts on"))
    due_on = forms.DateField(widget=DATE, label=_("Due on"))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("due_on") and data["due_on"] <= data["starts_on"]:
            self.add_error("due_on", gettext("The due date must come after the start."))
        return data


class ObjectiveReviewForm(forms.Form):
    status = forms.ChoiceField(choices=ObjectiveStatus.choices, label=_("Status"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Review note"), max_length=4000
    )


class ObjectiveCloseForm(forms.Form):
    status = forms.ChoiceField(
        choices=[c for c in ObjectiveStatus.choices if c[0] in CLOSED], label=_("Outcome")
    )
    closed_on = forms.DateField(widget=DATE, label=_("Closed on"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Note"), max_length=4000
    )


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Key result"))
    measure = forms.ChoiceField(choices=KeyResultMeasure.choices, label=_("Measure"))
    indicator = forms.ChoiceField(
        required=False,
        label=_("XLA indicator"),
        help_text=_("For the measure “XLA indicator”: an indicator of an active XLA."),
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label=_("Service"), empty_label=_("All")
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.none(), required=False, label=_("Persona"), empty_label=_("All")
    )
    start_value = forms.FloatField(label=_("Start value"))
    target_value = forms.FloatField(label=_("Target value"))
    starts_on = forms.DateField(widget=DATE, label=_("Starts on"))
    due_on = forms.DateField(widget=DATE, label=_("Target date"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(organisation=organisation)
        self.fields["persona"].queryset = Persona.objects.filter(organisation=organisation)
        indicators = (
            Indicator.objects.filter(
                version__xla__organisation=organisation, version__status="active"
            )
            .select_related("version__xla")
            .order_by("version__xla__name", "order")
        )
        self.fields["indicator"].choices = [("", "—")] + [
            (f"{i.version.xla_id}:{i.key}", f"{i.version.xla.name} — {i.name}") for i in indicators
        ]

    def clean(self):
        data = super().clean()
        if data.get("measure") == KeyResultMeasure.XLA_INDICATOR and not data.get("indicator"):
            self.add_error(
                "indicator", gettext("Choose the XLA indicator this key result follows.")
            )
        if data.get("starts_on") and data.get("due_on") and data["due_on"] <= data["starts_on"]:
            self.add_error("due_on", gettext("The target date must come after the start."))
        return data

    def service_fields(self) -> dict:
        """The cleaned data as key_result_save takes it."""
        data = dict(self.cleaned_data)
        indicator = data.pop("indicator", "")
        if data["measure"] == KeyResultMeasure.XLA_INDICATOR:
            xla_id, key = indicator.split(":", 1)
            data.update(xla_id=int(xla_id), indicator_key=key, service=None, persona=None)
        return data


class OfficerProfileForm(forms.Form):
    part_time_share = forms.IntegerField(
        min_value=1, max_value=100, label=_("Part-time share (%)"), help_text=_("Of working time.")
    )
    certification = forms.CharField(max_length=100, required=False, label=_("Certification"))
    certified_on = forms.DateField(widget=DATE, required=False, label=_("Certified on"))
    service_areas = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Service areas"),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_areas"].queryset = Service.objects.filter(
            organisation=organisation, is_active=True
        )


class TrainingForm(forms.Form):
    course = forms.CharField(max_length=200, label=_("Course"))
    due_on = forms.DateField(widget=DATE, label=_("Due on"))
    completed_on = forms.DateField(widget=DATE, required=False, label=_("Completed on"))
    evidence = forms.URLField(
        required=False, label=_("Evidence (link)"), max_length=200, assume_scheme="https"
    )
