"""Checking values that did not come through a request body against the API's input shapes."""

from typing import TypeVar

import msgspec

from hduce.core.errors import HduceError, InvalidRequest
from hduce.core.text_patterns import worded

T = TypeVar("T")


def validated(
    data: object, kind: type[T], *, error: type[HduceError] = InvalidRequest, strict: bool = True
) -> T:
    """`data` converted to `kind` with its limits, as a request body would be; else `error`.

    For contract calls and forms that reach a service without Litestar's validation: a value
    breaking `kind`'s rules raises `error` (a 422 problem) with msgspec's message (a pattern
    in words).
    """
    try:
        return msgspec.convert(data, kind, strict=strict)
    except msgspec.ValidationError as exc:
        raise error(worded(str(exc))) from None
