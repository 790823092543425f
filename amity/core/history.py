"""The history of changes: who changed what, and when, on the objects an office answers for.

django-auditlog keeps one table of entries (``auditlog.LogEntry``): the object (content
type and primary key), the action, the changed fields as JSON (old and new value), the
login that acted and the time. Its middleware names the login of a web request; the JSON
API names the token's login with ``attribute_to``; a management command or a background
task outside a request has no login, and its entries show as "system".

Each app registers its own models in ``AppConfig.ready()`` with ``track``. What is never
recorded: secrets and noise (``ALWAYS_EXCLUDED``), the
fields a registration names in ``exclude``, and the values of ``hidden`` fields (the entry
says that they changed, not what to). Registrations themselves are not tracked (only their
settings are): a registrant's erasure then leaves nothing personal behind in the history.

A part of an object (a session of an activity, a speaker of a session, a version of a
document) is registered ``part_of`` its whole: its entries carry the whole's key and show
on the whole's history, also after the part was deleted.

This module is the floor every app stands on: it knows no domain app.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from amity.core.spreadsheets import csv_bytes

HIDDEN = "•••"
# How many levels of parts below a whole are looked up (activity → session → speaker).
PART_DEPTH = 3
LONG_VALUE = 200
# Never in any entry, whatever model is registered: secrets and noise.
ALWAYS_EXCLUDED = (
    "password",
    "last_login",
    "key_hash",
    "prefix",
    "submission_key",
    "token",
    "secret",
    "updated_at",
    "created_at",  # the entry's own time says it
    "uid",
    "sequence",
)

ACTIONS = {
    LogEntry.Action.CREATE: pgettext_lazy("history", "created"),
    LogEntry.Action.UPDATE: pgettext_lazy("history", "changed"),
    LogEntry.Action.DELETE: pgettext_lazy("history", "deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("history", "viewed"),
}

# model -> (whole's model label, foreign key naming the whole)
_PART_OF: dict[type[models.Model], tuple[str, str]] = {}


def hidden_value(value: str) -> str:
    """What a hidden field's old and new value are recorded as (``AUDITLOG_MASK_CALLABLE``)."""
    return HIDDEN


def track(
    model: type[models.Model],
    *,
    include: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    hidden: Iterable[str] = (),
    m2m: Iterable[str] = (),
    part_of: tuple[str, str] | None = None,
) -> None:
    """Record every create, change and delete of ``model`` (and changes to its ``m2m``
    fields) with the acting login. ``include`` limits the recorded fields, ``exclude``
    leaves some out, ``hidden`` records that a field changed without its values.
    ``part_of=("events.activity", "activity")`` shows the entries on the activity's
    history; the foreign key's value is kept in each entry for that. Call once, from the
    registering app's ``ready()``."""
    # Only the model's own columns (auditlog would add reverse relations on create and
    # delete, shown as "directory.Membership.None"), never the primary key.
    own = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    options: dict = {
        "include_fields": [name for name in own if name in include] if include else own,
        "exclude_fields": [*ALWAYS_EXCLUDED, *exclude],
        "mask_fields": list(hidden),
        "m2m_fields": set(m2m),
    }
    if part_of is not None:
        whole, key = part_of
        _PART_OF[model] = (whole.lower(), key)
        # Only the whole's key is kept whole, not the part's other values.
        options |= {"serialize_data": True, "serialize_kwargs": {"fields": [key]}}
    auditlog.register(model, **options)


