"""Writes on monthly reports: narratives, quotes, section order, review and publication."""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xmo import webhooks
from xmo.i18n import later, later_date
from xmo.models import Membership
from xmo.notifying import notify
from xmo.roles import LEADER
from xmo.services import audit

from .choices import ReportStatus, status_word
from .drafting import draft_report, month_range
from .models import MonthlyReport, ReportSection
from .sections import report_title, stored_default_title
from .themes import quote_candidates

logger = logging.getLogger(__name__)

EDITABLE = (ReportStatus.DRAFT, ReportStatus.IN_REVIEW)


def _check_editable(report: MonthlyReport) -> None:
    if report.status not in EDITABLE:
        raise ValidationError(_("A published report is read-only."))


def report_draft(*, actor, organisation, month: datetime.date) -> tuple[MonthlyReport, str]:
    """Draft a month on demand (or refresh its draft). A published report stays as it is."""
    return draft_report(organisation, month, actor=actor)


@transaction.atomic
def report_section_update(
    *, actor, section: ReportSection, narrative: str, title: str, is_visible: bool
) -> bool:
    """Save a section's narrative, title and visibility. Returns True when anything changed."""
    report = section.report
    _check_editable(report)
    # Compare with the stored row: a bound ModelForm has already changed the instance.
    section = ReportSection.objects.select_for_update().get(pk=section.pk)
    before = {
        "narrative": section.narrative,
        "title": section.title,
        "is_visible": section.is_visible,
    }
    after = {"narrative": narrative, "title": title, "is_visible": is_visible}
    if before == after:
        return False
    section.narrative, section.title, section.is_visible = narrative, title, is_visible
    section.save(update_fields=["narrative", "title", "is_visible"])
    audit(
        organisation=report.organisation,
        actor=actor,
        action="report.section_updated",
        obj=report,
        before={"section": section.key, **before},
        after={"section": section.key, **after},
    )
    return True


@transaction.atomic
def report_quotes_set(*, actor, report: MonthlyReport, quote_ids: list[int]) -> bool:
    """Choose the quoted comments among the month's candidates (reports.themes)."""
    _check_editable(report)
    start, end = month_range(report.month)
    allowed = set(
        quote_candidates(report.organisation, start, end, chosen=report.quote_ids).values_list(
            "id", flat=True
        )
    )
    chosen = [int(i) for i in quote_ids]
    unknown = [i for i in chosen if i not in allowed]
    if unknown:
        raise ValidationError(
            _("Only highlighted or suggested comments of the report's month can be quoted.")
        )
    chosen = sorted(set(chosen))
    before = list(report.quote_ids)
    if sorted(before) == chosen:
        return False
    report.quote_ids = chosen
    report.save(update_fields=["quote_ids", "updated_at"])
    audit(
        organisation=report.organisation,
        actor=actor,
        action="report.quotes_chosen",
        obj=report,
        before={"quote_ids": before},
        after={"quote_ids": chosen},
    )
    return True


@transaction.atomic
def report_section_move(*, actor, section: ReportSection, direction: str) -> bool:
    """Move a section one place up or down; orders are renumbered 0..n-1."""
    report = section.report
    _check_editable(report)
    if direction not in ("up", "down"):
        raise ValidationError(_("Direction must be up or down."))
    sections = list(report.sections.select_for_update().order_by("order", "id"))
    before = [s.key for s in sections]
    index = next(i for i, s in enumerate(sections) if s.pk == section.pk)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(sections):
        return False
    sections[index], sections[other] = sections[other], sections[index]
    for order, s in enumerate(sections):
        s.order = order
    ReportSection.objects.bulk_update(sections, ["order"])
    audit(
        organisation=report.organisation,
        actor=actor,
        action="report.section_moved",
        obj=report,
        before={"order": before},
        after={"order": [s.key for s in sections]},
    )
    return True


TRANSITIONS = {
    "submit": (ReportStatus.DRAFT, ReportStatus.IN_REVIEW),
    "return": (ReportStatus.IN_REVIEW, ReportStatus.DRAFT),
    "publish": (ReportStatus.IN_REVIEW, ReportStatus.PUBLISHED),
}


def report_transition(*, actor, report: MonthlyReport, action: str) -> MonthlyReport:
    if action == "publish":
        return report_publish(actor=actor, report=report)
    if action not in TRANSITIONS:
        raise ValidationError(_("Unknown action %(action)r.") % {"action": action})
    source, target = TRANSITIONS[action]
    with transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status != source:
            status = status_word(locked.status)
            raise ValidationError(
                _("The report is %(status)s; it cannot be sent for review.") % {"status": status}
                if action == "submit"
                else _("The report is %(status)s; it cannot be returned to draft.")
                % {"status": status}
            )
        locked.status = target
        locked.save(update_fields=["status", "updated_at"])
        audit(
            organisation=locked.organisation,
            actor=actor,
            action=f"report.{'submitted' if action == 'submit' else 'returned'}",
            obj=locked,
            before={"status": source},
            after={"status": target},
        )
    return locked


# A report's title in the language active when it is read (notify() renders it per reader).
title_later = lazy(report_title, str)


def leaders_of(organisation):
    return [
        m.user
        for m in Membership.objects.filter(organisation=organisation, role=LEADER)
        .select_related("user")
        .order_by("user__username")
    ]


def report_publish(*, actor, report: MonthlyReport) -> MonthlyReport:
    """Publish a report in review and e-mail the leaders a link, once."""
    with transaction.atomic():
        locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == ReportStatus.DRAFT:
            raise ValidationError(_("Send the report for review before publishing it."))
        if locked.status == ReportStatus.IN_REVIEW:
            locked.status = ReportStatus.PUBLISHED
            locked.published_at = timezone.now()
            locked.published_by = actor if getattr(actor, "is_authenticated", False) else None
            locked.save(update_fields=["status", "published_at", "published_by", "updated_at"])
            audit(
                organisation=locked.organisation,
                actor=actor,
                action="report.published",
                obj=locked,
                before={"status": ReportStatus.IN_REVIEW},
                after={"status": ReportStatus.PUBLISHED},
            )
            webhooks.emit(
                organisation_id=locked.organisation_id,
                event=webhooks.events.REPORT_PUBLISHED,
                key=f"report:{locked.pk}",
                payload={
                    "id": locked.pk,
                    # A contract for machines: the stored title, in the installation's language.
                    "title": f"{locked.title or stored_default_title(locked.month)} is published",
                    "url": webhooks.absolute_url(reverse("reports:detail", args=[locked.pk])),
                    "month": locked.month,
                    "published_at": locked.published_at,
                },
            )
    # Outside the lock: notify is idempotent per (recipient, dedupe_key), so publishing twice
    # never notifies twice; the send_notification_emails job sends (and retries) the e-mails.
    locked.notified = True
    try:
        notify(
            organisation=locked.organisation,
            recipients=leaders_of(locked.organisation),
            kind="report_published",
            # Lazy: each leader reads the notification (and its e-mail) in their own language.
            title=later(
                gettext_lazy("%(report)s is published"),
                report=title_later(locked.title, locked.month),
            ),
            body=later(
                gettext_lazy("The monthly experience report for %(month)s is ready to read."),
                month=later_date(locked.month, "F Y"),
            ),
            url=reverse("reports:detail", args=[locked.pk]),
            dedupe_key=f"report:{locked.pk}:published",
        )
    except Exception:
        # The report is published either way; publishing again writes the missing ones.
        logger.exception("could not notify the leaders about report %s", locked.pk)
        locked.notified = False
    return locked
