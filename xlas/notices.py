"""The XLA app's notification texts, lazy: notify() writes each recipient's copy in their own
language, with dates and numbers in that language's format.

Names (XLAs, indicators, people) and free text (rationales, notes) stay as written. Version
numbers are identifiers and are not grouped. Webhook payloads do not use these texts: they
stay English (a contract).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from xmo.i18n import later, later_date, later_number

from .choices import Period, Severity

DAY = "DATE_FORMAT"


def _severity(code: str):
    return Severity(code).label if code in Severity.values else code


def _run(period: str, count: int):
    """'3 consecutive months' (singular for 1), in the recipient's language."""
    texts = {
        Period.WEEK: ngettext_lazy(
            "%(count)s consecutive week", "%(count)s consecutive weeks", count
        ),
        Period.MONTH: ngettext_lazy(
            "%(count)s consecutive month", "%(count)s consecutive months", count
        ),
        Period.QUARTER: ngettext_lazy(
            "%(count)s consecutive quarter", "%(count)s consecutive quarters", count
        ),
    }
    message = texts.get(
        period,
        ngettext_lazy("%(count)s consecutive period", "%(count)s consecutive periods", count),
    )
    return later(message, count=later_number(count))


def _for_period(period: str, start):
    """'for the month starting 1 Sep 2026', in the recipient's language."""
    texts = {
        Period.WEEK: _("for the week starting %(date)s"),
        Period.MONTH: _("for the month starting %(date)s"),
        Period.QUARTER: _("for the quarter starting %(date)s"),
    }
    message = texts.get(period, _("for the period starting %(date)s"))
    return later(message, date=later_date(start, DAY))


def breach_raised(breach) -> dict:
    """Title and body of the owner's notification about a new breach."""
    indicator = breach.indicator
    return {
        "title": later(
            _("XLA breach: %(indicator)s of %(xla)s"), indicator=indicator.name, xla=breach.xla.name
        ),
        "body": later(
            _(
                "%(indicator)s missed its target (%(target)s) for %(run)s; the period starting "
                "%(date)s scored %(value)s. Severity: %(severity)s. Please acknowledge and "
                "investigate."
            ),
            indicator=indicator.name,
            target=later_number(breach.target),
            run=_run(breach.period, indicator.consecutive_misses),
            date=later_date(breach.period_start, DAY),
            value=later_number(breach.value, 1),
            severity=_severity(breach.severity),
        ),
    }


def breach_escalated(breach, *, delay_hours: int) -> dict:
    """Title and body of the leaders' notification about a breach nobody acknowledged."""
    indicator = breach.indicator
    return {
        "title": later(
            _("Escalated XLA breach: %(indicator)s of %(xla)s"),
            indicator=indicator.name,
            xla=breach.xla.name,
        ),
        "body": later(
            _(
                "Nobody acknowledged this breach within %(delay)s. %(indicator)s scored "
                "%(value)s against a target of %(target)s %(period)s. Severity: %(severity)s."
            ),
            delay=later(
                ngettext_lazy("%(count)s hour", "%(count)s hours", delay_hours),
                count=later_number(delay_hours),
            ),
            indicator=indicator.name,
            value=later_number(breach.value, 1),
            target=later_number(breach.target),
            period=_for_period(breach.period, breach.period_start),
            severity=_severity(breach.severity),
        ),
    }


def breach_assigned(breach, *, actor) -> dict:
    return {
        "title": later(
            _("Breach assigned to you: %(xla)s (%(indicator)s)"),
            xla=str(breach.xla),
            indicator=breach.indicator_key,
        ),
        "body": later(
            _("%(actor)s assigned you the breach of %(date)s."),
            actor=str(actor),
            date=later_date(breach.period_start, DAY),
        ),
    }


def review_due(version, *, overdue: bool) -> dict:
    """The owner's reminder of a version's review date (due soon, or overdue)."""
    xla = version.xla.name
    title = _("XLA review overdue: %(xla)s") if overdue else _("XLA review due: %(xla)s")
    return {
        "title": later(title, xla=xla),
        "body": later(
            _(
                "Version %(number)s of %(xla)s is due for review on %(date)s. Check its targets "
                "still fit and propose changes if they do not."
            ),
            number=version.number,
            xla=xla,
            date=later_date(version.review_due, DAY),
        ),
    }


def version_proposed(version, *, actor) -> dict:
    return {
        "title": later(
            _("XLA proposal to approve: %(xla)s v%(number)s"),
            xla=str(version.xla),
            number=version.number,
        ),
        "body": later(
            _("%(actor)s proposed version %(number)s. Rationale: %(rationale)s"),
            actor=str(actor),
            number=version.number,
            rationale=version.rationale,
        ),
    }


def target_change_proposed(version, *, actor, effective_from, rationale: str) -> dict:
    return {
        "title": later(
            _("XLA target change to approve: %(xla)s v%(number)s"),
            xla=str(version.xla),
            number=version.number,
        ),
        "body": later(
            _("%(actor)s proposes new targets from %(date)s. Rationale: %(rationale)s"),
            actor=str(actor),
            date=later_date(effective_from, DAY),
            rationale=rationale,
        ),
    }


def version_approved(version, *, actor, effective_from, note: str) -> dict:
    values = {
        "actor": str(actor),
        "number": version.number,
        "date": later_date(effective_from, DAY),
        "note": note.strip(),
    }
    body = (
        _("%(actor)s approved version %(number)s, in force from %(date)s. %(note)s")
        if values["note"]
        else _("%(actor)s approved version %(number)s, in force from %(date)s.")
    )
    return {
        "title": later(
            _("XLA approved: %(xla)s v%(number)s"), xla=str(version.xla), number=version.number
        ),
        "body": later(body, **values),
    }


def version_rejected(version, *, actor, note: str) -> dict:
    return {
        "title": later(
            _("XLA proposal rejected: %(xla)s v%(number)s"),
            xla=str(version.xla),
            number=version.number,
        ),
        "body": later(
            _("%(actor)s rejected version %(number)s: %(note)s"),
            actor=str(actor),
            number=version.number,
            note=note,
        ),
    }
