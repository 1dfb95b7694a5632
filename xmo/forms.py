"""Forms of the organisation settings pages."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import Role, TokenScope
from .models import ApiToken, Organisation
from .services import validate_time_zone


class PlainLabels:
    """Labels without Django's trailing colon, like the rest of the product."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def fresh_copy(obj):
    """A separate copy for a bound ModelForm, so the original stays as stored."""
    return type(obj).objects.get(pk=obj.pk)


class OrganisationSettingsForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "time_zone",
            "escalation_delay_hours",
            "silent_feed_gap_hours",
            "happiness_target",
            "lost_time_target_minutes",
            "benchmark_happiness",
            "currency",
            "hourly_cost",
        ]
        labels = {
            "name": _("Name"),
            "currency": _("Currency"),
            "hourly_cost": _("Hourly cost of lost time (default)"),
            "time_zone": _("Time zone"),
            "escalation_delay_hours": _("Escalation delay (hours)"),
            "silent_feed_gap_hours": _("Silent-feed gap (hours)"),
            "happiness_target": _("Happiness target"),
            "lost_time_target_minutes": _("Lost-time target (minutes per ticket)"),
            "benchmark_happiness": _("Benchmark happiness"),
        }

    def clean_time_zone(self):
        return validate_time_zone(self.cleaned_data["time_zone"].strip())


class MemberAddForm(PlainLabels, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("An existing user, or a new one created with this name."),
    )
    email = forms.EmailField(
        label=_("Email"), required=False, help_text=_("Needed for e-mail notifications.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user_model = get_user_model()
        username_field = user_model._meta.get_field(user_model.USERNAME_FIELD)
        for validator in username_field.validators:
            validator(username)
        if self.organisation.memberships.filter(user__username=username).exists():
            raise forms.ValidationError(
                gettext("%(username)s is already a member; change their role in the list below.")
                % {"username": username}
            )
        return username


class MemberRoleForm(PlainLabels, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiTokenForm(PlainLabels, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “ServiceNow”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.INGEST],
        help_text=_(
            "Push data (ingest), read endpoints (read), upsert services, personas and "
            "metrics by slug (catalogue)."
        ),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if ApiToken.objects.filter(
            organisation=self.organisation, name=name, revoked_at__isnull=True
        ).exists():
            raise forms.ValidationError(gettext("An active token already has this name."))
        return name


class AuditFilterForm(PlainLabels, forms.Form):
    object_type = forms.ChoiceField(required=False, label=_("Object type"))

    def __init__(self, *args, object_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All types"))] + [(t, t) for t in object_types]


class LanguagePreferenceForm(PlainLabels, forms.Form):
    """The person's own language: one of settings.LANGUAGES, or blank for the browser's."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_(
            "The language of the pages, notifications and e-mails. Blank: the language your "
            "browser asks for."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Your browser's language"))] + list(
            settings.LANGUAGES
        )
