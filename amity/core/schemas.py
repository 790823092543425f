"""Bases for the JSON API's input schemas, so that every endpoint checks input the same
way: text holds no control characters (see :mod:`amity.core.text`), and a body with a
field the endpoint does not know is refused rather than silently ignored."""

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from amity.core.text import text_problem


class _MultiLine:
    """Marks a field whose text may hold line breaks and tabs."""


MULTI_LINE = _MultiLine()
LongText = Annotated[str, MULTI_LINE]
"""Multi-line text, as a textarea holds: line breaks and tabs allowed."""


def _check(value: Any, *, multiline: bool) -> None:
    if isinstance(value, str):
        if problem := text_problem(value, multiline=multiline):
            raise PydanticCustomError("control_character", problem)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item, multiline=multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, multiline=False)
            _check(item, multiline=multiline)


class FilterSchema(Schema):
    """Query parameters: text checked; parameters nobody asked for are ignored, as on
    any web address."""

    @field_validator("*", mode="after")
    @classmethod
    def _text_is_storable(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name]
        _check(value, multiline=MULTI_LINE in field.metadata)
        return value


class InputSchema(FilterSchema):
    """A request body: text checked, and a field the schema does not declare is a 422
    that names it."""

    model_config = ConfigDict(extra="forbid")
