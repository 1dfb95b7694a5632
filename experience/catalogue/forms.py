"""Forms of the catalogue settings pages. Forms validate; experience.catalogue.services writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xmo.forms import PlainLabels
from xmo.models import slug_validator
from xmo.selectors import organisation_members

from ..models import OperationalMetric, Persona, Service

SLUG_HELP = _("Used by the API (lowercase letters, digits, hyphens).")
TAKEN = {
    Service: _("Another service already uses %(slug)s."),
    Persona: _("Another persona already uses %(slug)s."),
    OperationalMetric: _("Another operational metric already uses %(slug)s."),
}


class ServiceForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "slug", "description", "it_area", "owner", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "name": _("Name"),
            "slug": _("Slug"),
            "description": _("Description"),
            "it_area": _("IT area"),
            "owner": _("Owner"),
            "is_active": _("Active"),
        }
        help_texts = {"slug": SLUG_HELP}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["owner"].queryset = organisation_members(organisation)
        self.fields["owner"].required = False
        self.fields["owner"].empty_label = _("No owner yet")
        self.fields["slug"].validators.append(slug_validator)

    def clean_slug(self):
        return _unique_slug(self, Service)


class PersonaForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Persona
        fields = ["name", "slug", "description", "hourly_cost", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "name": _("Name"),
            "slug": _("Slug"),
            "description": _("Description"),
            "is_active": _("Active"),
            "hourly_cost": _("Hourly cost of lost time"),
        }
        help_texts = {"slug": SLUG_HELP}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["slug"].validators.append(slug_validator)

    def clean_slug(self):
        return _unique_slug(self, Persona)


class MetricForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = OperationalMetric
        fields = ["name", "slug", "unit", "direction", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "name": _("Name"),
            "slug": _("Slug"),
            "unit": _("Unit"),
            "direction": _("Direction"),
            "description": _("Description"),
            "is_active": _("Active"),
        }
        help_texts = {"slug": SLUG_HELP}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["slug"].validators.append(slug_validator)

    def clean_slug(self):
        return _unique_slug(self, OperationalMetric)


def _unique_slug(form, model):
    slug = form.cleaned_data["slug"]
    clash = model.objects.filter(organisation=form.organisation, slug=slug)
    if form.instance.pk:
        clash = clash.exclude(pk=form.instance.pk)
    if clash.exists():
        raise forms.ValidationError(TAKEN[model] % {"slug": repr(slug)})
    return slug
