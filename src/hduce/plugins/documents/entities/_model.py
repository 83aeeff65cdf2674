"""What an entity is, and the number and unit spelling the rules share."""

import re
from collections.abc import Callable, Iterator

import msgspec

PAGE_BREAK = "\f"
NUMBER = r"\d+(?:[.,]\d+)?"


class Entity(msgspec.Struct, frozen=True, kw_only=True):
    """One finding: its kind, the text as written, a normalized value and where it is.

    `start`/`end` are offsets into the document's text (pages separated by form feeds);
    `page` counts from 1.
    """

    kind: str
    text: str
    value: str
    code: str | None = None
    """A code of the value: DrugBank id of a medication, ICD-10 code of a diagnosis."""
    amount: float | None = None
    unit: str | None = None
    page: int = 1
    start: int
    end: int
    context: tuple[str, ...] = ()
    """What the text says of it (ConText): `negated`, `historical`, `family`, `hypothetical`,
    `possible`; empty when it is simply present."""


Builder = Callable[[re.Match[str]], tuple[str, float | None, str | None] | None]
"""Turns a match into (value, amount, unit), or None to drop an implausible one."""
Finder = Callable[[str], Iterator[re.Match[str]]]
PageOf = Callable[[int], int]
"""The 1-based page of a text offset."""


def number(text: str) -> float:
    """A decimal written with a point or a comma."""
    return float(text.replace(",", "."))


def normalize_unit(unit: str) -> str:
    """One spelling per unit (`ml` -> `mL`, `µg` -> `mcg`)."""
    unit = re.sub(r"\s+", "", unit)
    return {"ml": "mL", "mg/ml": "mg/mL", "micrograms": "mcg", "µg": "mcg", "unit": "units"}.get(
        unit, unit
    )
