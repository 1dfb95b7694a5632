"""{% data_as_of %}: the line every figure page shows, "Data as of <last rollup>"."""

from django import template

from xmo.freshness import data_as_of as freshness

register = template.Library()


@register.inclusion_tag("partials/_data_as_of.html", takes_context=True)
def data_as_of(context):
    org = context.get("current_org")
    return {"as_of": freshness(org) if org is not None else None}
