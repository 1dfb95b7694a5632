from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from experience.choices import TriageStatus

from .choices import FollowUpStatus, RuleMatch
from .matching import EXCLUDE
from .models import FollowUp, Tag, TagRule
from .selectors import follow_up_owner_choices

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_PATTERN_LINES = 50
# As much of a rule as the live preview searches for.
PREVIEW_CHARS = 5000


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("tag", _("Add tag")),
        ("untag", _("Remove tag")),
        ("status", _("Set status")),
    ]
    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    ids = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        error_messages={"required": _("Select at least one comment first.")},
        label=_("Ids"),
    )
    tag = forms.ModelChoiceField(queryset=Tag.objects.none(), required=False, label=_("Tag"))
    status = forms.ChoiceField(
        choices=[("", "—")] + TriageStatus.choices, required=False, label=_("Status")
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(organisation=organisation)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("tag", "untag") and not data.get("tag"):
            self.add_error("tag", gettext("Choose a tag."))
        if action == "status" and not data.get("status"):
            self.add_error("status", gettext("Choose a status."))
        return data


class QuickTagForm(forms.Form):
    name = forms.CharField(label=_("Add a tag"), max_length=80)

    def __init__(self, *args, organisation, can_create: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.can_create = can_create

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        tag = Tag.objects.filter(organisation=self.organisation, name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.filter(organisation=self.organisation, slug=name.lower()).first()
        if tag is None and not self.can_create:
            raise forms.ValidationError(
                gettext("No tag named “%(name)s”. Pick an existing tag.") % {"name": name}
            )
        self.tag = tag
        return name


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TriageStatus.choices, label=_("Status"))


class FollowUpForm(forms.ModelForm):
    contacted_at = forms.DateTimeField(
        required=False,
        label=_("Contacted at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the person was reached, in the organisation's time zone."),
    )

    class Meta:
        model = FollowUp
        fields = ["owner", "due_on", "status", "contacted_at", "outcome"]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "outcome": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "due_on": _("Due date"),
            "owner": _("Owner"),
            "status": _("Status"),
            "outcome": _("Outcome"),
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = follow_up_owner_choices(organisation)
        self.fields["owner"].required = True
        self.fields["status"].choices = FollowUpStatus.choices

    def clean(self):
        data = super().clean()
        if data.get("status") == FollowUpStatus.CONTACTED and not data.get("contacted_at"):
            self.add_error("contacted_at", gettext("Say when the person was contacted."))
        return data


class TagForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    color = forms.CharField(
        label=_("Colour"),
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"type": "color"}),
    )

    def clean_color(self):
        color = self.cleaned_data.get("color", "")
        if color and not COLOR_RE.match(color):
            raise forms.ValidationError(gettext("Use a colour like #4c6ef5."))
        return color


class TagMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Tag.objects.none(), label=_("Merge into"), empty_label=_("Choose a tag")
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Tag.objects.filter(
            organisation_id=source.organisation_id
        ).exclude(pk=source.pk)


class TagRuleForm(forms.ModelForm):
    apply_to_recent = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Also suggest the tag for matching comments of the last 90 days"),
        help_text=_("Otherwise only comments that arrive from now on get suggestions."),
    )

    class Meta:
        model = TagRule
        fields = [
            "name",
            "tag",
            "match",
            "patterns",
            "min_score",
            "max_score",
            "factors",
            "is_active",
        ]
        labels = {
            "name": _("Rule name"),
            "tag": _("Suggest tag"),
            "match": _("Match"),
            "patterns": _("Keywords or phrases"),
            "min_score": _("Lowest score"),
            "max_score": _("Highest score"),
            "factors": _("Only when the response names one of these factors"),
            "is_active": _("Active"),
        }
        widgets = {
            "patterns": forms.Textarea(attrs={"rows": 5}),
            "factors": forms.Textarea(attrs={"rows": 3}),
            "min_score": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "max_score": forms.NumberInput(attrs={"min": 0, "max": 10}),
        }
        help_texts = {
            "patterns": _(
                "One per line. Case is ignored; keywords match whole words only. A word"
                " ending in * matches every word it starts (freez* finds freezing); a line"
                " starting with - is a phrase in which matches do not count (-not slow)."
            ),
            "min_score": _("0–10; empty for any. A complaint tag usually takes 0 to 6."),
            "max_score": _("0–10; empty for any. A praise tag usually takes 9 to 10."),
            "factors": _("One factor per line, as the survey names it; empty for any."),
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.filter(organisation=organisation)
        self.fields["tag"].empty_label = gettext("Choose a tag")
        self.fields["match"].choices = RuleMatch.choices

    def clean_patterns(self):
        lines = [p.strip() for p in self.cleaned_data["patterns"].splitlines() if p.strip()]
        if len(lines) > MAX_PATTERN_LINES:
            raise forms.ValidationError(
                gettext("Use at most %(count)s lines.") % {"count": MAX_PATTERN_LINES}
            )
        return "\n".join(lines)

    def clean_factors(self):
        lines = [f.strip() for f in self.cleaned_data["factors"].splitlines() if f.strip()]
        if len(lines) > MAX_PATTERN_LINES:
            raise forms.ValidationError(
                gettext("Use at most %(count)s lines.") % {"count": MAX_PATTERN_LINES}
            )
        return "\n".join(lines)

    def preview_rule(self) -> TagRule:
        """An unsaved rule from the fields that are valid so far, for the live preview."""
        data = getattr(self, "cleaned_data", {})
        return TagRule(
            # As much as a preview can search for: SQLite refuses LIKE patterns past 50 000 bytes.
            patterns=(data.get("patterns") or self.data.get("patterns", ""))[:PREVIEW_CHARS],
            match=data.get("match") or RuleMatch.ANY_KEYWORD,
            min_score=data.get("min_score"),
            max_score=data.get("max_score"),
            factors=data.get("factors", ""),
        )

    def clean(self):
        data = super().clean()
        for bound in ("min_score", "max_score"):
            if data.get(bound) is not None and not 0 <= data[bound] <= 10:
                self.add_error(bound, gettext("Scores run from 0 to 10."))
                data[bound] = None
        low, high = data.get("min_score"), data.get("max_score")
        if low is not None and high is not None and low > high:
            self.add_error("max_score", gettext("The highest score must not be below the lowest."))
            data["max_score"] = None
        if data.get("match") == RuleMatch.ANY_KEYWORD and data.get("patterns"):
            # An exclusion ("-not slow") is always a phrase.
            multi = [
                p
                for p in data["patterns"].splitlines()
                if len(p.split()) > 1 and not p.strip().startswith(EXCLUDE)
            ]
            if multi:
                self.add_error(
                    "patterns",
                    gettext(
                        "“%(pattern)s” has several words: a keyword is one word. "
                        "Choose “Any phrase” to match word sequences."
                    )
                    % {"pattern": multi[0]},
                )
        return data
