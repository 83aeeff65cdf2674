"""Medications: generic names from the bundled vocabulary, with an optional dose."""

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources

from hduce.plugins.documents.entities._model import NUMBER, normalize_unit, number

_DOSE_UNITS = r"mg/mL|mg/ml|mg/kg|mcg/h|micrograms|mcg|µg|mg|g|mL|ml|IU|units?|%"
_SALTS = (
    r"hydrochloride|hcl|sodium|potassium|calcium|besylate|maleate|succinate|tartrate|"
    r"er|xr|sr|mr|tablets?|tabs?|capsules?|caps?|oral|po|iv"
)


@cache
def medication_names() -> tuple[str, ...]:
    """The bundled vocabulary of generic drug names (`data/medications.txt`)."""
    text = (
        resources.files("hduce.plugins.documents")
        .joinpath("data/medications.txt")
        .read_text("utf-8")
    )
    names = (line.strip().lower() for line in text.splitlines())
    return tuple(sorted({n for n in names if n and not n.startswith("#")}, key=len, reverse=True))


@cache
def _medication_pattern() -> re.Pattern[str]:
    names = "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in medication_names())
    salts = rf"(?:\s+(?:{_SALTS})\b\.?)*"
    dose = rf"(?:{salts}\s*[:,]?\s*(?P<amount>{NUMBER})\s*(?P<unit>{_DOSE_UNITS}))?"
    return re.compile(rf"\b(?P<name>{names})\b{dose}(?!\w)", re.IGNORECASE)


@cache
def _first_words() -> frozenset[str]:
    return frozenset(name.split()[0] for name in medication_names())


_WORD = re.compile(r"\b[^\W\d_][\w\-]*")


def find_medications(text: str) -> Iterator[re.Match[str]]:
    """Every drug name (and its dose) in `text`."""
    # One anchored match per word that can start a drug name: far faster than letting the
    # 300-way alternation try every position of a long text.
    pattern, starts = _medication_pattern(), _first_words()
    position = 0
    for word in _WORD.finditer(text):
        if word.start() < position:
            continue
        token = word[0].lower()
        if token in starts or token.split("-")[0] in starts:
            match = pattern.match(text, word.start())
            if match:
                position = match.end()
                yield match


def medication(match: re.Match[str]) -> tuple[str, float | None, str | None]:
    """The drug's name, and its dose when written."""
    name = re.sub(r"\s+", " ", match["name"].lower())
    if match["amount"] is None:
        return name, None, None
    return name, number(match["amount"]), normalize_unit(match["unit"])
