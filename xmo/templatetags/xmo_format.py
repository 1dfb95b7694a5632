"""Number, unit and name formatting shared by every page.

Numbers use the locale's separators (LANGUAGE_CODE, en-gb: 19,074.5) and a real minus sign
(U+2212); every helper that prints a figure prints its unit too (min, h, %, points).
"""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from xmo.units import indicator_unit

register = template.Library()

DASH = "—"
MINUS = "\u2212"


def _blank(value) -> bool:
    return value is None or value == ""


def format_number(value, digits: int = 1, *, sign: bool = False) -> str:
    """19,074.5 / −3.1 (or +3.1 with sign) in the locale's separators."""
    value = round(float(value), digits)
    text = number_format(abs(value), decimal_pos=digits, use_l10n=True, force_grouping=True)
    if value < 0:
        return MINUS + text
    return ("+" if sign else "") + text


@register.filter
def num(value, digits=1):
    """A plain figure with locale separators: 1,234.5 / −3.1 / — when unknown."""
    if _blank(value):
        return DASH
    return format_number(value, int(digits))


@register.filter
def signed1(value):
    """Happiness-style figure: +72.4 / −3.0 / — when unknown."""
    if _blank(value):
        return DASH
    return format_number(value, 1, sign=True)


@register.filter
def one_decimal(value):
    if _blank(value):
        return DASH
    return format_number(value, 1)


@register.filter
def points(value, signed=""):
    """A happiness figure or change in points: 72.4 points / +3.0 points."""
    if _blank(value):
        return DASH
    return _("%(value)s points") % {"value": format_number(value, 1, sign=bool(signed))}


@register.filter
def minutes(value):
    """Minutes as '2 h 55 min', '45 min' or '19,074 h 25 min'; −12 min below zero."""
    if _blank(value):
        return DASH
    total = round(float(value))
    sign = MINUS if total < 0 else ""
    hours, mins = divmod(abs(total), 60)
    if hours:
        return f"{sign}{format_number(hours, 0)} h {mins:02d} min"
    return f"{sign}{mins} min"


@register.filter
def minutes_signed(value):
    """A change in minutes: +12 min / −1 h 05 min."""
    if _blank(value):
        return DASH
    text = minutes(value)
    return text if text.startswith(MINUS) or round(float(value)) == 0 else f"+{text}"


@register.filter
def hours(value, digits=1):
    if _blank(value):
        return DASH
    return f"{format_number(value, int(digits))} h"


@register.filter
def percent(value, digits=0):
    if _blank(value):
        return DASH
    return f"{format_number(value, int(digits))} %"


@register.filter
def measure_value(value, measure):
    """A figure of a measure with its unit: happiness in points, lost time in minutes."""
    if _blank(value):
        return DASH
    measure = str(measure or "")
    if measure.startswith("lost_time"):
        return minutes(value)
    if measure in ("response_count", "count", "n"):
        return format_number(value, 0)
    if measure in ("positive_share", "share", "percent"):
        return percent(value, 1)
    return points(value)


@register.filter
def measure_change(value, measure):
    """A change of a measure with its unit: +3.0 points / −12 min."""
    if _blank(value):
        return DASH
    measure = str(measure or "")
    if measure.startswith("lost_time"):
        return minutes_signed(value)
    if measure in ("positive_share", "share", "percent"):
        return _("%(value)s points") % {"value": format_number(value, 1, sign=True)}
    return points(value, "signed")


@register.filter
def indicator_value(value, indicator):
    """An indicator's value or target with its unit: 278 min, 65.0 points, 2.1 crashes/100."""
    return with_unit(value, indicator_unit(indicator))


@register.filter
def with_unit(value, unit):
    """A value with a unit given by name (min, %, points, a metric's own unit)."""
    if _blank(value):
        return DASH
    unit = str(unit or "")
    if unit == "min":
        return minutes(value)
    if unit == "%":
        return percent(value, 1)
    text = format_number(value, 1)
    return f"{text} {unit_label(unit)}" if unit else text


def unit_label(unit: str) -> str:
    """A unit as shown: the named units of xmo.units in the active language, any other (a
    metric's own, e.g. "crashes/100") as written."""
    if unit == "points":
        return pgettext("unit", "points")
    if unit == "responses":
        return pgettext("unit", "responses")
    return unit


@register.filter
def p_value(value):
    """'p < 0.0001' below the smallest shown, otherwise 'p = 0.0123'."""
    if _blank(value):
        return DASH
    value = float(value)
    if value < 0.0001:
        return "p < " + number_format(0.0001, decimal_pos=4, use_l10n=True)
    return "p = " + number_format(value, decimal_pos=4, use_l10n=True)


@register.filter
def label(value):
    """A stored choice value shown as words: at_risk → At risk."""
    if _blank(value):
        return DASH
    # The words are looked up in the catalogue, so a code whose label is translated (as a
    # choice's label, e.g. "At risk") reads in the active language; English is unchanged.
    return _(str(value).replace("_", " ").capitalize())


def person_name(user) -> str:
    """A person's display name: the full name, else the username; — when nobody."""
    if user is None or user == "":
        return DASH
    if isinstance(user, str):
        return user
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full.strip() or user.get_username()


@register.filter
def person(user):
    return person_name(user)


@register.filter
def person_or(user, fallback="—"):
    """A person's display name, or `fallback` when nobody."""
    return fallback if user is None or user == "" else person_name(user)


@register.filter
def data_number(value):
    """A figure for a data-* attribute: the plain number, or empty when there is none."""
    if _blank(value):
        return ""
    try:
        return repr(round(float(value), 4))
    except (TypeError, ValueError):
        return ""


_CHOICE_LABELS: dict[str, str] | None = None


def _choice_labels() -> dict[str, str]:
    """{stored choice code: its label} over the project's models (built once)."""
    global _CHOICE_LABELS
    if _CHOICE_LABELS is None:
        from django.apps import apps

        labels = {}
        for model in apps.get_models():
            for f in model._meta.get_fields():
                for value, text in getattr(f, "flatchoices", None) or []:
                    if isinstance(value, str) and "_" in value:
                        labels.setdefault(value, text)  # lazy: read in the active language
        _CHOICE_LABELS = labels
    return _CHOICE_LABELS


@register.filter
def words(value):
    """A stored value as people read it: a choice code becomes its label, None a dash."""
    if _blank(value):
        return DASH
    if isinstance(value, str):
        return _choice_labels().get(value, value)
    return value
