from django import template
from django.utils.translation import gettext as _

from xmo.templatetags.xmo_format import format_number

from .. import selectors
from ..forms import ActionItemForm

register = template.Library()


def _text(value, signed: bool, unit: str = "") -> tuple[str, bool]:
    if value is None or value == "":
        return "–", False
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value), False
    digits = 1 if isinstance(value, float) else 0
    text = format_number(value, digits, sign=signed)
    return (f"{text} {unit}" if unit else text), True


@register.filter
def table_rows(data):
    """[(cells, url)] for an agenda item's small table; cells are (text, is_number).

    Columns listed in data["signed"] show a sign (changes, gaps to target); data["units"]
    maps a column to its unit ("%", "points", "min"); the url links the first cell.
    data["xla_cells"] (one {column: [xla id, ISO period start]} per row) marks the cells
    that show an XLA's score: they are rendered with data-xla-* attributes.
    """
    if not isinstance(data, dict):
        return []
    rows = data.get("rows") or []
    urls = data.get("row_urls") or []
    signed = set(data.get("signed") or [])
    units = {int(k): v for k, v in (data.get("units") or {}).items()}
    xla_cells = data.get("xla_cells") or []
    result = []
    for n, row in enumerate(rows):
        marks = xla_cells[n] if n < len(xla_cells) else {}
        cells = []
        for i, cell in enumerate(row):
            text, is_number = _text(cell, i in signed, units.get(i, ""))
            mark = marks.get(str(i)) or marks.get(i)
            xla = None
            if mark:
                score = "" if cell is None or cell == "" else repr(round(float(cell), 4))
                xla = {"id": mark[0], "period": mark[1], "score": score}
                if not is_number:
                    text = _("Insufficient data") if cell is None else text
            cells.append((text, is_number, xla))
        result.append((cells, urls[n] if n < len(urls) else ""))
    return result


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


@register.simple_tag(takes_context=True)
def breach_follow_up(context, breach):
    """The meetings side of a breach's work panel: its actions and the form for a new one.

    A form sent back with errors (`action_form` in the context) is shown again.
    """
    organisation = context.request.organisation
    return {
        "actions": selectors.actions_for(organisation, breach=breach),
        "action_form": context.get("action_form") or ActionItemForm(organisation=organisation),
    }


@register.simple_tag(takes_context=True)
def drop_follow_up(context, drop):
    """The meetings side of a score drop's review panel: its actions, the agenda items that
    carry it, the next weekly meeting and the form for a new action."""
    organisation = context.request.organisation
    return {
        "actions": selectors.actions_for(organisation, score_drop=drop),
        "agenda_items": selectors.drop_agenda_items(drop),
        "next_meeting": selectors.next_weekly_meeting(organisation),
        "action_form": context.get("action_form") or ActionItemForm(organisation=organisation),
    }
