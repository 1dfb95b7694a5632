"""Forms for reviewing score drops. Forms validate; experience.drops.services writes."""

from __future__ import annotations

from django import forms

from .choices import DropMeasure, DropStatus, SegmentKind


def _blank(choices):
    return [("", "Any"), *choices]


class DropFilterForm(forms.Form):
    week = forms.ChoiceField(required=False, label="Week")
    measure = forms.ChoiceField(choices=_blank(DropMeasure.choices), required=False)
    segment_kind = forms.ChoiceField(
        choices=_blank(SegmentKind.choices), required=False, label="Segment kind"
    )
    status = forms.ChoiceField(choices=_blank(DropStatus.choices), required=False)

    def __init__(self, *args, weeks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = [("", "Last 8 weeks"), ("all", "All weeks")] + [
            (w.isoformat(), f"Week of {w:%d %b %Y}") for w in weeks
        ]


class InvestigationForm(forms.Form):
    notes = forms.CharField(
        label="Investigation notes",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        help_text="What you are checking and what you found so far.",
    )
