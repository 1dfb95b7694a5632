from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from experience.models import Service
from xlas.choices import BreachStatus
from xlas.models import XLA, Breach
from xmo.selectors import organisation_members

from .choices import Cadence
from .models import ActionItem, ImprovementInitiative, MeetingSeries

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
NTH_CHOICES = [
    (1, _("First")),
    (2, _("Second")),
    (3, _("Third")),
    (4, _("Fourth")),
    (-1, _("Last")),
]
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
    weekday = forms.TypedChoiceField(choices=WEEKDAY_CHOICES, coerce=int, label=_("Weekday"))
    nth = forms.TypedChoiceField(
        choices=NTH_CHOICES,
        coerce=int,
        label=_("Which weekday of the month"),
        help_text=_(
            "Monthly: of each month. Quarterly: of each quarter's first month. "
            "Annual: of January. Ignored for weekly series."
        ),
    )
    default_attendees = MembersField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    services = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Scope (services)"),
        help_text=_("Leave empty for every service."),
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
            "name": _("Name"),
            "cadence": _("Cadence"),
            "it_area": _("IT area"),
            "start_time": _("Start time"),
            "duration_minutes": _("Duration (minutes)"),
            "minutes_recipients": _("Also send the minutes to"),
            "is_active": _("Active (meetings are scheduled and drafted)"),
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
            raise ValidationError(_("Another series already has this name."))
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
            raise ValidationError(
                _("Not an e-mail address: %(addresses)s") % {"addresses": ", ".join(bad)}
            )
        return "\n".join(line for line in lines if line)

    def clean_duration_minutes(self):
        value = self.cleaned_data["duration_minutes"]
        if not 5 <= value <= 480:
            raise ValidationError(_("Choose between 5 and 480 minutes."))
        return value


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=300, label=_("Title"))
    section = forms.CharField(max_length=60, required=False, label=_("Section"))
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Details")
    )


class NotesForm(forms.Form):
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Notes")
    )
    so_what = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("So what?")
    )
    now_what = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("What now?")
    )


class DecisionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Decision"))
    communicate = forms.BooleanField(required=False, label=_("Communicate this decision widely"))


class ActionForm(forms.ModelForm):
    owner = MemberChoiceField(queryset=None, required=True, label=_("Owner"))

    class Meta:
        model = ActionItem
        fields = ["title", "owner", "due_on", "status", "breach", "xla", "initiative"]
        labels = {
            "title": pgettext_lazy("meeting", "Action"),
            "status": _("Status"),
            "due_on": _("Due date"),
            "breach": _("Linked breach"),
            "xla": _("Linked XLA"),
            "initiative": _("Linked initiative"),
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
            f"{b.xla.name} — {b.indicator.name} ({date_format(b.period_start, 'M Y')})"
        )
        self.fields["xla"].queryset = XLA.objects.filter(organisation=organisation)
        self.fields["initiative"].queryset = ImprovementInitiative.objects.filter(
            organisation=organisation
        )
        self.fields["due_on"].required = True


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItem._meta.get_field("status").choices)


class InitiativeForm(forms.ModelForm):
    owner = MemberChoiceField(queryset=None, required=False, label=_("Owner"))
    services = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("Services")
    )
    xlas = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("XLAs")
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
        labels = {
            "title": _("Title"),
            "description": _("Description"),
            "status": _("Status"),
            "started_on": _("Start date"),
            "finished_on": _("Finish date"),
        }
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
            self.add_error("finished_on", _("The finish date must be on or after the start date."))
        if finish and not start:
            self.add_error("started_on", _("Give a start date when there is a finish date."))
        return data


class ActionItemForm(forms.Form):
    """An action created from a breach or a score drop page: a title, an owner, a due date."""

    title = forms.CharField(max_length=300, label=_("Title"))
    owner = MemberChoiceField(
        queryset=None, required=False, empty_label=_("Nobody yet"), label=_("Owner")
    )
    due_on = forms.DateField(widget=DATE, required=False, label=_("Due date"))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisation_members(organisation)
