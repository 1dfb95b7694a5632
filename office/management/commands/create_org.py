"""Create an organisation (a tenant) with its XMO."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from office.services import office_ensure
from xmo.models import Organisation
from xmo.services import organisation_create


class Command(BaseCommand):
    help = "Create an organisation: create_org SLUG --name NAME [--time-zone TZ]"

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short identifier: lowercase letters, digits, hyphens.")
        parser.add_argument("--name", required=True, help="Display name.")
        parser.add_argument(
            "--time-zone", default="Europe/London", help="IANA time zone; periods are cut in it."
        )

    def handle(self, *args, slug, name, time_zone, **options):
        if Organisation.objects.filter(slug=slug).exists():
            raise CommandError(f"An organisation with slug {slug!r} already exists.")
        try:
            with transaction.atomic():
                org = organisation_create(slug=slug, name=name, time_zone=time_zone)
                office_ensure(organisation=org)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created organisation {org.slug!r} ({org.name}, {org.time_zone}).")
        )


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
