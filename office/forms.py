"""Forms for the office's objectives and focus areas (used in quarterly strategy meetings)."""

from django import forms

from .choices import ObjectiveStatus


class ObjectiveStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ObjectiveStatus.choices, label="Status")


class FocusAreaForm(forms.Form):
    title = forms.CharField(max_length=200, label="Focus area")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Description"
    )
