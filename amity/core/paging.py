"""Paging a list page and keeping its filters in the page links."""

from django.core.paginator import Page, Paginator


def page_of(request, queryset, per_page: int) -> Page:
    """The page ``?page=`` asks for (the first or last when it is out of range)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without(request, *keys: str) -> str:
    """The request's query string without ``keys``, for links that change only those."""
    params = request.GET.copy()
    for key in keys:
        params.pop(key, None)
    return params.urlencode()