def attribute_to(user) -> None:
    """Name ``user`` as the actor of the changes still to come in the current request,
    e.g. once the JSON API has read its bearer token (the middleware only knew the
    session's login, if any). Outside a request there is nothing to attribute."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user


def kind_key(model: type[models.Model]) -> str:
    """``events.activity``: how addresses and filters name a tracked model."""
    return model._meta.label_lower


def tracked_model(key: str) -> type[models.Model] | None:
    """The tracked model ``events.activity`` names, or None (unknown or not tracked)."""
    try:
        model = apps.get_model(key)
    except (LookupError, ValueError):
        return None
    return model if auditlog.contains(model) else None


def tracked_kinds() -> list[tuple[str, str]]:
    """(key, name) of every tracked model, by name, for the search form."""
    kinds = [(kind_key(m), str(capfirst(m._meta.verbose_name))) for m in auditlog.get_models()]
    return sorted(kinds, key=lambda kind: kind[1].lower())


# --- reading --------------------------------------------------------------------------


def _entries() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")


def _parts_of(model: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    whole = kind_key(model)
    return [(part, key) for part, (of, key) in _PART_OF.items() if of == whole]


def entries_for(model: type[models.Model], pk) -> QuerySet[LogEntry]:
    """The entries of one object and of its parts (and their parts), newest first. Parts
    are found by the whole's key kept in their entries, so deleted parts still count."""
    condition = Q(content_type=ContentType.objects.get_for_model(model), object_pk=str(pk))
    level = [(model, [pk])]
    for _depth in range(PART_DEPTH):
        below = []
        for whole, pks in level:
            for part, key in _parts_of(whole):
                part_condition = Q(
                    content_type=ContentType.objects.get_for_model(part),
                    **{f"serialized_data__fields__{key}__in": [int(p) for p in pks]},
                )
                # Parts that were ever recorded (deleted ones too), and parts that exist
                # but were never recorded themselves (made in bulk), whose parts may be.
                logged = LogEntry.objects.filter(part_condition).values_list("object_id", flat=True)
                live = part._base_manager.filter(**{f"{key}__in": pks}).values_list("pk", flat=True)
                part_pks = set(logged) | set(live)
                if part_pks:
                    condition |= part_condition
                    below.append((part, sorted(part_pks)))
        if not below:
            break
        level = below
    return _entries().filter(condition)


def search(
    *,
    actor_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    kind: str = "",
    system: bool = False,
) -> QuerySet[LogEntry]:
    """Entries by one login (or, with ``system``, by no login), from ``since`` to
    ``until`` inclusive (days in the current time zone), of one kind, newest first."""
    entries = _entries()
    if system:
        entries = entries.filter(actor__isnull=True, actor_email__isnull=True)
    elif actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    zone = timezone.get_current_timezone()
    if since is not None:
        entries = entries.filter(timestamp__gte=datetime.combine(since, time(), tzinfo=zone))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time(), tzinfo=zone)
        entries = entries.filter(timestamp__lt=end)
    if kind and (model := tracked_model(kind)) is not None:
        entries = entries.filter(content_type=ContentType.objects.get_for_model(model))
    return entries


def actors() -> QuerySet:
    """The logins that appear in the history, for the search form."""
    user_model = get_user_model()
    return user_model.objects.filter(
        pk__in=LogEntry.objects.filter(actor__isnull=False).values("actor_id")
    ).order_by("username")


# --- showing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str
    name: str  # the field's name in code, for the JSON export


@dataclass(frozen=True)
class Row:
    entry: LogEntry
    when: datetime
    who: str
    action: str
    kind: str
    kind_key: str
    object_repr: str
    object_pk: str
    changes: list[Change]


def actor_name(entry: LogEntry) -> str:
    """The login's full name or user name; its email once it was deleted; else "system"."""
    if entry.actor is not None:
        return entry.actor.get_full_name() or entry.actor.get_username()
    if entry.actor_email:
        return entry.actor_email
    return pgettext("history", "system")


def _field(model, name: str):
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # Reverse relations have no verbose name and are never recorded as such.
    return field if hasattr(field, "verbose_name") else None


