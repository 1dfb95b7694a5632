"""Number formatting shared by every page."""

from django import template

register = template.Library()

DASH = "—"


@register.filter
def signed1(value):
    """Happiness-style figure: +72.4 / −3.0 / — when unknown."""
    if value is None or value == "":
        return DASH
    value = float(value)
    return f"{value:+.1f}".replace("-", "−")


@register.filter
def one_decimal(value):
    if value is None or value == "":
        return DASH
    return f"{float(value):.1f}"


@register.filter
def minutes(value):
    """Minutes as '2 h 55 min' or '45 min'."""
    if value is None or value == "":
        return DASH
    total = round(float(value))
    hours, mins = divmod(total, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


@register.filter
def percent(value, digits=0):
    if value is None or value == "":
        return DASH
    return f"{float(value):.{int(digits)}f} %"


@register.filter
def label(value):
    """A stored choice value shown as words: at_risk → At risk."""
    if value is None or value == "":
        return DASH
    return str(value).replace("_", " ").capitalize()
