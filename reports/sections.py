"""The sections of a monthly report, and the default titles of the report and its sections.

Titles are stored with the report (the officer may rename them) in the installation's
language (settings.LANGUAGE_CODE). A title still at its default is shown in the reader's
language; a renamed one as written.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# (key, default title) in default order.
SECTIONS = [
    ("summary", _("Summary")),
    ("headline", _("Headline figures")),
    ("xlas", _("XLA attainment")),
    ("breaches", _("Breaches")),
    ("disruptions", _("Planned disruptions")),
    ("drops", _("Score drops and their drivers")),
    ("themes", _("What people told us")),
    ("lost_time", _("Where the lost time is")),
    ("initiatives", _("Improvement initiatives")),
    ("value", _("Value delivered")),
    ("actions", _("Action status")),
]
SECTION_TITLES = dict(SECTIONS)


def default_title(month) -> str:
    """ "Experience report October 2026" in the active language."""
    return _("Experience report %(month)s") % {"month": date_format(month, "F Y")}


def stored(text) -> str:
    """A text as it is stored: in the installation's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def report_title(title: str, month) -> str:
    """The report's title for the reader: the default one in their language."""
    if not title or title == stored_default_title(month):
        return default_title(month)
    return title


def stored_default_title(month) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return default_title(month)


def section_title(key: str, title: str) -> str:
    """A section's title for the reader: the default one in their language."""
    default = SECTION_TITLES.get(key)
    if default is not None and (not title or title == stored(default)):
        return str(default)
    return title
