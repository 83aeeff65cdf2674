"""Checking fields handed over by code (not by HTTP) against a route's input struct."""

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from hduce.core.errors import HduceError

T = TypeVar("T")


def as_input(
    fields: Mapping[str, Any], kind: type[T], error: type[HduceError], *, strict: bool = True
) -> T:
    """`fields` as `kind`, with the limits its route applies (lengths, a start with an offset).

    A value `kind` refuses raises `error` with msgspec's message, e.g. `Expected ... - at $.x`.
    """
    try:
        return msgspec.convert(fields, kind, strict=strict)
    except msgspec.ValidationError as exc:
        raise error(str(exc)) from None
