"""Writes for the office: organisations, members, tokens, preferences; plus the shared audit."""

from __future__ import annotations

import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .audit import audit, audit_change, snapshot
from .choices import Role, TokenScope
from .i18n import valid_language
from .models import (
    ApiToken,
    Membership,
    NotificationPreference,
    Organisation,
    UserPreference,
)

Channel = NotificationPreference.Channel

logger = logging.getLogger(__name__)


@transaction.atomic
def user_language_set(*, user, language: str, organisation=None) -> UserPreference:
    """Save the person's language ("" follows the browser), audited in `organisation` (where
    they changed it). The caller copies it into the session (xmo.i18n.remember_language)."""
    language = valid_language(language)
    preference, _created = UserPreference.objects.get_or_create(user=user)
    if preference.language != language:
        before = snapshot(preference, ["language"])
        preference.language = language
        preference.save(update_fields=["language"])
        audit(
            organisation=organisation,
            actor=user,
            action="user.language_changed",
            obj=preference,
            before=before,
            after=snapshot(preference, ["language"]),
        )
    return preference


@transaction.atomic
def organisation_create(*, slug: str, name: str, actor=None, time_zone: str = "Europe/London"):
    validate_time_zone(time_zone)
    org = Organisation(slug=slug, name=name, time_zone=time_zone)
    org.full_clean()
    org.save()
    audit(
        organisation=org, actor=actor, action="organisation.created", obj=org, after=snapshot(org)
    )
    return org


def generate_password() -> str:
    return secrets.token_urlsafe(12)


@transaction.atomic
def member_add(
    *,
    organisation,
    username: str,
    role: str,
    email: str = "",
    password: str | None = None,
    actor=None,
):
    """Add (or re-role) a person in an organisation. Returns (membership, password_or_None)."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    new_password = None
    if user is None:
        new_password = password or generate_password()
        user = user_model(username=username, email=email)
        from django.contrib.auth.password_validation import validate_password

        validate_password(new_password, user)
        user.set_password(new_password)
        user.save()
    elif email and user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    membership = Membership.objects.filter(user=user, organisation=organisation).first()
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
    with audit_change(
        membership,
        actor=actor,
        action="membership.saved",
        fields=["role"],
        organisation=organisation,
    ):
        if membership.pk is None:
            membership.save()
        elif membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership, new_password


@transaction.atomic
def api_token_create(*, organisation, name: str, scopes: list[str], actor=None):
    """Create a token; returns (token, raw_key). The raw key is never stored."""
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(TokenScope.values)
    if not scopes or unknown:
        raise ValueError(f"Scopes must be a non-empty subset of {', '.join(TokenScope.values)}")
    raw = ApiToken.generate_key()
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        key_prefix=raw[:8],
        key_hash=ApiToken.hash_key(raw),
        scopes=scopes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(
        organisation=organisation,
        actor=actor,
        action="api_token.created",
        obj=token,
        after={"name": name, "scopes": scopes, "key_prefix": token.key_prefix},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            organisation=token.organisation,
            actor=actor,
            action="api_token.revoked",
            obj=token,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def validate_time_zone(name: str) -> str:
    """The IANA name, or ValidationError for an unknown zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from django.core.exceptions import ValidationError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {name!r}; use an IANA name.") from exc
    return name


ORGANISATION_SETTINGS_FIELDS = [
    "name",
    "time_zone",
    "escalation_delay_hours",
    "silent_feed_gap_hours",
    "happiness_target",
    "lost_time_target_minutes",
    "benchmark_happiness",
    "currency",
    "hourly_cost",
]


@transaction.atomic
def organisation_update(*, organisation, actor, **changes) -> Organisation:
    fields = [f for f in ORGANISATION_SETTINGS_FIELDS if f in changes]
    with audit_change(
        organisation,
        actor=actor,
        action="organisation.updated",
        fields=fields,
        organisation=organisation,
        only_changes=True,
    ):
        for field in fields:
            setattr(organisation, field, changes[field])
        if "time_zone" in fields:
            validate_time_zone(organisation.time_zone)
        organisation.full_clean()
        organisation.save()
    return organisation


class LastAdminError(Exception):
    """An organisation must keep at least one admin."""


def _is_last_admin(membership) -> bool:
    if membership.role != Role.ADMIN:
        return False
    return not (
        Membership.objects.filter(organisation=membership.organisation, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def member_set_role(*, membership, role: str, actor) -> Membership:
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}")
    # Lock the organisation's admins so two admins demoting each other cannot both succeed.
    list(
        Membership.objects.select_for_update().filter(
            organisation=membership.organisation, role=Role.ADMIN
        )
    )
    if role != Role.ADMIN and _is_last_admin(membership):
        raise LastAdminError(
            "The organisation needs at least one admin; make someone else admin first."
        )
    if membership.role != role:
        with audit_change(
            membership, actor=actor, action="membership.role_changed", fields=["role"]
        ):
            membership.role = role
            membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def member_remove(*, membership, actor) -> None:
    list(
        Membership.objects.select_for_update().filter(
            organisation=membership.organisation, role=Role.ADMIN
        )
    )
    if _is_last_admin(membership):
        raise LastAdminError("The last admin cannot be removed; make someone else admin first.")
    before = {"user": membership.user.get_username(), "role": membership.role}
    organisation = membership.organisation
    audit(
        organisation=organisation,
        actor=actor,
        action="membership.removed",
        obj=membership,
        before=before,
    )
    membership.delete()


def jobs_enqueue_all(*, organisation, actor) -> tuple[list[str], list[str]]:
    """Queue every registered job for the worker, in order. Returns (queued, not_queued)."""
    from .jobs import enqueue, ordered_jobs

    queued, failed = [], []
    # Installation-wide jobs (response partitions) are not an organisation's to start.
    for j in (j for j in ordered_jobs() if j.per_org):
        (queued if enqueue(j.name, organisation.pk) else failed).append(j.name)
    audit(
        organisation=organisation,
        actor=actor,
        action="jobs.enqueued",
        object_type="xmo.jobrun",
        after={"queued": queued, "not_queued": failed},
    )
    return queued, failed
