from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from experience.models import Service
from xlas.choices import BreachStatus
from xlas.models import XLA, Breach
from xmo.selectors import organisation_members

from .choices import Cadence
from .models import ActionItem, ImprovementInitiative, MeetingSeries

WEEKDAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
NTH_CHOICES = [(1, "First"), (2, "Second"), (3, "Third"), (4, "Fourth"), (-1, "Last")]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class MembersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        full = obj.get_full_name()
        return f"{full} ({obj.get_username()})" if full else obj.get_username()


class SeriesForm(forms.ModelForm):
    weekday = forms.TypedChoiceField(choices=WEEKDAY_CHOICES, coerce=int, label="Weekday")
    nth = forms.TypedChoiceField(
        choices=NTH_CHOICES,
        coerce=int,
        label="Which weekday of the month",
        help_text="Monthly: of each month. Quarterly: of each quarter's first month. "
        "Annual: of January. Ignored for weekly series.",
    )
    default_attendees = MembersField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    services = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Scope (services)",
        help_text="Leave empty for every service.",
    )

    class Meta:
        model = MeetingSeries
        fields = [
            "name",
            "cadence",
            "it_area",
            "services",
            "weekday",
            "nth",
            "start_time",
            "duration_minutes",
            "default_attendees",
            "minutes_recipients",
            "is_active",
        ]
        labels = {
            "it_area": "IT area",
            "start_time": "Start time",
            "duration_minutes": "Duration (minutes)",
            "minutes_recipients": "Also send the minutes to",
            "is_active": "Active (meetings are scheduled and drafted)",
        }
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "minutes_recipients": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["services"].queryset = Service.objects.filter(organisation=organisation)
        self.fields["default_attendees"].queryset = organisation_members(organisation)
        self.fields["cadence"].choices = Cadence.choices

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = MeetingSeries.objects.filter(organisation=self.organisation, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("Another series already has this name.")
        return name

    def clean_minutes_recipients(self):
        lines = [
            line.strip() for line in self.cleaned_data["minutes_recipients"].splitlines() if line
        ]
        bad = []
        for line in lines:
            if not line:
                continue
            try:
                validate_email(line)
            except ValidationError:
                bad.append(line)
        if bad:
            raise ValidationError(f"Not an e-mail address: {', '.join(bad)}")
        return "\n".join(line for line in lines if line)

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if not 5 <= value <= 480:
            raise ValidationError("Choose between 5 and 480 minutes.")
        return value


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=300, label="Title")
    section = forms.CharField(max_length=60, required=False, label="Section")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Details"
    )


class NotesForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Notes")
    so_what = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="So what?"
    )
    now_what = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="What now?"
    )


class DecisionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Decision")
    communicate = forms.BooleanField(required=False, label="Communicate this decision widely")


class ActionForm(forms.ModelForm):
    owner = MemberChoiceField(queryset=None, required=True, label="Owner")

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_on", "status", "breach", "xla", "initiative"]
        labels = {
            "title": "Action",
            "due_on": "Due date",
            "breach": "Linked breach",
            "xla": "Linked XLA",
            "initiative": "Linked initiative",
        }
        widgets = {"due_on": DATE}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisation_members(organisation)
        self.fields["breach"].queryset = (
            Breach.objects.filter(organisation=organisation)
            .filter(status__in=(BreachStatus.OPEN, BreachStatus.INVESTIGATING))
            .select_related("xla", "indicator")
        )
        self.fields["breach"].label_from_instance = lambda b: (
            f"{b.xla.name} — {b.indicator.name} ({b.period_start:%b %Y})"
        )
        self.fields["xla"].queryset = XLA.objects.filter(organisation=organisation)
        self.fields["initiative"].queryset = ImprovementInitiative.objects.filter(
            organisation=organisation
        )
        self.fields["due_on"].required = True


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItem._meta.get_field("status").choices)


class InitiativeForm(forms.ModelForm):
    owner = MemberChoiceField(queryset=None, required=False, label="Owner")
    services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="Services"
    )
    xlas = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label="XLAs"
    )

    class Meta:
        model = ImprovementInitiative
        fields = [
            "title",
            "description",
            "owner",
            "status",
            "started_on",
            "finished_on",
            "services",
            "xlas",
        ]
        labels = {"started_on": "Start date", "finished_on": "Finish date"}
        widgets = {"started_on": DATE, "finished_on": DATE}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisation_members(organisation)
        self.fields["services"].queryset = Service.objects.filter(organisation=organisation)
        self.fields["xlas"].queryset = XLA.objects.filter(organisation=organisation)

    def clean(self):
        data = super().clean()
        start, finish = data.get("started_on"), data.get("finished_on")
        if start and finish and finish < start:
            self.add_error("finished_on", "The finish date must be on or after the start date.")
        if finish and not start:
            self.add_error("started_on", "Give a start date when there is a finish date.")
        return data


class ActionItemForm(forms.Form):
    """An action created from a breach or a score drop page: a title, an owner, a due date."""

    title = forms.CharField(max_length=300)
    owner = MemberChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    due_on = forms.DateField(widget=DATE, required=False, label="Due date")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisation_members(organisation)
