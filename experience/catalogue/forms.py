"""Forms of the catalogue settings pages. Forms validate; experience.catalogue.services writes."""

from django import forms

from xmo.forms import PlainLabels
from xmo.models import slug_validator
from xmo.selectors import organisation_members

from ..models import OperationalMetric, Persona, Service


class ServiceForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "slug", "description", "it_area", "owner", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"it_area": "IT area", "is_active": "Active"}
        help_texts = {"slug": "Used by the API (lowercase letters, digits, hyphens)."}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["owner"].queryset = organisation_members(organisation)
        self.fields["owner"].required = False
        self.fields["owner"].empty_label = "No owner yet"
        self.fields["slug"].validators.append(slug_validator)

    def clean_slug(self):
        return _unique_slug(self, Service)


class PersonaForm(PlainLabels, forms.ModelForm):
    class Meta:
        model = Persona
        fields = ["name", "slug", "description", "hourly_cost", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"is_active": "Active", "hourly_cost": "Hourly cost of lost time"}
        help_texts = {"slug": "Used by the API (lowercase letters, digits, hyphens)."}

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
        labels = {"is_active": "Active"}
        help_texts = {"slug": "Used by the API (lowercase letters, digits, hyphens)."}

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
        raise forms.ValidationError(f"Another {model._meta.verbose_name} already uses {slug!r}.")
    return slug
