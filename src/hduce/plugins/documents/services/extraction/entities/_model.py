"""What the finders share: the page break, number and unit spelling, and their signatures."""

import re
from collections.abc import Callable, Iterator

PAGE_BREAK = "\f"
NUMBER = (
    r"[1-9]\d{0,2}(?:(?:,\d{3})+(?:\.\d+)?|(?:[\u2009\u202f]\d{3})+(?:[.,]\d+)?"
    r"|(?:\.\d{3}){2,}(?:,\d+)?)(?!\d)|\d+(?:[.,]\d+)?"
)
"""A number, its thousands grouped or not: `1,000`, `1,000.5`, `25 000` (a thin space),
`1.200.000`; a comma before anything but a group of three digits is a decimal one (`1,5`,
`0,125`). An ordinary space groups nothing ("2 500 mg tablets" may be two of them), nor does a
single point (`1.000` is one)."""
_THIN_SPACES = str.maketrans("", "", "\u2009\u202f")
_COMMA_GROUPS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")


Builder = Callable[[re.Match[str]], tuple[str, float | None, str | None] | None]
"""Turns a match into (value, amount, unit), or None to drop an implausible one."""
Finder = Callable[[str], Iterator[re.Match[str]]]
PageOf = Callable[[int], int]
"""The 1-based page of a text offset."""


def decimal(text: str) -> str:
    """A `NUMBER` as Python writes it: no thousands separators, a decimal point."""
    if text.isdigit():  # most are: the fast way out
        return text
    if "," in text and _COMMA_GROUPS.fullmatch(text):
        return text.replace(",", "")
    if text.count(".") > 1:
        text = text.replace(".", "")
    if not text.isascii():
        text = text.translate(_THIN_SPACES)
    return text.replace(",", ".")


def number(text: str) -> float:
    """A `NUMBER`'s value."""
    return float(decimal(text))


def normalize_unit(unit: str) -> str:
    """One spelling per unit (`ml` -> `mL`, `µg` -> `mcg`)."""
    unit = re.sub(r"\s+", "", unit)
    return {"ml": "mL", "mg/ml": "mg/mL", "micrograms": "mcg", "µg": "mcg", "unit": "units"}.get(
        unit, unit
    )
