"""Medications: names from `drug-named-entity-recognition` (generic, brand, synonyms), with a dose.

Its dictionary is read straight from the package's data file: importing the package would also
build a fuzzy-matching index of every name (seconds and tens of MB) that exact lookup never uses.
"""

import bz2
import importlib.util
import pickle
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

from hduce.plugins.documents.schemas._entity import Entity
from hduce.plugins.documents.services.extraction.entities._cache import cached
from hduce.plugins.documents.services.extraction.entities._lexicon import Lexicon, fold_name
from hduce.plugins.documents.services.extraction.entities._model import (
    NUMBER,
    PageOf,
    decimal,
    normalize_unit,
    number,
)

_LIBRARY = "drug_named_entity_recognition"
_DICTIONARY = "drug_ner_dictionary.pkl.bz2"
_DOSE_UNITS = r"mg/mL|mg/ml|mg/kg|mcg/h|micrograms|mcg|µg|mg|g|mL|ml|IU|units?|%"
_SALTS = (
    r"hydrochloride|hcl|sodium|potassium|calcium|besylate|maleate|succinate|tartrate|"
    r"er|xr|sr|mr|tablets?|tabs?|capsules?|caps?|oral|po|iv"
)
_DOSE = re.compile(
    rf"(?:\s++(?:{_SALTS})\b\.?)*\s*+[:,]?\s*+(?:\d{{1,2}}\s*+[x\u00d7]\s*+)?(?P<amount>{NUMBER})"
    rf"(?:\s*(?P<first>{_DOSE_UNITS})(?!\w))?"
    rf"(?:\s*+(?:-|\u2013|\bto\b)\s*+(?P<most>{NUMBER}))?\s*(?P<unit>{_DOSE_UNITS})(?!\w)"
    rf"(?:\s*+/\s*+(?P<volume>{NUMBER})\s*(?:mL|ml)(?!\w))?",
    re.IGNORECASE,
)
"""A dose after a drug's name: `500 mg`, a range (`400-600 mg`, `400mg-600mg`, `500 mg-1 g`: its
highest amount is kept), a strength per volume (`250 mg/5 mL`: unit `mg/5mL`), or a strength
after a count (`2 x 500 mg`: 500 mg; it may mean twice a day)."""
_MASS = {"mcg": 0.001, "mg": 1.0, "g": 1000.0}
"""Milligrams per unit, to compare the ends of a range written in two units."""
# Names written the way the dictionary keeps them: letters, digits, spaces, hyphens.
_PLAIN_NAME = re.compile(r"^[a-z0-9][a-z0-9\- ']*[a-z0-9]$")
# MeSH trees of organic, inorganic and heterocyclic compounds: the dictionary also holds
# proteins, enzymes, genes and classes ("ophthalmic solutions", "anti-bacterial agents").
_DRUG_TREES = ("D02", "D03", "D04")
_NOT_DRUGS = frozenset(
    {"buffers", "caps", "sits", "fras", "arvin", "fargo", "palin", "modus", "indio", "armin"}
    | {"hemel", "bicol", "arima", "indicators", "reagents", "hana", "sage", "ginger", "tea"}
)
"""English words and places the dictionary also lists as drug names."""


class Drug(NamedTuple):
    """A medicine: its canonical name and DrugBank id."""

    name: str
    drugbank_id: str | None


class Drugs(NamedTuple):
    """The medicines the dictionary knows, and a lexicon of every name they are written by."""

    lexicon: Lexicon
    drugs: tuple[Drug, ...]


def _is_medicine(data: dict[str, object]) -> bool:
    if data.get("drugbank_id") or data.get("medline_plus_id") or data.get("nhs_url"):
        return True
    trees = data.get("mesh_tree") or ()
    return any(str(tree).startswith(_DRUG_TREES) for tree in trees)  # type: ignore[union-attr]


def _dictionary() -> dict[str, dict[str, object]]:
    spec = importlib.util.find_spec(_LIBRARY)  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{_LIBRARY} is not installed")
    with bz2.open(Path(spec.submodule_search_locations[0]) / _DICTIONARY) as file:
        return pickle.load(file)  # the installed package's own data file


@cache
def drugs() -> Drugs:
    """The lexicon, built once per machine (see `_cache`) and loaded once per process."""
    return cached("drugs", _build_drugs)


def _build_drugs() -> Drugs:
    """Every medicine of the dictionary and its names."""
    dictionary = _dictionary()
    canonical: dict[str, dict[str, object]] = dictionary["drug_canonical_to_data"]
    index: dict[str, int] = {}
    table: list[Drug] = []
    names: dict[str, int] = {}
    for variant, (first, *_) in dictionary["drug_variant_to_canonical"].items():
        data = canonical.get(first)
        if data is None or variant in _NOT_DRUGS or not _PLAIN_NAME.match(variant):
            continue
        if len(variant.split()) > 4 or not _is_medicine(data):
            continue
        if first not in index:
            index[first] = len(table)
            table.append(Drug(first, data.get("drugbank_id")))  # type: ignore[arg-type]
        names.setdefault(fold_name(variant), index[first])
    return Drugs(Lexicon(names), tuple(table))


def find_medications(text: str, folded: str, page: PageOf) -> Iterator[Entity]:
    """Every drug named in `text` (`folded` is its folded form), with its dose when written.

    A name is on one line: "penicillin" ending an allergy line and "V/S: ..." on the next are not
    phenoxymethylpenicillin (penicillin V).
    """
    known = drugs()
    for start, end, value in known.lexicon.find(folded):
        if text.find("\n", start, end) >= 0:
            continue
        drug = known.drugs[value]
        dose = _DOSE.match(text, end)
        amount = unit = None
        if dose is not None:
            end, (amount, unit) = dose.end(), _highest(dose)
        yield Entity(
            kind="medication",
            text=text[start:end],
            value=drug.name,
            code=drug.drugbank_id,
            amount=amount,
            unit=unit,
            page=page(start),
            start=start,
            end=end,
        )


def _highest(dose: re.Match[str]) -> tuple[float, str]:
    """A dose's amount and unit: of a range, its highest end (written first or last)."""
    amount, unit = number(dose["amount"]), _unit(dose)
    if dose["most"] is None:
        return amount, unit
    most, first = number(dose["most"]), normalize_unit(dose["first"] or dose["unit"])
    last = normalize_unit(dose["unit"])
    comparable = first == last or (first in _MASS and last in _MASS)
    if comparable and amount * _MASS.get(first, 1.0) > most * _MASS.get(last, 1.0):
        return amount, first
    return most, unit


def _unit(dose: re.Match[str]) -> str:
    """A dose's unit, per its volume when written (`mg/5mL`, `mg/mL`)."""
    unit = normalize_unit(dose["unit"])
    if dose["volume"] is None:
        return unit
    volume = decimal(dose["volume"])
    return f"{unit}/mL" if volume == "1" else f"{unit}/{volume}mL"
