"""The regular-expression rules (vitals, labs, dates, ICD-10 codes), compiled once per process.

Each rule is tried only where it can start: at a keyword found by one lexicon pass ("BP",
"HbA1c", "March") or at a number. Running each pattern over the whole text instead costs a pass
per rule, most of the entity time of a page.
"""

import re
from collections.abc import Generator, Iterator
from functools import cache
from typing import NamedTuple

from hduce.plugins.documents.schemas._entity import Entity
from hduce.plugins.documents.services.extraction.entities import _measures as m
from hduce.plugins.documents.services.extraction.entities._dates import DATE, MONTHS, date_builder
from hduce.plugins.documents.services.extraction.entities._lexicon import Lexicon, fold_name
from hduce.plugins.documents.services.extraction.entities._model import NUMBER, Builder, PageOf

_NUMBER_RUN = re.compile(r"\d+")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_LAB_KEYWORDS = {
    "hba1c": ("hba1c", "a1c", "glycated"),
    "glucose": ("fasting", "blood", "plasma", "glucose", "fbg", "fpg"),
    "creatinine": ("creatinine",),
    "ldl_cholesterol": ("ldl",),
    "hdl_cholesterol": ("hdl",),
    "total_cholesterol": ("total", "cholesterol"),
    "triglycerides": ("triglycerides",),
    "hemoglobin": ("haemoglobin", "hemoglobin", "hgb", "hb"),
    "potassium": ("potassium", "k"),
    "sodium": ("sodium", "na"),
    "tsh": ("tsh",),
    "egfr": ("egfr",),
    "crp": ("crp", "c reactive"),
}
_SATURATION_KEYWORDS = ("spo2", "spo₂", "sao2", "o2", "o2sat", "o2saturation", "oxygen saturation")
_SATURATION_KEYWORDS += ("sat", "sats")
_ICD_KEYWORDS = ("icd", "icd 10", "icd10")


class Rule(NamedTuple):
    """A kind, the pattern that finds it and what turns a match into a value."""

    kind: str
    pattern: re.Pattern[str]
    build: Builder


class Rules(NamedTuple):
    """The rules by the keyword they start at, and those that start at a number."""

    keywords: Lexicon
    by_keyword: tuple[tuple[Rule, ...], ...]
    by_number: tuple[Rule, ...]
    any_number: re.Pattern[str]
    """Matches where at least one rule of `by_number` does: most numbers start none."""
    icd_line: int
    """The keyword value of an `ICD-10` label: plain codes count on its line."""


def _lab_rule(name: str, label: str, units: str) -> Rule:
    pattern = re.compile(
        rf"\b(?:{label})(?!\w)\s*+(?:\([^)\n]{{0,20}}\)\s*+)?[:=]?\s*+"
        rf"(?:(?P<comparator>[<>]=?|[\u2264\u2265])\s*+)?(?P<amount>{NUMBER})\s*"
        rf"(?P<unit>{units})(?!\w)",
        re.IGNORECASE,
    )
    return Rule("lab_value", pattern, m.lab(name))


@cache
def rules(date_order: str) -> Rules:
    """The rules for numeric dates read in `date_order` (`dmy` or `mdy`)."""
    heart_rate = m.measure("bpm", 20, 300)
    date = Rule("date", DATE, date_builder(date_order))
    keyed: list[tuple[tuple[str, ...], Rule]] = [
        (("bp", "b p", "blood pressure"), Rule("blood_pressure", m.BP_LABELLED, m.pair("mmHg"))),
        (("hr", "heart rate", "pulse"), Rule("heart_rate", m.HR_LABEL, heart_rate)),
        (("temp", "temperature"), Rule("temperature", m.TEMP_LABEL, m.temperature)),
        (
            _SATURATION_KEYWORDS,
            Rule("oxygen_saturation", m.SPO2, m.measure("%", 50, 100)),
        ),
        (tuple(MONTHS), date),
    ]
    for name, (label, units) in m.LABS.items():
        keyed.append((_LAB_KEYWORDS[name], _lab_rule(name, label, units)))
    by_word: dict[str, list[Rule]] = {}
    for words, rule in keyed:
        for word in words:
            by_word.setdefault(fold_name(word), []).append(rule)
    words = list(by_word)
    values = {word: index for index, word in enumerate(words)}
    for keyword in _ICD_KEYWORDS:
        values[keyword] = len(words)
    number_rules = (
        date,
        Rule("blood_pressure", m.BP_UNIT, m.pair("mmHg")),
        Rule("heart_rate", m.HR_UNIT, heart_rate),
        Rule("temperature", m.TEMP_DEGREES, m.temperature),
    )
    by_keyword = tuple(tuple(by_word[word]) for word in words)
    any_number = _any_of([rule.pattern for rule in number_rules])
    return Rules(Lexicon(values), by_keyword, number_rules, any_number, len(words))


def _any_of(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that matches at a position where one of `patterns` matches."""
    (flags,) = {pattern.flags for pattern in patterns}
    unnamed = (_NAMED_GROUP.sub("(?:", pattern.pattern) for pattern in patterns)
    return re.compile("|".join(f"(?:{pattern})" for pattern in unnamed), flags)


def find_measures(text: str, folded: str, page: PageOf, date_order: str) -> Iterator[Entity]:
    """Vitals, lab values, dates and ICD-10 codes in `text` (`folded` is its folded form)."""
    known = rules(date_order)
    line_read = 0  # where the last line naming ICD ends: it is read once
    for start, _, value in known.keywords.find(folded):
        if value == known.icd_line:
            if start >= line_read:
                line_read = yield from _icd_line(text, start, page)
            continue
        for rule in known.by_keyword[value]:
            yield from _built(rule, rule.pattern.match(text, start), text, page)
    for number in _NUMBER_RUN.finditer(text):
        if known.any_number.match(text, number.start()) is None:
            continue
        for rule in known.by_number:
            yield from _built(rule, rule.pattern.match(text, number.start()), text, page)
    for match in m.ICD10_DOTTED.finditer(text):
        yield from _built(_ICD_CODE, match, text, page)


_ICD_CODE = Rule("diagnosis_code", m.ICD10_DOTTED, m.icd10)


def _icd_line(text: str, position: int, page: PageOf) -> Generator[Entity, None, int]:
    """Three-character codes (`I10`) count on a line that names ICD; returns the line's end."""
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    end = len(text) if end < 0 else end
    for match in m.ICD10_PLAIN.finditer(text[start:end]):
        at = start + match.start()
        yield _entity("diagnosis_code", text, at, at + len(match[0]), m.icd10(match), page)
    return end


def _built(rule: Rule, match: re.Match[str] | None, text: str, page: PageOf) -> Iterator[Entity]:
    if match is not None and (built := rule.build(match)) is not None:
        yield _entity(rule.kind, text, match.start(), match.end(), built, page)


def _entity(
    kind: str,
    text: str,
    start: int,
    end: int,
    built: tuple[str, float | None, str | None],
    page: PageOf,
) -> Entity:
    value, amount, unit = built
    code = value if kind == "diagnosis_code" else None
    return Entity(
        kind=kind,
        text=text[start:end],
        value=value,
        code=code,
        amount=amount,
        unit=unit,
        page=page(start),
        start=start,
        end=end,
    )
