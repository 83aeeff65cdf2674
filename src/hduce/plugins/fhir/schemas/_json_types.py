"""FHIR JSON's value types, checked before an R4B model reads a body.

FHIR JSON writes an integer as a number, a boolean as `true`/`false`, a decimal as a number and
a date, dateTime, instant or time as a string. The R4B models read in pydantic's lax mode (their
own `__init__` drops `strict`), taking `"30"` or `true` as 30 or 1 and a number as Unix seconds.
"""

import types
import typing
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from fhir_core.types import FhirBase
from pydantic import BaseModel

NUMBERS = {int: "an integer", Decimal: "a number", float: "a number"}
"""Primitive types written as JSON numbers, and how an issue says them."""
STRINGS = (str, datetime, date, time)
"""Primitive types written as JSON strings (a date or time among them)."""


def wrong_types(model: type[BaseModel], body: dict[str, Any], path: str) -> list[str]:
    """An issue for each element of `body` (read as `model`, at `path`) of the wrong JSON type.

    Elements `model` does not have are left to the model, which names them.
    """
    elements = {field.alias or name: field.annotation for name, field in model.model_fields.items()}
    issues: list[str] = []
    for key, value in body.items():
        if key in elements and value is not None:
            issues += _issues(elements[key], value, f"{path}.{key}")
    return issues


def _issues(annotation: Any, value: Any, path: str) -> list[str]:
    """The issues of `value` read as `annotation`: none when any of its choices fits."""
    choices = _choices(annotation)
    found: list[str] = []
    for choice in choices:
        issues = _choice_issues(choice, value, path)
        if not issues:
            return []
        found = found or issues
    return found


def _choice_issues(choice: Any, value: Any, path: str) -> list[str]:
    if typing.get_origin(choice) is list:
        if not isinstance(value, list):
            return []  # the model names a list that is not one
        (item,) = typing.get_args(choice)
        return [
            issue
            for i, v in enumerate(value)
            if v is not None
            for issue in _issues(item, v, f"{path}[{i}]")
        ]
    if isinstance(choice, type) and issubclass(choice, FhirBase):
        inner = choice.get_model_klass()
        return wrong_types(inner, value, path) if isinstance(value, dict) else []
    if choice is bool:
        return [] if isinstance(value, bool) else [f"{path}: must be true or false"]
    if choice in NUMBERS:
        fits = isinstance(value, int if choice is int else (int, float)) and not isinstance(
            value, bool
        )
        return [] if fits else [f"{path}: must be {NUMBERS[choice]} (a JSON number)"]
    if choice in STRINGS and not isinstance(value, str):
        return [f"{path}: must be a JSON string"]
    return []


def _choices(annotation: Any) -> list[Any]:
    """The types `annotation` allows, each without its `Annotated` constraints, None left out."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _choices(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [c for arg in typing.get_args(annotation) for c in _choices(arg)]
    return [] if annotation is type(None) else [annotation]
