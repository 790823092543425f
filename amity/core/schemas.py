"""What every app's JSON API shares: the bases of input schemas, so that every endpoint
checks input the same way (text holds no control characters, see :mod:`amity.core.text`;
a body with a field the endpoint does not know is refused rather than silently ignored),
bounded ids and page numbers, and the shape of an error."""

from collections.abc import Mapping
from typing import Annotated, Any

from django.core.exceptions import NON_FIELD_ERRORS
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from ninja.schema import DjangoGetter
from pydantic import (
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
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

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo
    ) -> Any:
        # Replaces ninja's, which wraps what it validates in a DjangoGetter (to read model
        # instances and resolve_* methods) and, with extra="forbid", validates it twice.
        # Input is a dict parsed from the request: validated as it is, once, with the
        # same result (it halves the cost of reading the public registration's body).
        if isinstance(values, dict) and not cls._ninja_resolvers:
            return handler(values)
        config = cls.model_config
        if config.get("extra") == "forbid" or config.get("validate_assignment", False):
            handler(values)
        return handler(DjangoGetter(values, cls, info.context))

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


# Ids are BigAutoField: a number outside their range names nothing, and some databases
# fail on it rather than finding nothing.
ID_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""An id sent in a filter or a body."""

# The largest page anyone may ask for: the database's integer range, which keeps the
# offset (page × page size) well inside the 64-bit range every database accepts.
PAGE_MAX = 2**31 - 1


class Pages(PageNumberPagination):
    """Numbered pages, as ninja's, with bounded numbers, so that a number no database can
    take is a 422 rather than a failed query."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=PAGE_MAX)


class ErrorOut(Schema):
    detail: str


class Problem(ErrorOut):
    """Why a request was refused: a sentence in ``detail``; for bad input (422) the
    messages by field in ``errors``."""

    errors: dict[str, list[str]] | None = None


class ProblemOut(ErrorOut):
    """Why a request was refused: a sentence in ``detail``; for a conflict, a ``code``
    a program can act on; for bad input, the messages by field in ``errors``."""

    code: str = Field(
        "",
        description="invalid (422); for a conflict (409) what the operation names, such as "
        "not_enough_stock, already_decided or conflict",
    )
    errors: dict[str, list[str]] | None = None


def errors_detail(errors: Mapping[str, list[str]]) -> str:
    """The ``detail`` sentence of a 422: each field's messages after its name (the form's
    own messages alone), as every API error of Amity reads."""
    return "; ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
        for field, messages in errors.items()
    )
