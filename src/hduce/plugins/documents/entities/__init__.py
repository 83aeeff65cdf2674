"""Medical entities found in extracted text by a deterministic, rule-based extractor.

No language model: a bundled vocabulary of generic drug names with dose patterns, regular
expressions for vital signs, lab values, dates and ICD-10 codes, and allergy lines.
"""

import bisect
import re
from functools import cache

from hduce.plugins.documents.entities import _measures as m
from hduce.plugins.documents.entities._allergies import NONE_KNOWN, allergies
from hduce.plugins.documents.entities._dates import DATE, date_builder
from hduce.plugins.documents.entities._medications import (
    find_medications,
    medication,
    medication_names,
)
from hduce.plugins.documents.entities._model import NUMBER, PAGE_BREAK, Builder, Entity, Finder

__all__ = ["PAGE_BREAK", "Entity", "extract_entities", "medication_names"]


@cache
def _rules(date_order: str) -> tuple[tuple[str, Finder, Builder], ...]:
    heart_rate = m.measure("bpm", 20, 300)
    rules: list[tuple[str, Finder, Builder]] = [
        ("medication", find_medications, medication),
        ("blood_pressure", m.BP_UNIT.finditer, m.pair("mmHg")),
        ("blood_pressure", m.BP_LABELLED.finditer, m.pair("mmHg")),
        ("heart_rate", m.HR_UNIT.finditer, heart_rate),
        ("heart_rate", m.HR_LABEL.finditer, heart_rate),
        ("temperature", m.TEMP_DEGREES.finditer, m.temperature),
        ("temperature", m.TEMP_LABEL.finditer, m.temperature),
        ("oxygen_saturation", m.SPO2.finditer, m.measure("%", 50, 100)),
        ("diagnosis_code", m.ICD10_DOTTED.finditer, m.icd10),
        ("date", DATE.finditer, date_builder(date_order)),
    ]
    for name, (label, units) in m.LABS.items():
        pattern = re.compile(
            rf"\b(?:{label})\b(?:\s*\([^)\n]{{0,20}}\))?\s*[:=]?\s*(?P<amount>{NUMBER})\s*"
            rf"(?P<unit>{units})(?!\w)",
            re.IGNORECASE,
        )
        rules.append(("lab_value", pattern.finditer, m.lab(name)))
    return tuple(rules)


class _Pages:
    """Maps text offsets to 1-based page numbers."""

    def __init__(self, text: str) -> None:
        self._breaks = [match.start() for match in re.finditer(PAGE_BREAK, text)]

    def page(self, offset: int) -> int:
        return bisect.bisect_right(self._breaks, offset) + 1


def extract_entities(text: str, *, date_order: str = "dmy") -> list[Entity]:
    """Every entity found in `text`, by position; overlapping finds of one kind keep the longest."""
    pages = _Pages(text)
    found: list[Entity] = []

    def add(kind: str, start: int, end: int, built: tuple[str, float | None, str | None]) -> None:
        value, amount, unit = built
        found.append(
            Entity(
                kind=kind,
                text=text[start:end],
                value=value,
                amount=amount,
                unit=unit,
                page=pages.page(start),
                start=start,
                end=end,
            )
        )

    for kind, find, build in _rules(date_order):
        for match in find(text):
            built = build(match)
            if built is not None:
                add(kind, match.start(), match.end(), built)
    for line in m.ICD_LINE.finditer(text):
        for match in m.ICD10_PLAIN.finditer(line[0]):
            start = line.start() + match.start()
            add("diagnosis_code", start, start + len(match[0]), m.icd10(match))
    for start, end, item in allergies(text):
        value = "none known" if NONE_KNOWN.match(item) else item.split("(")[0].strip().lower()
        add("allergy", start, end, (value, None, None))
    return _without_overlaps(found)


def _mentioned_as_allergy(entity: Entity, allergies: list[Entity]) -> bool:
    return entity.kind == "medication" and any(
        a.start <= entity.start and entity.end <= a.end for a in allergies
    )


def _without_overlaps(found: list[Entity]) -> list[Entity]:
    by_kind: dict[str, list[Entity]] = {}
    for entity in sorted(found, key=lambda e: (e.start - e.end, e.start)):
        by_kind.setdefault(entity.kind, []).append(entity)
    kept: list[Entity] = []
    for candidates in by_kind.values():
        chosen: list[Entity] = []
        for entity in candidates:  # longest first
            if not any(c.start < entity.end and entity.start < c.end for c in chosen):
                chosen.append(entity)
        kept.extend(chosen)
    # A drug named in an allergy list is an allergen, not a medication being taken.
    allergies = [e for e in kept if e.kind == "allergy"]
    kept = [e for e in kept if not _mentioned_as_allergy(e, allergies)]
    return sorted(kept, key=lambda e: (e.start, e.kind))
