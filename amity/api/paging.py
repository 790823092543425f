"""Paging for every list in the API: ``?page=`` and ``?page_size=`` bounded, so that a
number no database can take is a 422 rather than a failed query."""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# The largest page anyone may ask for: the database's integer range, which keeps the
# offset (page × page size) well inside the 64-bit range every database accepts.
PAGE_MAX = 2**31 - 1


class Pages(PageNumberPagination):
    """Numbered pages, as ninja's, with bounded numbers."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=PAGE_MAX)
