"""Forms for XLA governance and breach work. Forms validate; xlas.services writes."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.text import slugify

from experience.choices import Direction
from experience.models import OperationalMetric, Persona, Service

from .choices import (
    Aggregation,
    BreachStatus,
    IndicatorKind,
    Period,
    SentimentMeasure,
)
from .models import XLA
from .selectors import members

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(choices, label="Any"):
    return [("", label), *choices]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


class XLAForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = UserChoiceField(
        queryset=None, required=False, empty_label="Nobody yet", help_text="Accountable owner."
    )
    services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    personas = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty for every persona.",
    )
    review_due = forms.DateField(widget=DATE, required=False, help_text="Yearly by default.")
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Why these targets."
    )

    def __init__(self, *args, organisation, instance: XLA | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.instance = instance
        self.fields["owner"].queryset = members(organisation)
        self.fields["services"].queryset = Service.objects.filter(organisation=organisation)
        self.fields["personas"].queryset = Persona.objects.filter(organisation=organisation)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = XLA.objects.filter(organisation=self.organisation, name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another XLA already has this name.")
        return name


class IndicatorForm(forms.Form):
    name = forms.CharField(max_length=200)
    key = forms.SlugField(
        max_length=64,
        required=False,
        help_text="Stable identifier across versions; made from the name when empty.",
    )
    kind = forms.ChoiceField(choices=IndicatorKind.choices, initial=IndicatorKind.SENTIMENT)
    measure = forms.ChoiceField(
        choices=_blank(SentimentMeasure.choices, "—"), required=False, help_text="Sentiment only."
    )
    metric = forms.ModelChoiceField(queryset=None, required=False, help_text="Operational only.")
    aggregation = forms.ChoiceField(
        choices=_blank(Aggregation.choices, "—"), required=False, help_text="Operational only."
    )
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.HIGHER)
    target = forms.FloatField()
    warning = forms.FloatField(help_text="On the bad side of the target.")
    weight = forms.FloatField(min_value=0.01, initial=1.0)
    period = forms.ChoiceField(choices=Period.choices, initial=Period.MONTH)
    min_sample = forms.IntegerField(min_value=0, initial=30, label="Minimum sample")
    consecutive_misses = forms.IntegerField(
        min_value=1, max_value=24, initial=2, help_text="Missed closed periods that make a breach."
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = OperationalMetric.objects.filter(organisation=organisation)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == IndicatorKind.SENTIMENT:
            if not data.get("measure"):
                self.add_error("measure", "Choose the sentiment measure.")
            if data.get("metric"):
                self.add_error("metric", "A sentiment indicator has no metric.")
            data["aggregation"] = ""
        elif kind == IndicatorKind.OPERATIONAL:
            if not data.get("metric"):
                self.add_error("metric", "Choose the operational metric.")
            if not data.get("aggregation"):
                self.add_error("aggregation", "Choose how samples are aggregated.")
            data["measure"] = ""
        target, warning, direction = data.get("target"), data.get("warning"), data.get("direction")
        if target is not None and warning is not None:
            if direction == Direction.HIGHER and warning > target:
                self.add_error(
                    "warning", "Higher is better, so the warning level must be at or below target."
                )
            if direction == Direction.LOWER and warning < target:
                self.add_error(
                    "warning", "Lower is better, so the warning level must be at or above target."
                )
        if data.get("name") and not data.get("key"):
            data["key"] = slugify(data["name"])[:64] or "indicator"
        return data


class BaseIndicatorFormSet(forms.BaseFormSet):
    def _kept(self, index: int, form) -> bool:
        """An existing indicator stays unless removed, even when left unchanged; an empty
        extra row is ignored."""
        if self._should_delete_form(form):
            return False
        return index < self.initial_form_count() or form.has_changed()

    def clean(self):
        if any(self.errors):
            return
        keys, count = set(), 0
        for index, form in enumerate(self.forms):
            if not self._kept(index, form):
                continue
            count += 1
            key = form.cleaned_data.get("key")
            if key in keys:
                form.add_error("key", "Two indicators share this key; give each its own.")
            keys.add(key)
        if count == 0:
            raise forms.ValidationError("Add at least one indicator.")

    def indicators(self) -> list[dict]:
        return [form.cleaned_data for i, form in enumerate(self.forms) if self._kept(i, form)]


def indicator_formset(*, organisation, data=None, initial=None, extra=2):
    formset_class = forms.formset_factory(
        IndicatorForm, formset=BaseIndicatorFormSet, extra=extra, can_delete=True
    )
    return formset_class(
        data=data,
        initial=initial,
        prefix="ind",
        form_kwargs={"organisation": organisation},
    )


def indicator_initial(version) -> list[dict]:
    return [
        {
            "name": i.name,
            "key": i.key,
            "kind": i.kind,
            "measure": i.measure,
            "metric": i.metric_id,
            "aggregation": i.aggregation,
            "direction": i.direction,
            "target": i.target,
            "warning": i.warning,
            "weight": i.weight,
            "period": i.period,
            "min_sample": i.min_sample,
            "consecutive_misses": i.consecutive_misses,
        }
        for i in version.indicators.all()
    ]


class ProposeDraftForm(forms.Form):
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why.")
    effective_from = forms.DateField(
        widget=DATE, label="Proposed effective date", help_text="The approver may change it."
    )


class ProposeChangeForm(forms.Form):
    """New target and warning for every indicator of the active version."""

    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why the targets should change (evidence, baseline, benchmark).",
    )
    effective_from = forms.DateField(
        widget=DATE,
        label="Proposed effective date",
        help_text="Periods from this date would be judged by the new targets.",
    )

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(version.indicators.all())
        for ind in self.indicators:
            self.fields[f"target__{ind.key}"] = forms.FloatField(
                label=f"{ind.name}: target", initial=ind.target
            )
            self.fields[f"warning__{ind.key}"] = forms.FloatField(
                label=f"{ind.name}: warning", initial=ind.warning
            )

    def indicator_rows(self):
        return [
            (ind, self[f"target__{ind.key}"], self[f"warning__{ind.key}"])
            for ind in self.indicators
        ]

    def clean_effective_from(self):
        value = self.cleaned_data["effective_from"]
        if value < datetime.date.today() - datetime.timedelta(days=366):
            raise forms.ValidationError("Choose a date within the last year or in the future.")
        return value

    def clean(self):
        data = super().clean()
        changed = False
        for ind in self.indicators:
            target = data.get(f"target__{ind.key}")
            warning = data.get(f"warning__{ind.key}")
            if target is None or warning is None:
                continue
            if ind.direction == Direction.HIGHER and warning > target:
                self.add_error(f"warning__{ind.key}", "Must be at or below the target.")
            if ind.direction == Direction.LOWER and warning < target:
                self.add_error(f"warning__{ind.key}", "Must be at or above the target.")
            changed = changed or target != ind.target or warning != ind.warning
        if not self.errors and not changed:
            raise forms.ValidationError("Change at least one target or warning level.")
        return data

    def targets(self) -> dict[str, tuple[float, float]]:
        return {
            ind.key: (
                self.cleaned_data[f"target__{ind.key}"],
                self.cleaned_data[f"warning__{ind.key}"],
            )
            for ind in self.indicators
        }


class ApproveForm(forms.Form):
    effective_from = forms.DateField(
        widget=DATE, label="Effective from", help_text="The new targets apply from this date."
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Decision note"
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label="Why is it rejected?", max_length=2000
    )


class BreachInvestigationForm(forms.Form):
    assignee = UserChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    investigation_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=20000
    )
    root_cause = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=20000
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members(organisation)


class BreachStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BreachStatus.choices)
