"""The notification e-mail sender: a scheduled job (and queued after each notify), never a
web request."""

from django.utils.translation import gettext_lazy as _

from .jobs import job
from .notifying import send_notification_emails as send_due_emails


@job(
    "send_notification_emails",
    queue="notify",
    description=_("E-mail due notifications; failed ones are retried with backoff."),
    order=990,  # last in a run of all jobs, so it sends what the others notified
    every_seconds=60,
)
def send_notification_emails(org, *, now=None, **kwargs) -> dict:
    return send_due_emails(org, now=now)
