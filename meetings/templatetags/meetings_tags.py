from django import template

register = template.Library()


def _text(value, signed: bool) -> tuple[str, bool]:
    if value is None or value == "":
        return "–", False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value), False
    if signed:
        return (f"{value:+.1f}" if isinstance(value, float) else f"{value:+d}"), True
    return (f"{value:.1f}" if isinstance(value, float) else str(value)), True


@register.filter
def table_rows(data):
    """[(cells, url)] for an agenda item's small table; cells are (text, is_number).

    Columns listed in data["signed"] show a sign (changes, gaps to target); the url links
    the first cell.
    """
    if not isinstance(data, dict):
        return []
    rows = data.get("rows") or []
    urls = data.get("row_urls") or []
    signed = set(data.get("signed") or [])
    return [
        ([_text(cell, i in signed) for i, cell in enumerate(row)], urls[n] if n < len(urls) else "")
        for n, row in enumerate(rows)
    ]


@register.filter
def table_head(data):
    """[(column, is_number)]: numeric columns (judged on the first row) align right."""
    if not isinstance(data, dict):
        return []
    first = (data.get("rows") or [[]])[0]
    return [
        (
            col,
            i < len(first) and isinstance(first[i], int | float) and not isinstance(first[i], bool),
        )
        for i, col in enumerate(data.get("columns") or [])
    ]
