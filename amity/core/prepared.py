"""Reads and writes on the hot path, compiled to SQL once per process.

Django builds and compiles a query's SQL every time it runs. For the statements every
public registration makes (the activity, its settings under the registration lock, the
new registration), building and compiling cost several times what running them costs,
and a registration burst runs them thousands of times a minute.

- A :class:`PreparedRead` builds its queryset once, for a marker id, compiles it on first
  use for each database, and then only runs the SQL with the marker replaced by the id
  asked for: the same SQL, the same rows, the same locks as the queryset it came from.
  The row becomes a model instance the way a queryset makes it (the same columns, the
  same converters, annotations as attributes), with what the queryset works out for each
  row worked out once.
- A :class:`PreparedInsert` compiles the INSERT of one model's row once and then does
  what ``save()`` does for a new row without building the query again: ``pre_save``,
  each field's value as the database takes it, the INSERT, the new id, ``post_save``.
  With ``skip_conflicts`` a row that would break a unique constraint is not written
  (``ON CONFLICT DO NOTHING``; SQLite: ``INSERT OR IGNORE``), which tells the caller
  "already there" without an error, so without the savepoint an error inside a
  transaction needs (on PostgreSQL a savepoint is two more round trips). Where the
  database cannot return the new id, the row goes through ``save()``.
"""

from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import Model, QuerySet, signals
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery

# An id no row has, standing for the one to look up while the SQL is compiled.
_MARKER = -7_301_946_285_113


class _CompiledRead:
    """A read's SQL and how to make its row a model instance (see ``ModelIterable``)."""

    def __init__(self, queryset: QuerySet, using: str):
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
        params = list(params)
        if params.count(_MARKER) != 1:
            raise ValueError("The prepared query must use its id exactly once.")
        klass_info = compiler.klass_info
        if klass_info.get("related_klass_infos"):
            raise ValueError("A prepared read gives one model: no select_related.")
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model = klass_info["model"]
        self.sql = sql
        self.params = params
        self.index = params.index(_MARKER)
        self.start, self.end = start, end
        self.names = [column[0].target.attname for column in compiler.select[start:end]]
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = list(
            compiler.get_converters([column[0] for column in compiler.select]).items()
        )


class PreparedRead:
    """``build(id)`` returns the queryset that finds at most one row for ``id``; ``get(id)``
    runs its SQL and returns that row (annotations as attributes, as the database gives
    them), or None."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self._build = build
        self._compiled: dict[str, _CompiledRead] = {}

    def _compile(self, using: str) -> _CompiledRead:
        compiled = _CompiledRead(self._build(_MARKER), using)
        self._compiled[using] = compiled
        return compiled

    def get(self, pk: int, *, using: str = DEFAULT_DB_ALIAS) -> Model | None:
        compiled = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        params = [*compiled.params]
        params[compiled.index] = pk
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = list(row)
        for position, (functions, expression) in compiled.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        instance = compiled.model.from_db(using, compiled.names, row[compiled.start : compiled.end])
        for name, position in compiled.annotations:
            setattr(instance, name, row[position])
        return instance


class _CompiledInsert:
    def __init__(self, model: type[Model], using: str, skip_conflicts: bool):
        connection = connections[using]
        meta = model._meta
        if meta.parents or meta.auto_created:
            raise ValueError(f"{meta.label} rows cannot be inserted by prepared SQL.")
        # As save() writes a new row: every column but the generated ones and the
        # database's own id.
        self.fields = [
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        ]
        self.returning = list(meta.db_returning_fields)
        query = InsertQuery(model, on_conflict=OnConflict.IGNORE if skip_conflicts else None)
        query.insert_values(self.fields, [model()])
        compiler = query.get_compiler(using)
        compiler.returning_fields = self.returning
        [(sql, params)] = compiler.as_sql()
        if len(params) != len(self.fields) + len(compiler.returning_params):
            raise ValueError(f"{meta.label} rows cannot be inserted by prepared SQL.")
        self.sql = sql
        self.extra = list(params[len(self.fields) :])
        self.returning_params = compiler.returning_params
        columns = [field.get_col(meta.db_table) for field in self.returning]
        self.converters = list(compiler.get_converters(columns).items())
        self.usable = not self.returning or connection.features.can_return_columns_from_insert


class PreparedInsert:
    """``insert(instance)`` writes a new ``model`` row from the instance's fields (with
    their defaults and ``pre_save``, as ``save()`` does), sets its id and sends
    ``pre_save`` and ``post_save`` as ``save()`` does. It returns False, writing nothing
    and sending no ``post_save``, when ``skip_conflicts`` is set and a unique constraint
    already holds such a row; any other refusal of the database raises as ``save()``
    would."""

    def __init__(self, model: type[Model], *, skip_conflicts: bool = False):
        self.model = model
        self.skip_conflicts = skip_conflicts
        self._compiled: dict[str, _CompiledInsert] = {}

    def _plain(self, instance: Model, using: str) -> bool:
        if not self.skip_conflicts:
            instance.save(force_insert=True, using=using)
            return True
        try:
            with transaction.atomic(using=using):
                instance.save(force_insert=True, using=using)
        except IntegrityError:
            return False
        return True

    def insert(self, instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> bool:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compiled[using] = _CompiledInsert(
                self.model, using, self.skip_conflicts
            )
        if not compiled.usable:
            return self._plain(instance, using)
        connection = connections[using]
        origin = type(instance)
        signals.pre_save.send(
            sender=origin, instance=instance, raw=False, using=using, update_fields=None
        )
        values: list[Any] = [
            field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in compiled.fields
        ]
        with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
            cursor.execute(compiled.sql, values + compiled.extra)
            if compiled.returning:
                row = connection.ops.fetch_returned_insert_columns(
                    cursor, compiled.returning_params
                )
            else:
                row = () if cursor.rowcount else None
        if row is None:  # skipped: a unique constraint already holds such a row
            return False
        row = list(row)
        for position, (functions, expression) in compiled.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        for field, value in zip(compiled.returning, row, strict=True):
            setattr(instance, field.attname, value)
        instance._state.adding = False
        instance._state.db = using
        signals.post_save.send(
            sender=origin,
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )
        return True
