"""Single sign-on's writes: people created at their first sign-in, roles applied at each one,
and the organisations' group → role mappings. Each write is atomic and audited."""

from __future__ import annotations

import hashlib
import logging
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xmo.audit import audit_change, audit_delete
from xmo.choices import Role
from xmo.models import Membership
from xmo.services import audit, snapshot

from .models import SsoIdentity, SsoRoleMapping

logger = logging.getLogger(__name__)

# When a person's groups map to several roles in one organisation, the first of these wins.
ROLE_PRECEDENCE = [
    Role.ADMIN,
    Role.OFFICER,
    Role.LEADER,
    Role.MEMBER,
    Role.SERVICE_OWNER,
    Role.VIEWER,
]
MAX_GROUPS = 1000
USERNAME_MAX = 150


class SsoRefused(Exception):
    """The identity provider's answer does not let this person in."""


# -- mappings (Settings → Single sign-on) ---------------------------------------------------


@transaction.atomic
def sso_mapping_add(*, organisation, group: str, role: str, actor) -> SsoRoleMapping:
    group = group.strip()
    if not group:
        raise ValidationError(_("Give the group's name."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": repr(role)})
    if SsoRoleMapping.objects.filter(organisation=organisation, group=group).exists():
        raise ValidationError(
            _("The group “%(group)s” is already mapped; remove it first.") % {"group": group}
        )
    mapping = SsoRoleMapping.objects.create(
        organisation=organisation, group=group, role=role, created_by=actor
    )
    audit(
        organisation=organisation,
        actor=actor,
        action="sso_mapping.added",
        obj=mapping,
        after=snapshot(mapping, ["group", "role"]),
    )
    return mapping


@transaction.atomic
def sso_mapping_remove(*, mapping: SsoRoleMapping, actor) -> None:
    audit_delete(mapping, actor=actor, action="sso_mapping.removed", fields=["group", "role"])


# -- sign-in --------------------------------------------------------------------------------


def groups_from(claims: dict, claim: str) -> set[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return set()
    return {g.strip() for g in value[:MAX_GROUPS] if isinstance(g, str) and g.strip()}


def _free_username(claims: dict) -> str:
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    wanted = claims.get("preferred_username") or email.partition("@")[0]
    if not isinstance(wanted, str) or not wanted.strip():
        wanted = "sso-" + hashlib.sha256(str(claims["sub"]).encode()).hexdigest()[:12]
    base = re.sub(r"[^\w.@+-]", "-", wanted.strip())[: USERNAME_MAX - 4] or "sso-user"
    users = get_user_model().objects
    candidate, n = base, 1
    while users.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _profile_from(claims: dict) -> dict:
    def text(name, limit):
        value = claims.get(name)
        return value.strip()[:limit] if isinstance(value, str) else None

    profile = {
        "email": text("email", 254),
        "first_name": text("given_name", 150),
        "last_name": text("family_name", 150),
    }
    if profile["first_name"] is None and profile["last_name"] is None:
        profile["first_name"] = text("name", 150)
    return {k: v for k, v in profile.items() if v is not None}


def _user_for(*, issuer: str, subject: str, claims: dict, link_by_email: bool):
    identity = (
        SsoIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is not None:
        return identity
    users = get_user_model().objects
    user, action = None, "user.sso_created"
    email = claims.get("email")
    if link_by_email and isinstance(email, str) and email and claims.get("email_verified") is True:
        matches = list(users.filter(email__iexact=email, sso_identities__isnull=True)[:2])
        if len(matches) == 1:
            user, action = matches[0], "user.sso_linked"
    if user is None:
        user = users.create_user(username=_free_username(claims))
        user.set_unusable_password()
        user.save(update_fields=["password"])
    try:
        with transaction.atomic():
            identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    except IntegrityError as exc:  # the same person's other tab got there first
        raise SsoRefused("a simultaneous first sign-in of the same person") from exc
    audit(
        organisation=None,
        actor=user,
        action=action,
        obj=user,
        object_repr=user.get_username(),
        after={"issuer": issuer, "subject": subject},
    )
    return identity


def _is_last_admin(membership) -> bool:
    return (
        membership.role == Role.ADMIN
        and not Membership.objects.filter(organisation_id=membership.organisation_id)
        .filter(role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def _wanted_roles(groups: set[str]) -> dict[int, str]:
    """{organisation id: role} from the mappings of these groups (highest role wins)."""
    rank = {role: i for i, role in enumerate(ROLE_PRECEDENCE)}
    wanted: dict[int, str] = {}
    for org_id, role in SsoRoleMapping.objects.filter(group__in=groups).values_list(
        "organisation_id", "role"
    ):
        if org_id not in wanted or rank[role] < rank[wanted[org_id]]:
            wanted[org_id] = role
    return wanted


def sso_roles_apply(*, user, groups: set[str]) -> dict[str, list]:
    """Give `user` the roles their groups map to; take back roles single sign-on gave before.

    A membership an admin added by hand stays while no mapping covers the person; once a
    mapping does, single sign-on manages it. The last admin of an organisation is never
    demoted or removed here (logged instead), so no organisation is left without one.
    """
    wanted = _wanted_roles(groups) if groups else {}
    current = {
        m.organisation_id: m
        for m in Membership.objects.select_for_update()
        .select_related("organisation")
        .filter(user=user)
    }
    changes: dict[str, list] = {"added": [], "changed": [], "removed": [], "kept": []}
    for org_id, role in wanted.items():
        membership = current.get(org_id)
        if membership is None:
            membership = Membership.objects.create(
                user=user, organisation_id=org_id, role=role, managed_by_sso=True
            )
            audit(
                organisation=membership.organisation,
                actor=user,
                action="membership.sso_added",
                obj=membership,
                after=snapshot(membership, ["user", "role", "managed_by_sso"]),
            )
            changes["added"].append(membership)
            continue
        if membership.role == role and membership.managed_by_sso:
            continue
        if membership.role != role and _is_last_admin(membership):
            logger.warning("SSO kept %s as the last admin of %s", user, membership.organisation)
            changes["kept"].append(membership)
            continue
        with audit_change(
            membership,
            actor=user,
            action="membership.sso_role_set",
            fields=["role", "managed_by_sso"],
        ):
            membership.role, membership.managed_by_sso = role, True
            membership.save(update_fields=["role", "managed_by_sso"])
        changes["changed"].append(membership)
    for org_id, membership in current.items():
        if org_id in wanted or not membership.managed_by_sso:
            continue
        if _is_last_admin(membership):
            logger.warning("SSO kept %s as the last admin of %s", user, membership.organisation)
            changes["kept"].append(membership)
            continue
        audit_delete(
            membership,
            actor=user,
            action="membership.sso_removed",
            fields=["user", "role", "managed_by_sso"],
        )
        changes["removed"].append(membership)
    return changes


@transaction.atomic
def sso_sign_in(*, issuer: str, claims: dict, groups_claim: str, link_by_email: bool = False):
    """The person these verified claims describe, created at the first sign-in, with their
    profile and roles brought up to date."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SsoRefused("no usable sub claim")
    identity = _user_for(issuer=issuer, subject=subject, claims=claims, link_by_email=link_by_email)
    user = identity.user
    if not user.is_active:
        raise SsoRefused(f"{user} is deactivated")
    profile = _profile_from(claims)
    changed = [field for field, value in profile.items() if getattr(user, field) != value]
    for field in changed:
        setattr(user, field, profile[field])
    if changed:
        user.save(update_fields=changed)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    sso_roles_apply(user=user, groups=groups_from(claims, groups_claim))
    if not Membership.objects.filter(user=user).exists():
        # Rolls the whole sign-in back: nobody gets an account that can open no page.
        raise SsoRefused(
            _("None of your groups gives you a role in an organisation; ask an XMO administrator.")
        )
    return user
