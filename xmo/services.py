"""Writes for the office: organisations, members, tokens; plus the shared audit and notify."""

from __future__ import annotations

import datetime
import logging
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from .audit import audit, audit_change, snapshot
from .choices import Role, TokenScope
from .i18n import valid_language
from .models import (
    ApiToken,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    UserPreference,
)

Channel = NotificationPreference.Channel

logger = logging.getLogger(__name__)


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
    """Write a notification per recipient, exactly once per dedupe_key; never send e-mail here.

    `title` and `body` may be lazy translations (gettext_lazy, or xmo.i18n.later for a
    sentence with values): each recipient's copy is then written in their own language (their
    preference, else the default language), whatever language the caller runs in.

    Each recipient's preference for this kind (NotificationPreference; default both) decides
    whether the row shows in the notification centre (in_app) and whether it waits for the
    send_notification_emails job (email_next_attempt_at). A call inside a request's
    transaction therefore only writes rows; the job sends after the commit.
    """
    people = {u.pk: u for u in recipients if u is not None}
    if not people:
        return []
    channels = dict(
        NotificationPreference.objects.filter(
            organisation=organisation, kind=kind, user_id__in=list(people)
        ).values_list("user_id", "channel")
    )
    translated = isinstance(title, Promise) or isinstance(body, Promise)
    languages = (
        dict(
            UserPreference.objects.filter(user_id__in=list(people))
            .exclude(language="")
            .values_list("user_id", "language")
        )
        if translated
        else {}
    )
    now = timezone.now()
    created = []
    for user in people.values():
        language = valid_language(languages.get(user.pk)) or settings.LANGUAGE_CODE
        with translation.override(language):
            title_text, body_text = str(title), str(body)
        channel = channels.get(user.pk, Channel.BOTH)
        wants_email = email and bool(user.email) and channel != Channel.IN_APP
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    organisation=organisation,
                    recipient=user,
                    kind=kind,
                    title=title_text[:200],
                    body=body_text,
                    url=url,
                    dedupe_key=dedupe_key,
                    # E-mail only, but no e-mail can go: keep it in the centre instead.
                    in_app=channel != Channel.EMAIL or not wants_email,
                    email_next_attempt_at=now if wants_email else None,
                )
        except IntegrityError:
            continue  # written before (a retried job): its e-mail is the job's business
        created.append(note)
    if any(n.email_next_attempt_at for n in created):
        org_id = organisation.pk
        transaction.on_commit(lambda: _enqueue_email_sender(org_id))
    return created


# Queuing the sender once per organisation every few seconds is enough: it sends all that is
# due. If the broker is down the scheduled run (every minute) sends them instead.
ENQUEUE_EVERY_SECONDS = 5.0
_last_enqueued: dict[int, float] = {}


def _enqueue_email_sender(organisation_id: int) -> None:
    from .jobs import enqueue

    last = _last_enqueued.get(organisation_id, 0.0)
    if time.monotonic() - last < ENQUEUE_EVERY_SECONDS:
        return
    _last_enqueued[organisation_id] = time.monotonic()
    enqueue("send_notification_emails", organisation_id)


# After the n-th failed attempt the next one waits EMAIL_BACKOFF[n - 1]; after the last, the
# notification keeps its error and is not e-mailed (it stays in the centre).
EMAIL_BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=8),
)
EMAIL_MAX_ATTEMPTS = len(EMAIL_BACKOFF) + 1
# While one sender holds a row its next attempt is pushed this far ahead, so no other run
# sends it meanwhile.
EMAIL_CLAIM = datetime.timedelta(minutes=10)
EMAIL_BATCH = 200


def send_notification_emails(
    org, *, now: datetime.datetime | None = None, limit: int = EMAIL_BATCH
) -> dict:
    """E-mail the organisation's notifications whose e-mail is due (the job of the same name).

    Runs outside any transaction: each row is claimed (attempts + 1, next attempt pushed
    ahead) before its e-mail goes, then marked sent, or given its error and a later attempt.
    """
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            organisation=org, emailed_at__isnull=True, email_next_attempt_at__lte=now
        )
        .select_related("recipient")
        .order_by("email_next_attempt_at", "id")[:limit]
    )
    counts = {"due": len(due), "sent": 0, "retrying": 0, "gave_up": 0}
    # Each e-mail is written in its recipient's language (the notification itself already is).
    languages = dict(
        UserPreference.objects.filter(user_id__in={n.recipient_id for n in due})
        .exclude(language="")
        .values_list("user_id", "language")
    )
    preferences_url = f"{settings.SITE_URL}{reverse('notification_preferences')}"
    for note in due:
        claimed = Notification.objects.filter(
            pk=note.pk, emailed_at__isnull=True, email_next_attempt_at=note.email_next_attempt_at
        ).update(email_next_attempt_at=now + EMAIL_CLAIM, email_attempts=F("email_attempts") + 1)
        if not claimed:
            continue
        attempts = note.email_attempts + 1
        mine = Notification.objects.filter(pk=note.pk)
        user = note.recipient
        if not user.email or not user.is_active:
            mine.update(email_next_attempt_at=None, email_error="The recipient has no e-mail.")
            counts["gave_up"] += 1
            continue
        link = f"{settings.SITE_URL}{note.url}" if note.url.startswith("/") else note.url
        language = valid_language(languages.get(user.pk)) or settings.LANGUAGE_CODE
        with translation.override(language):
            footer = gettext(
                "You receive this e-mail because of your notification preferences in %(org)s; "
                "change them at %(url)s"
            ) % {"org": org.name, "url": preferences_url}
        try:
            send_mail(
                subject=f"[XMO] {note.title}",
                message=f"{note.body}\n\n{link}".strip() + f"\n\n-- \n{footer}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )
        except Exception as exc:  # any backend failure: keep the row and try again later
            error = f"{type(exc).__name__}: {exc}"[:1000]
            if attempts >= EMAIL_MAX_ATTEMPTS:
                mine.update(email_next_attempt_at=None, email_error=error)
                counts["gave_up"] += 1
                logger.warning("gave up e-mailing notification %s: %s", note.pk, error)
            else:
                mine.update(
                    email_next_attempt_at=now + EMAIL_BACKOFF[attempts - 1], email_error=error
                )
                counts["retrying"] += 1
                logger.info("e-mail of notification %s failed, will retry: %s", note.pk, error)
        else:
            mine.update(emailed_at=now, email_next_attempt_at=None, email_error="")
            counts["sent"] += 1
    return counts


def notification_mark_read(*, notification: Notification, now=None) -> bool:
    """Mark one notification read (once: a second call keeps the first time)."""
    return bool(
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now or timezone.now()
        )
    )


def notifications_mark_all_read(*, user, organisation, now=None) -> int:
    return Notification.objects.filter(
        recipient=user, organisation=organisation, in_app=True, read_at__isnull=True
    ).update(read_at=now or timezone.now())


def notification_preferences_set(*, user, organisation, channels: dict[str, str]) -> None:
    """Save the person's channel per kind; `both` (the default) needs no row."""
    for kind, channel in channels.items():
        if channel == Channel.BOTH:
            NotificationPreference.objects.filter(
                user=user, organisation=organisation, kind=kind
            ).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=user, organisation=organisation, kind=kind, defaults={"channel": channel}
            )


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
