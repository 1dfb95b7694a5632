"""Forms for XLA governance and breach work. Forms validate; xlas.services writes."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
    name = forms.CharField(max_length=200, label=_("Name"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    owner = UserChoiceField(
        queryset=None,
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("Accountable owner."),
        label=_("Owner"),
    )
    services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("Services")
    )
    personas = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for every persona."),
        label=_("Personas"),
    )
    review_due = forms.DateField(
        widget=DATE, required=False, help_text=_("Yearly by default."), label=_("Review due")
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Why these targets."),
        label=_("Rationale"),
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
            raise forms.ValidationError(gettext("Another XLA already has this name."))
        return name


class IndicatorForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"))
    key = forms.SlugField(
        max_length=64,
        required=False,
        help_text=_("Stable identifier across versions; made from the name when empty."),
        label=_("Key"),
    )
    kind = forms.ChoiceField(
        choices=IndicatorKind.choices, initial=IndicatorKind.SENTIMENT, label=_("Kind")
    )
    measure = forms.ChoiceField(
        choices=_blank(SentimentMeasure.choices, "—"),
        required=False,
        help_text=_("Sentiment only."),
        label=_("Measure"),
    )
    metric = forms.ModelChoiceField(
        queryset=None, required=False, help_text=_("Operational only."), label=_("Metric")
    )
    aggregation = forms.ChoiceField(
        choices=_blank(Aggregation.choices, "—"),
        required=False,
        help_text=_("Operational only."),
        label=_("Aggregation"),
    )
    direction = forms.ChoiceField(
        choices=Direction.choices, initial=Direction.HIGHER, label=_("Direction")
    )
    target = forms.FloatField(label=_("Target"))
    warning = forms.FloatField(help_text=_("On the bad side of the target."), label=_("Warning"))
    weight = forms.FloatField(min_value=0.01, initial=1.0, label=_("Weight"))
    period = forms.ChoiceField(choices=Period.choices, initial=Period.MONTH, label=_("Period"))
    min_sample = forms.IntegerField(min_value=0, initial=30, label=_("Minimum sample"))
    consecutive_misses = forms.IntegerField(
        min_value=1,
        max_value=24,
        initial=2,
        help_text=_("Missed closed periods that make a breach."),
        label=_("Consecutive misses"),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = OperationalMetric.objects.filter(organisation=organisation)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == IndicatorKind.SENTIMENT:
            if not data.get("measure"):
                self.add_error("measure", gettext("Choose the sentiment measure."))
            if data.get("metric"):
                self.add_error("metric", gettext("A sentiment indicator has no metric."))
            data["aggregation"] = ""
        elif kind == IndicatorKind.OPERATIONAL:
            if not data.get("metric"):
                self.add_error("metric", gettext("Choose the operational metric."))
            if not data.get("aggregation"):
                self.add_error("aggregation", gettext("Choose how samples are aggregated."))
            data["measure"] = ""
        target, warning, direction = data.get("target"), data.get("warning"), data.get("direction")
        if target is not None and warning is not None:
            if direction == Direction.HIGHER and warning > target:
                self.add_error(
                    "warning",
                    gettext("Higher is better, so the warning level must be at or below target."),
                )
            if direction == Direction.LOWER and warning < target:
                self.add_error(
                    "warning",
                    gettext("Lower is better, so the warning level must be at or above target."),
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
                form.add_error("key", gettext("Two indicators share this key; give each its own."))
            keys.add(key)
        if count == 0:
            raise forms.ValidationError(gettext("Add at least one indicator."))

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
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Why."), label=_("Rationale")
    )
    effective_from = forms.DateField(
        widget=DATE, label=_("Proposed effective date"), help_text=_("The approver may change it.")
    )


class ProposeChangeForm(forms.Form):
    """New target and warning for every indicator of the active version."""

    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the targets should change (evidence, baseline, benchmark)."),
        label=_("Rationale"),
    )
    effective_from = forms.DateField(
        widget=DATE,
        label=_("Proposed effective date"),
        help_text=_("Periods from this date would be judged by the new targets."),
    )

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(version.indicators.all())
        for ind in self.indicators:
            self.fields[f"target__{ind.key}"] = forms.FloatField(
                label=gettext("%(name)s: target") % {"name": ind.name}, initial=ind.target
            )
            self.fields[f"warning__{ind.key}"] = forms.FloatField(
                label=gettext("%(name)s: warning") % {"name": ind.name}, initial=ind.warning
            )

    def indicator_rows(self):
        return [
            (ind, self[f"target__{ind.key}"], self[f"warning__{ind.key}"])
            for ind in self.indicators
        ]

    def clean_effective_from(self):
        value = self.cleaned_data["effective_from"]
        if value < datetime.date.today() - datetime.timedelta(days=366):
            raise forms.ValidationError(
                gettext("Choose a date within the last year or in the future.")
            )
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
                self.add_error(f"warning__{ind.key}", gettext("Must be at or below the target."))
            if ind.direction == Direction.LOWER and warning < target:
                self.add_error(f"warning__{ind.key}", gettext("Must be at or above the target."))
            changed = changed or target != ind.target or warning != ind.warning
        if not self.errors and not changed:
            raise forms.ValidationError(gettext("Change at least one target or warning level."))
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
        widget=DATE, label=_("Effective from"), help_text=_("The new targets apply from this date.")
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Decision note")
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("Why is it rejected?"), max_length=2000
    )


class BreachInvestigationForm(forms.Form):
    assignee = UserChoiceField(
        queryset=None, required=False, empty_label=_("Nobody yet"), label=_("Assignee")
    )
    investigation_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
        label=_("Investigation notes"),
    )
    root_cause = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
        label=_("Root cause"),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = members(organisation)


class BreachStatusForm(forms.Form):
    status = forms.ChoiceField(choices=BreachStatus.choices, label=_("Status"))
