from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .choices import DeliveryStatus, PayloadFormat
from .events import EVENTS
from .models import http_url_validator


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What receives it, e.g. “ServiceNow” or “#xmo”."),
    )
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        validators=[http_url_validator],
        assume_scheme="https",
        help_text=_("An http or https address that accepts POST requests."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, format_lazy("{} — {}", name, text)) for name, text in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    payload_format = forms.ChoiceField(
        label=_("Payload"), choices=PayloadFormat.choices, initial=PayloadFormat.STANDARD
    )


class DeliveryFilterForm(forms.Form):
    endpoint = forms.TypedChoiceField(
        label=_("Endpoint"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DeliveryStatus.choices]
    )

    def __init__(self, *args, endpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", _("All endpoints"))] + [
            (e.pk, e.name) for e in endpoints
        ]
