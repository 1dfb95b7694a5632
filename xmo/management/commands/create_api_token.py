"""Create an API token. The raw token is printed once, alone on the last line."""

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from xmo.choices import TokenScope
from xmo.models import ApiToken, Organisation
from xmo.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token: create_api_token ORG --name NAME --scopes ingest,read"

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="Organisation slug.")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--scopes",
            default="ingest,read",
            help=f"Comma-separated, any of: {', '.join(TokenScope.values)}.",
        )

    def handle(self, *args, organisation, name, scopes, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation with slug {organisation!r}.")
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(scope_list) - set(TokenScope.values))
        if not scope_list or unknown:
            raise CommandError(
                f"Scopes must be a comma-separated subset of {', '.join(TokenScope.values)}"
                + (f"; unknown: {', '.join(unknown)}." if unknown else ".")
            )
        if ApiToken.objects.filter(organisation=org, name=name, revoked_at__isnull=True).exists():
            raise CommandError(f"{org.slug} already has an active token named {name!r}.")
        try:
            token, raw = api_token_create(organisation=org, name=name, scopes=scope_list)
        except IntegrityError as exc:
            raise CommandError(f"Could not create the token: {exc}") from exc
        self.stdout.write(
            f"Created token {token.name!r} for {org.slug} with scopes {', '.join(token.scopes)}. "
            "Copy it now; it is not shown again:"
        )
        self.stdout.write(raw)
