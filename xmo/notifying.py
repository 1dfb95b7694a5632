"""Notifications: written once per recipient in their language, e-mailed later by a job.

`notify` only writes rows (safe inside a request's transaction); `send_notification_emails`
(the job of the same name) sends the e-mails that are due, with retries and backoff.
"""

from __future__ import annotations

import datetime
import logging
import time

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from .i18n import valid_language
from .models import Notification, NotificationPreference, UserPreference

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
