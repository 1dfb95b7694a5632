"""Writes for the office: organisations, members, tokens; plus the shared audit and notify."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from .choices import Role, TokenScope
from .models import ApiToken, AuditEvent, Membership, Notification, Organisation

logger = logging.getLogger(__name__)


def snapshot(obj, fields: list[str] | None = None) -> dict:
    """A JSON-safe picture of a model instance for the audit log."""
    data = model_to_dict(obj, fields=fields)
    safe = {}
    for key, value in data.items():
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, list | tuple):
            value = [v.pk if hasattr(v, "pk") else v for v in value]
        elif value is not None and not isinstance(value, str | int | float | bool | dict):
            value = str(value)
        safe[key] = value
    return safe


def audit(
    *,
    organisation,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
    token=None,
) -> AuditEvent:
    if token is None and isinstance(getattr(actor, "token", None), ApiToken):
        # An API request's user stands for its token (see xmo.api.authentication.TokenUser).
        actor, token = None, actor.token
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_token=token,
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=before,
        after=after,
    )


def notify(
    *,
    organisation,
    recipients,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str,
    email: bool = True,
) -> list[Notification]:
    """Create an in-app notification per recipient, and e-mail it, exactly once per dedupe_key.

    The row is created first (unique on recipient+dedupe_key); the e-mail is sent only by the
    call that created the row and marks emailed_at, so a job retried after a crash does not
    send it again.
    """
    created = []
    for user in {u.pk: u for u in recipients if u is not None}.values():
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    organisation=organisation,
                    recipient=user,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            note = Notification.objects.get(recipient=user, dedupe_key=dedupe_key)
            if note.emailed_at is not None or not email:
                continue
        else:
            created.append(note)
        if email and user.email and note.emailed_at is None:
            # Claim the e-mail first so two runs never both send it.
            claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if claimed:
                link = f"{settings.SITE_URL}{url}" if url.startswith("/") else url
                try:
                    send_mail(
                        subject=f"[XMO] {title}",
                        message=f"{body}\n\n{link}".strip(),
                        from_email=settings.DEFAULT_FROM_EMAIL,
                        recipient_list=[user.email],
                    )
                except Exception:
                    Notification.objects.filter(pk=note.pk).update(emailed_at=None)
                    logger.exception("could not e-mail notification %s", note.pk)
                    raise
    return created


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
    before = snapshot(membership, ["role"]) if membership else None
    if membership is None:
        membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    elif membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    audit(
        organisation=organisation,
        actor=actor,
        action="membership.saved",
        obj=membership,
        before=before,
        after=snapshot(membership, ["role"]),
    )
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
]


@transaction.atomic
def organisation_update(*, organisation, actor, **changes) -> Organisation:
    fields = [f for f in ORGANISATION_SETTINGS_FIELDS if f in changes]
    before = snapshot(organisation, fields)
    for field in fields:
        setattr(organisation, field, changes[field])
    if "time_zone" in fields:
        validate_time_zone(organisation.time_zone)
    organisation.full_clean()
    organisation.save()
    after = snapshot(organisation, fields)
    if before != after:
        audit(
            organisation=organisation,
            actor=actor,
            action="organisation.updated",
            obj=organisation,
            before=before,
            after=after,
        )
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
    before = snapshot(membership, ["role"])
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        audit(
            organisation=membership.organisation,
            actor=actor,
            action="membership.role_changed",
            obj=membership,
            before=before,
            after=snapshot(membership, ["role"]),
        )
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
    for j in ordered_jobs():
        (queued if enqueue(j.name, organisation.pk) else failed).append(j.name)
    audit(
        organisation=organisation,
        actor=actor,
        action="jobs.enqueued",
        object_type="xmo.jobrun",
        after={"queued": queued, "not_queued": failed},
    )
    return queued, failed
