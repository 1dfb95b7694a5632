from django import forms

from .choices import DeliveryStatus, PayloadFormat
from .events import EVENTS
from .models import http_url_validator


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What receives it, e.g. “ServiceNow” or “#xmo”."
    )
    url = forms.URLField(
        label="URL",
        max_length=500,
        validators=[http_url_validator],
        assume_scheme="https",
        help_text="An http or https address that accepts POST requests.",
    )
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name} — {text}") for name, text in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    payload_format = forms.ChoiceField(
        label="Payload", choices=PayloadFormat.choices, initial=PayloadFormat.STANDARD
    )


class DeliveryFilterForm(forms.Form):
    endpoint = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *DeliveryStatus.choices]
    )

    def __init__(self, *args, endpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].choices = [("", "All endpoints")] + [
            (e.pk, e.name) for e in endpoints
        ]
