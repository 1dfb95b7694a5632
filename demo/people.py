"""Demo users, one per role, with their memberships and the shared demo password."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from xmo.models import Membership
from xmo.services import member_add

DEFAULT_PASSWORD = "xmo-demo-2026"

# username, role, first name, last name, responsibility kind, responsibility
USERS = [
    ("officer", "officer", "Olivia", "Hart", "service_area", "Workplace services and VPN"),
    ("member", "member", "Marcus", "Lee", "expertise", "Meetings, minutes and feedback triage"),
    ("leader", "leader", "Laura", "Chen", "business_area", "Head of IT operations"),
    ("owner", "service_owner", "Omar", "Patel", "service_area", "Devices and remote work"),
    ("viewer", "viewer", "Vera", "Novak", "", ""),
    ("admin", "admin", "Adam", "Brooks", "", "Organisation set-up and API tokens"),
]


def demo_password() -> str:
    """XMO_DEMO_PASSWORD when set, else the documented default."""
    return os.environ.get("XMO_DEMO_PASSWORD") or DEFAULT_PASSWORD


class PeopleMixin:
    """Creates the demo users and their memberships."""

    def ensure_users(self) -> dict:
        user_model = get_user_model()
        users = {}
        for username, role, first, last, kind, responsibility in USERS:
            membership = Membership.objects.filter(
                organisation=self.org, user__username=username
            ).first()
            if membership is None:
                existed = user_model.objects.filter(username=username).exists()
                if not existed:
                    # One shared demo password: hash it once instead of once per user.
                    user = user_model(username=username, email=f"{username}@demo.example")
                    try:
                        validate_password(self.password, user)
                    except ValidationError as exc:
                        raise CommandError(
                            "XMO_DEMO_PASSWORD is not accepted: " + " ".join(exc.messages)
                        ) from exc
                    if self._hash is None:
                        self._hash = make_password(self.password)
                    user.password = self._hash
                    user.save()
                membership, _ = member_add(
                    organisation=self.org,
                    username=username,
                    role=role,
                    email=f"{username}@demo.example",
                )
                membership.responsibility_kind = kind
                membership.responsibility = responsibility
                membership.save(update_fields=["responsibility_kind", "responsibility"])
                user = membership.user
                if not existed:
                    user.first_name, user.last_name = first, last
                    user.save(update_fields=["first_name", "last_name"])
                self.add("users")
            users[role] = membership.user
        return users


def print_logins(stdout, org, password) -> None:
    """The demo log-ins, one line per role in USERS order."""
    memberships = (
        Membership.objects.filter(organisation=org, user__username__in=[u[0] for u in USERS])
        .select_related("user")
        .order_by("user__username")
    )
    order = {u[0]: i for i, u in enumerate(USERS)}
    rows = sorted(memberships, key=lambda m: order[m.user.username])
    stdout.write("")
    stdout.write(f"Demo log-ins (sign in at {settings.SITE_URL}/login/):")
    stdout.write(f"  {'username':<10} {'role':<22} password")
    for m in rows:
        stdout.write(f"  {m.user.username:<10} {m.get_role_display():<22} {password}")
