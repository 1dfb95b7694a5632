"""One way to cut a list page: `page_of(request, queryset)` reads `?page=` (or another name)."""

from django.core.paginator import Paginator

PAGE_SIZE = 50


def page_of(request, queryset, size: int = PAGE_SIZE, param: str = "page"):
    """The requested page of `queryset`; a missing or bad number gives the first or last page."""
    return Paginator(queryset, size).get_page(request.GET.get(param))


def query_without_page(request, param: str = "page") -> str:
    """The request's query string without the page number, for the pager's links."""
    query = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()
