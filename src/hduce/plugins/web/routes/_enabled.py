"""Contracts of optional plugins: a page that needs one that is off answers 404."""

from typing import TypeVar

from hduce.core.errors import NotFound

T = TypeVar("T")


def enabled(contract: T | None, what: str) -> T:
    """`contract`, or a 404 saying that `what` is not enabled at this clinic."""
    if contract is None:
        raise NotFound(f"{what} are not enabled at this clinic")
    return contract
