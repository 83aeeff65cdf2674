"""What the finders share: the page break, number and unit spelling, and their signatures."""

import re
from collections.abc import Callable, Iterator

PAGE_BREAK = "\f"
NUMBER = r"\d+(?:[.,]\d+)?"


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
