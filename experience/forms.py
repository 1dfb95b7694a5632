"""Forms for reviewing score drops. Forms validate; experience.drops.services writes."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import DropMeasure, DropStatus, SegmentKind


def _blank(choices):
    return [("", _("Any")), *choices]


class DropFilterForm(forms.Form):
    week = forms.ChoiceField(required=False, label=_("Week"))
    measure = forms.ChoiceField(
        choices=_blank(DropMeasure.choices), required=False, label=_("Measure")
    )
    segment_kind = forms.ChoiceField(
        choices=_blank(SegmentKind.choices), required=False, label=_("Segment kind")
    )
    status = forms.ChoiceField(
        choices=_blank(DropStatus.choices), required=False, label=_("Status")
    )

    def __init__(self, *args, weeks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].choices = [("", _("Last 8 weeks")), ("all", _("All weeks"))] + [
            (w.isoformat(), gettext("Week of %(date)s") % {"date": date_format(w, "d M Y")})
            for w in weeks
        ]


class InvestigationForm(forms.Form):
    notes = forms.CharField(
        label=_("Investigation notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20000,
        help_text=_("What you are checking and what you found so far."),
    )
