"""Reads on the hot path, compiled to SQL once per process.

Django builds and compiles a query's SQL every time it runs. For the two reads every
public registration makes (the activity, and its settings under the registration lock),
building and compiling cost several times what running them costs, and a registration
burst runs them thousands of times a minute. A :class:`PreparedRead` builds its queryset
once, for a marker id, compiles it on first use for each database, and then only runs the
SQL with the marker replaced by the id asked for: the same SQL, the same rows, the same
locks as the queryset it came from."""

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Model, QuerySet

# An id no row has, standing for the one to look up while the SQL is compiled.
_MARKER = -7_301_946_285_113


class PreparedRead:
    """``build(id)`` returns the queryset that finds at most one row for ``id``; ``get(id)``
    runs its SQL and returns that row (annotations as attributes, as the database gives
    them), or None."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self._build = build
        self._compiled: dict[str, tuple[QuerySet, str, list, int]] = {}

    def _compile(self, using: str) -> tuple[QuerySet, str, list, int]:
        queryset = self._build(_MARKER)
        sql, params = queryset.query.get_compiler(using).as_sql()
        params = list(params)
        if params.count(_MARKER) != 1:
            raise ValueError("The prepared query must use its id exactly once.")
        compiled = (queryset, sql, params, params.index(_MARKER))
        self._compiled[using] = compiled
        return compiled

    def get(self, pk: int, *, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        queryset, sql, params, index = self._compiled.get(using) or self._compile(using)
        params = [*params]
        params[index] = pk
        for row in queryset.model._base_manager.db_manager(using).raw(sql, params):
            return row
        return None
