"""What the meeting pages share."""

from __future__ import annotations

from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, size=PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


# --- index and series ---------------------------------------------------------------------
