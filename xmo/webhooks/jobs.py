"""The sender: a scheduled job (and queued after each emit) — never a web request."""

from django.utils.translation import gettext_lazy as _

from xmo.jobs import job

from .services import send_due


@job(
    "send_webhooks",
    queue="notify",
    description=_("Send due webhook deliveries; failed ones are retried with backoff for 24 h."),
    order=95,
    every_seconds=30,
)
def send_webhooks(org, *, now=None, **kwargs) -> dict:
    return send_due(org, now=now)
