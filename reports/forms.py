import datetime
import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import ReportSection

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> datetime.date:
    match = MONTH_RE.match((value or "").strip())
    if not match:
        raise ValueError(gettext("Enter a month as YYYY-MM, e.g. 2026-10."))
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000:
        raise ValueError(gettext("Enter a real month as YYYY-MM, e.g. 2026-10."))
    return datetime.date(year, month, 1)


class DraftMonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        help_text=_("The month to draft (YYYY-MM). An existing draft is refreshed."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-10"}),
    )

    def __init__(self, *args, today=None, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_month(self):
        try:
            month = parse_month(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if self.today and month > self.today.replace(day=1):
            raise forms.ValidationError(gettext("That month has not started yet."))
        return month


class SectionForm(forms.ModelForm):
    class Meta:
        model = ReportSection
        fields = ["title", "narrative", "is_visible"]
        labels = {
            "title": _("Section title"),
            "narrative": _("Narrative"),
            "is_visible": _("Show this section in the report"),
        }
        help_texts = {"narrative": _("Markdown: **bold**, *italic*, lists, links, tables.")}
        widgets = {"narrative": forms.Textarea(attrs={"rows": 5})}


class QuotesForm(forms.Form):
    quotes = forms.MultipleChoiceField(
        label=_("Quotes to include"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        self.fields["quotes"].choices = [(str(r.pk), r.comment) for r in self.candidates]
