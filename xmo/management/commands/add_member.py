"""Add a person to an organisation with a role (creating the user when needed)."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from xmo.choices import Role
from xmo.models import Organisation
from xmo.services import member_add


class Command(BaseCommand):
    help = (
        "Add a member: add_member ORG USERNAME --role ROLE [--email E]. A new user's password "
        "comes from XMO_PASSWORD, else a generated one is printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="Organisation slug.")
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        parser.add_argument("--email", default="")

    def handle(self, *args, organisation, username, role, email, **options):
        org = Organisation.objects.filter(slug=organisation).first()
        if org is None:
            raise CommandError(f"No organisation with slug {organisation!r}.")
        if role not in Role.values:
            raise CommandError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.")
        password = os.environ.get("XMO_PASSWORD") or None
        try:
            membership, new_password = member_add(
                organisation=org, username=username, role=role, email=email, password=password
            )
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{username} is {membership.get_role_display()} ({role}) in {org.name}."
            )
        )
        if new_password is not None:
            if password:
                self.stdout.write("New user created with the password from XMO_PASSWORD.")
            else:
                self.stdout.write(f"New user created. Password: {new_password}")
