from django import template

register = template.Library()


@register.filter
def table_rows(data):
    """[(cells, url)] for an agenda item's small table; url links the first cell."""
    if not isinstance(data, dict):
        return []
    rows = data.get("rows") or []
    urls = data.get("row_urls") or []
    return [(row, urls[i] if i < len(urls) else "") for i, row in enumerate(rows)]


@register.filter
def signed(value):
    if value is None or value == "":
        return "–"
    if isinstance(value, int | float):
        if isinstance(value, float):
            return f"{value:+.1f}"
        return f"{value:+d}"
    return value
