"""The hand-labelled sentences of `labelled_entities.txt`, and precision/recall against them."""

import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from hduce.plugins.documents.services.extraction.entities import Entity, extract_entities

SENTENCES = Path(__file__).with_name("labelled_entities.txt")
CONTEXTS = ("negated", "historical", "family", "hypothetical", "possible")
_MARK = re.compile(r"\[([^\]|]+)\|(medication|diagnosis):([^\]|]+)(?:\|([a-z,]+))?\]")


class Label(NamedTuple):
    """One labelled finding: where it is, its kind, value and context."""

    start: int
    end: int
    kind: str
    value: str
    context: frozenset[str]


def labelled() -> list[tuple[str, list[Label]]]:
    """Each sentence without its marks, with its labels."""
    cases = []
    for written in SENTENCES.read_text("utf-8").splitlines():
        if not written.strip() or written.startswith("#"):
            continue
        line = written.replace("\\n", "\n")  # a text of several lines
        text, labels, position = "", [], 0
        for mark in _MARK.finditer(line):
            text += line[position : mark.start()]
            written, kind, value, context = mark.groups()
            start = len(text)
            text += written
            contexts = frozenset((context or "").split(",")) - {""}
            labels.append(Label(start, len(text), kind, value, contexts))
            position = mark.end()
        cases.append((text + line[position:], labels))
    return cases


def _key(kind: str, value: str) -> str:
    """What must agree: the drug's name, or a diagnosis's ICD-10 category."""
    return value.lower() if kind == "medication" else value.split(".")[0].upper()


def _found(entity: Entity) -> Label | None:
    if entity.kind == "medication":
        return Label(entity.start, entity.end, "medication", entity.value, frozenset())
    if entity.kind in ("diagnosis", "diagnosis_code") and entity.code:
        return Label(entity.start, entity.end, "diagnosis", entity.code, frozenset())
    return None


class Scores:
    """True positives, false positives and false negatives per measure."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}

    def add(self, measure: str, outcome: str) -> None:
        """Count one `tp`, `fp` or `fn` of `measure`."""
        self.counts.setdefault(measure, Counter())[outcome] += 1

    def precision(self, measure: str) -> float:
        """tp / (tp + fp)."""
        c = self.counts.get(measure, Counter())
        return c["tp"] / max(1, c["tp"] + c["fp"])

    def recall(self, measure: str) -> float:
        """tp / (tp + fn)."""
        c = self.counts.get(measure, Counter())
        return c["tp"] / max(1, c["tp"] + c["fn"])


def score() -> tuple[Scores, list[str]]:
    """Precision and recall of the extractor on every sentence; and what it got wrong."""
    scores, mistakes = Scores(), []
    for text, labels in labelled():
        found = [label for e in extract_entities(text) if (label := _found(e))]
        contexts = {(e.start, e.end): frozenset(e.context) for e in extract_entities(text)}
        matched: set[int] = set()
        for gold in labels:
            hit = next(
                (
                    i
                    for i, f in enumerate(found)
                    if i not in matched
                    and f.kind == gold.kind
                    and f.start < gold.end
                    and gold.start < f.end
                    and _key(f.kind, f.value) == _key(gold.kind, gold.value)
                ),
                None,
            )
            got = frozenset() if hit is None else contexts[(found[hit].start, found[hit].end)]
            if hit is None:
                scores.add(gold.kind, "fn")
                mistakes.append(f"missed {gold.kind} {gold.value!r} in: {text}")
            else:
                matched.add(hit)
                scores.add(gold.kind, "tp")
            for context in CONTEXTS:
                outcome = _outcome(context in gold.context, context in got)
                if outcome:
                    scores.add(context, outcome)
                if outcome in ("fp", "fn"):
                    mistakes.append(f"{context} {outcome} for {gold.value!r} in: {text}")
        for i, f in enumerate(found):
            if i not in matched:
                scores.add(f.kind, "fp")
                mistakes.append(f"extra {f.kind} {f.value!r} ({text[f.start : f.end]!r}): {text}")
    return scores, mistakes


def _outcome(labelled: bool, found: bool) -> str | None:
    if labelled:
        return "tp" if found else "fn"
    return "fp" if found else None