def _shown(field, value) -> str:
    """A recorded value as a reader understands it: choices by label, yes/no, times in
    the viewer's zone, nothing as a dash, long texts shortened."""
    if value is None or value == "" or value == "None":
        return "—"
    if value == HIDDEN:
        return HIDDEN
    if field is not None and getattr(field, "choices", None):
        labels = {str(k): v for k, v in field.flatchoices}
        if str(value) in labels:
            return str(labels[str(value)])
    if isinstance(value, bool) or (
        isinstance(field, models.BooleanField) and value in ("True", "False")
    ):
        return str(_("yes") if value in (True, "True") else _("no"))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed, UTC)
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M %Z")
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if len(text) <= LONG_VALUE else text[: LONG_VALUE - 1] + "…"


def _changes(entry: LogEntry, model) -> list[Change]:
    changes = []
    for name, value in (entry.changes or {}).items():
        field = _field(model, name)
        label = str(capfirst(field.verbose_name)) if field is not None else name
        if isinstance(value, dict) and value.get("type") == "m2m":
            names = ", ".join(str(o) for o in value.get("objects", []))
            if value.get("operation") == "add":
                changes.append(Change(label, "", _("added: %(names)s") % {"names": names}, name))
            else:
                changes.append(Change(label, _("removed: %(names)s") % {"names": names}, "", name))
            continue
        old, new = value if isinstance(value, list | tuple) and len(value) == 2 else (None, value)
        old, new = _shown(field, old), _shown(field, new)
        if old == new and old != HIDDEN:
            continue  # created or deleted empty
        if entry.action == LogEntry.Action.CREATE:
            old = ""
        elif entry.action == LogEntry.Action.DELETE:
            new = ""
        changes.append(Change(label, old, new, name))
    return changes


def rows(entries: Iterable[LogEntry]) -> list[Row]:
    """The entries as a page or an export shows them."""
    result = []
    for entry in entries:
        model = entry.content_type.model_class()
        result.append(
            Row(
                entry=entry,
                when=entry.timestamp,
                who=actor_name(entry),
                action=str(ACTIONS.get(entry.action, entry.action)),
                kind=str(capfirst(model._meta.verbose_name)) if model else entry.content_type.model,
                kind_key=kind_key(model) if model else "",
                object_repr=entry.object_repr,
                object_pk=entry.object_pk,
                changes=_changes(entry, model),
            )
        )
    return result


# --- exporting ------------------------------------------------------------------------


def _csv_lines(entries: Iterable[LogEntry]) -> Iterator[list]:
    yield [
        _("When"),
        _("Who"),
        pgettext("history", "Action"),
        _("Kind"),
        pgettext("history", "Object"),
        pgettext("history", "Object ID"),
        pgettext("history", "Field"),
        pgettext("history", "Old value"),
        pgettext("history", "New value"),
    ]
    for row in rows(entries):
        when = timezone.localtime(row.when).isoformat(timespec="seconds")
        head = [when, row.who, row.action, row.kind, row.object_repr, row.object_pk]
        if not row.changes:
            yield [*head, "", "", ""]
        for change in row.changes:
            yield [*head, change.field, change.old, change.new]


def as_csv(entries: Iterable[LogEntry]) -> bytes:
    """One line per changed field (UTF-8 with a BOM, which Excel needs for Chinese)."""
    return csv_bytes(_csv_lines(entries))


def as_json(entries: Iterable[LogEntry]) -> bytes:
    """Every entry with its raw recorded values, times in UTC."""
    data = [
        {
            "id": row.entry.pk,
            "timestamp": row.when.astimezone(UTC).isoformat(),
            "actor": row.entry.actor.get_username() if row.entry.actor else None,
            "actor_name": row.who,
            "action": row.entry.get_action_display(),
            "object": {"kind": row.kind_key, "id": row.object_pk, "repr": row.object_repr},
            "changes": {
                change.name: {
                    "field": change.field,
                    "old": change.old,
                    "new": change.new,
                }
                for change in row.changes
            },
        }
        for row in rows(entries)
    ]
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
