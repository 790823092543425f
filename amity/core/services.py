"""Write helpers shared by every app's services."""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def save_validated(obj: M, fields: Mapping[str, Any]) -> M:
    """Set ``fields`` on ``obj``, validate the whole object (fields, ``clean()``,
    uniqueness and database constraints) and save it. Raises ValidationError and writes
    nothing when anything is wrong."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.full_clean()
    obj.save()
    return obj
