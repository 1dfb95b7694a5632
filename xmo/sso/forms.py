"""The settings page's form: one group → role mapping."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xmo.choices import Role
from xmo.forms import PlainLabels


class SsoMappingForm(PlainLabels, forms.Form):
    group = forms.CharField(
        label=_("Group"),
        max_length=200,
        help_text=_(
            "Exactly as the identity provider sends it in the groups claim, "
            "e.g. xmo-officers (case matters)."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_group(self):
        group = self.cleaned_data["group"].strip()
        if self.organisation.sso_role_mappings.filter(group=group).exists():
            raise forms.ValidationError(gettext("This group is already mapped; remove it first."))
        return group
