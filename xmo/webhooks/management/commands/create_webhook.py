"""Register a webhook endpoint. The signing secret is printed once, alone on the last line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xmo.models import Organisation
from xmo.webhooks.choices import PayloadFormat
from xmo.webhooks.events import EVENTS
from xmo.webhooks.services import webhook_endpoint_create


class Command(BaseCommand):
    help = "Register a webhook: create_webhook ORG --url URL --events breach.raised,feed.silent"

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="Organisation slug.")
        parser.add_argument("--url", required=True, help="http or https URL that accepts POST.")
        parser.add_argument(
            "--events", required=True, help=f"Comma-separated, any of: {', '.join(EVENTS)}."
        )
        parser.add_argument("--name", default="", help="What receives it (default: the host).")
        parser.add_argument(
            "--format",
            dest="payload_format",
            default=PayloadFormat.STANDARD,
            choices=PayloadFormat.values,
            help="Payload: the JSON event (default), or a Slack or Teams message.",
        )

    def handle(self, *args, organisation, url, events, name, payload_format, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation with slug {organisation!r}.")
        event_list = [e.strip() for e in events.split(",") if e.strip()]
        unknown = sorted(set(event_list) - set(EVENTS))
        if not event_list or unknown:
            raise CommandError(
                f"Events must be a comma-separated subset of {', '.join(EVENTS)}"
                + (f"; unknown: {', '.join(unknown)}." if unknown else ".")
            )
        from urllib.parse import urlsplit

        try:
            endpoint, secret = webhook_endpoint_create(
                organisation=org,
                name=name or (urlsplit(url).hostname or url)[:100],
                url=url,
                events=event_list,
                payload_format=payload_format,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Created webhook {endpoint.name!r} (id {endpoint.pk}) for {org.slug}: "
            f"{', '.join(endpoint.events)} → {endpoint.url}. "
            "Copy the signing secret now; it is not shown again:"
        )
        self.stdout.write(secret)
