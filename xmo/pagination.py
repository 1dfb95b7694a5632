"""One way to cut a list page: `page_of(request, queryset)` reads `?page=` (or another name)."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, queryset, size: int = PAGE_SIZE, param: str = "page"):
    """The requested page of `queryset`; a missing or bad number gives the first or last page."""
    return Paginator(queryset, size).get_page(request.GET.get(param))
