"""Medical entities found in extracted text by a deterministic, rule-based extractor.

No language model: a bundled vocabulary of generic drug names with dose patterns, regular
expressions for vital signs, lab values, dates and ICD-10 codes, and allergy lines.
"""

import bisect
import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from importlib import resources

import msgspec

PAGE_BREAK = "\f"


class Entity(msgspec.Struct, frozen=True, kw_only=True):
    """One finding: its kind, the text as written, a normalized value and where it is.

    `start`/`end` are offsets into the document's text (pages separated by form feeds);
    `page` counts from 1.
    """

    kind: str
    text: str
    value: str
    amount: float | None = None
    unit: str | None = None
    page: int = 1
    start: int
    end: int


Builder = Callable[[re.Match[str]], tuple[str, float | None, str | None] | None]
Finder = Callable[[str], Iterator[re.Match[str]]]

_NUMBER = r"\d+(?:[.,]\d+)?"
_DOSE_UNITS = r"mg/mL|mg/ml|mg/kg|mcg/h|micrograms|mcg|µg|mg|g|mL|ml|IU|units?|%"
_SALTS = (
    r"hydrochloride|hcl|sodium|potassium|calcium|besylate|maleate|succinate|tartrate|"
    r"er|xr|sr|mr|tablets?|tabs?|capsules?|caps?|oral|po|iv"
)
_MONTHS = {
    name: index
    for index, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_LABS = {
    "hba1c": (r"HbA1c|A1c|glycated\s+ha?emoglobin", r"%|mmol/mol"),
    "glucose": (
        r"(?:fasting\s+)?(?:blood\s+|plasma\s+)?glucose|blood\s+sugar|FBG|FPG",
        r"mmol/L|mg/dL",
    ),
    "creatinine": (r"creatinine", r"µmol/L|umol/L|mg/dL"),
    "ldl_cholesterol": (r"LDL(?:-C)?(?:\s+cholesterol)?", r"mmol/L|mg/dL"),
    "hdl_cholesterol": (r"HDL(?:-C)?(?:\s+cholesterol)?", r"mmol/L|mg/dL"),
    "total_cholesterol": (r"(?:total\s+)?cholesterol", r"mmol/L|mg/dL"),
    "triglycerides": (r"triglycerides", r"mmol/L|mg/dL"),
    "hemoglobin": (r"ha?emoglobin|Hgb|Hb", r"g/dL|g/L"),
    "potassium": (r"potassium", r"mmol/L|mEq/L"),
    "sodium": (r"sodium", r"mmol/L|mEq/L"),
    "tsh": (r"TSH", r"mIU/L|mU/L|µIU/mL|uIU/mL"),
    "egfr": (r"eGFR", r"mL/min(?:/1[.,]73\s*m[2²])?"),
    "crp": (r"CRP|C-reactive\s+protein", r"mg/L"),
}
_NONE_KNOWN = re.compile(
    r"^(?:nkda|nka|none(?:\s+known)?|nil(?:\s+known)?|no\s+known(?:\s+drug)?\s+allerg(?:y|ies))$",
    re.IGNORECASE,
)
_ALLERGY_HEADER = re.compile(
    r"^[ \t]*(?:known\s+)?(?:drug\s+)?allerg(?:y|ies)(?:\s*\([^)\n]*\))?"
    r"[ \t]*[:\-\u2013][ \t]*(.*)$",
    re.IGNORECASE | re.MULTILINE,
)
_ALLERGIC_TO = re.compile(r"\ballergic\s+to\s+([^\W\d][\w\- ]{1,40}?)(?=\s*[.,;\n(]|$)", re.I)
_BULLET = re.compile(r"^[ \t]*(?:[-•*·‣]|\d+[.)])?[ \t]*")
_LIST_SEPARATOR = re.compile(r"\s*(?:[,;]|\band\b)\s*", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]*[A-Za-z][A-Za-z /&]{1,40}:")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _normalize_unit(unit: str) -> str:
    unit = re.sub(r"\s+", "", unit)
    return {"ml": "mL", "mg/ml": "mg/mL", "micrograms": "mcg", "µg": "mcg", "unit": "units"}.get(
        unit, unit
    )


@cache
def medication_names() -> tuple[str, ...]:
    """The bundled vocabulary of generic drug names (`data/medications.txt`)."""
    text = resources.files(__package__).joinpath("data/medications.txt").read_text("utf-8")
    names = (line.strip().lower() for line in text.splitlines())
    return tuple(sorted({n for n in names if n and not n.startswith("#")}, key=len, reverse=True))


@cache
def _medication_pattern() -> re.Pattern[str]:
    names = "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in medication_names())
    salts = rf"(?:\s+(?:{_SALTS})\b\.?)*"
    dose = rf"(?:{salts}\s*[:,]?\s*(?P<amount>{_NUMBER})\s*(?P<unit>{_DOSE_UNITS}))?"
    return re.compile(rf"\b(?P<name>{names})\b{dose}(?!\w)", re.IGNORECASE)


@cache
def _first_words() -> frozenset[str]:
    return frozenset(name.split()[0] for name in medication_names())


_WORD = re.compile(r"\b[^\W\d_][\w\-]*")


def _find_medications(text: str) -> Iterator[re.Match[str]]:
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


def _medication(match: re.Match[str]) -> tuple[str, float | None, str | None]:
    name = re.sub(r"\s+", " ", match["name"].lower())
    if match["amount"] is None:
        return name, None, None
    return name, _number(match["amount"]), _normalize_unit(match["unit"])


def _pair(unit: str) -> Builder:
    def build(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
        high, low = int(match["high"]), int(match["low"])
        if not (50 <= high <= 300 and 20 <= low <= 200 and low < high):
            return None
        return f"{high}/{low}", None, unit

    return build


def _measure(unit: str | None = None, low: float = 0, high: float = 1e9) -> Builder:
    def build(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
        amount = _number(match["amount"])
        if not low <= amount <= high:
            return None
        found = unit or _normalize_unit(match["unit"])
        return match["amount"].replace(",", "."), amount, found

    return build


def _temperature(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
    amount, scale = _number(match["amount"]), match["unit"].upper()
    plausible = 30 <= amount <= 45 if scale == "C" else 86 <= amount <= 113
    return (f"{amount:g}", amount, f"°{scale}") if plausible else None


def _lab(name: str) -> Builder:
    def build(match: re.Match[str]) -> tuple[str, float | None, str | None]:
        return name, _number(match["amount"]), _normalize_unit(match["unit"])

    return build


def _icd10(match: re.Match[str]) -> tuple[str, float | None, str | None]:
    return match["code"].upper(), None, None


def _date_builder(order: str) -> Builder:
    def build(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
        groups = match.groupdict()
        if groups.get("iso_year"):
            parts = (groups["iso_year"], groups["iso_month"], groups["iso_day"])
        elif groups.get("n_year"):
            first, second = groups["n_first"], groups["n_second"]
            day, month = (first, second) if order == "dmy" else (second, first)
            parts = (groups["n_year"], month, day)
        elif groups.get("d_year"):
            parts = (groups["d_year"], str(_MONTHS[groups["d_month"].lower()]), groups["d_day"])
        else:
            parts = (groups["m_year"], str(_MONTHS[groups["m_month"].lower()]), groups["m_day"])
        try:
            found = date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
        return found.isoformat(), None, None

    return build


_DATE = re.compile(
    r"\b(?:(?P<iso_year>\d{4})-(?P<iso_month>\d{2})-(?P<iso_day>\d{2})"
    r"|(?P<n_first>\d{1,2})[./](?P<n_second>\d{1,2})[./](?P<n_year>\d{4})"
    rf"|(?P<d_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<d_month>{_MONTH})\.?,?\s+(?P<d_year>\d{{4}})"
    rf"|(?P<m_month>{_MONTH})\.?\s+(?P<m_day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<m_year>\d{{4}}))\b",
    re.IGNORECASE,
)


_BP_LABELLED = re.compile(
    r"\b(?:BP|B/P|blood\s+pressure)\s*[:=]?\s*(?P<high>\d{2,3})\s*/\s*(?P<low>\d{2,3})"
    r"(?:\s*mm\s?Hg\b)?",
    re.IGNORECASE,
)
_BP_UNIT = re.compile(r"\b(?P<high>\d{2,3})\s*/\s*(?P<low>\d{2,3})\s*mm\s?Hg\b", re.IGNORECASE)
_HR_UNIT = re.compile(
    r"\b(?P<amount>\d{2,3})\s*(?:bpm|beats\s*/\s*min|beats\s+per\s+minute)\b", re.IGNORECASE
)
_HR_LABEL = re.compile(
    r"\b(?:HR|heart\s+rate|pulse(?:\s+rate)?)\s*[:=]?\s*(?P<amount>\d{2,3})\b", re.IGNORECASE
)
_TEMP_DEGREES = re.compile(
    r"\b(?P<amount>\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º|deg(?:rees)?\s*)\s*(?P<unit>[CF])\b",
    re.IGNORECASE,
)
_TEMP_LABEL = re.compile(
    r"\btemp(?:erature)?\s*[:=]?\s*(?P<amount>\d{2,3}(?:[.,]\d{1,2})?)\s*(?P<unit>[CF])\b",
    re.IGNORECASE,
)
_SPO2 = re.compile(
    r"\b(?:SpO2|SpO₂|SaO2|O2\s*sat(?:uration)?|oxygen\s+saturation|sats?)\s*[:=]?\s*"
    r"(?P<amount>\d{2,3})\s*%",
    re.IGNORECASE,
)
_ICD10_DOTTED = re.compile(r"\b(?P<code>[A-TV-Z][0-9][0-9AB]\.[0-9A-TV-Z]{1,4})\b")
_ICD10_PLAIN = re.compile(r"\b(?P<code>[A-TV-Z][0-9][0-9AB])\b")
_ICD_LINE = re.compile(r"^.*\bICD(?:-?10)?\b.*$", re.MULTILINE)


@cache
def _rules(date_order: str) -> tuple[tuple[str, Finder, Builder], ...]:
    heart_rate = _measure("bpm", 20, 300)
    rules: list[tuple[str, Finder, Builder]] = [
        ("medication", _find_medications, _medication),
        ("blood_pressure", _BP_UNIT.finditer, _pair("mmHg")),
        ("blood_pressure", _BP_LABELLED.finditer, _pair("mmHg")),
        ("heart_rate", _HR_UNIT.finditer, heart_rate),
        ("heart_rate", _HR_LABEL.finditer, heart_rate),
        ("temperature", _TEMP_DEGREES.finditer, _temperature),
        ("temperature", _TEMP_LABEL.finditer, _temperature),
        ("oxygen_saturation", _SPO2.finditer, _measure("%", 50, 100)),
        ("diagnosis_code", _ICD10_DOTTED.finditer, _icd10),
        ("date", _DATE.finditer, _date_builder(date_order)),
    ]
    for name, (label, units) in _LABS.items():
        pattern = re.compile(
            rf"\b(?:{label})\b(?:\s*\([^)\n]{{0,20}}\))?\s*[:=]?\s*(?P<amount>{_NUMBER})\s*"
            rf"(?P<unit>{units})(?!\w)",
            re.IGNORECASE,
        )
        rules.append(("lab_value", pattern.finditer, _lab(name)))
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
    for line in _ICD_LINE.finditer(text):
        for match in _ICD10_PLAIN.finditer(line[0]):
            start = line.start() + match.start()
            add("diagnosis_code", start, start + len(match[0]), _icd10(match))
    for start, end, item in _allergies(text):
        value = "none known" if _NONE_KNOWN.match(item) else item.split("(")[0].strip().lower()
        add("allergy", start, end, (value, None, None))
    return _without_overlaps(found)


def _mentioned_as_allergy(entity: Entity, allergies: list[Entity]) -> bool:
    return entity.kind == "medication" and any(
        a.start <= entity.start and entity.end <= a.end for a in allergies
    )


def _allergies(text: str) -> Iterator[tuple[int, int, str]]:
    for header in _ALLERGY_HEADER.finditer(text):
        if header[1].strip():
            yield from _items(header[1], header.start(1))
            continue
        position = header.end() + 1
        for line in text[position:].split("\n")[:10]:
            if not line.strip() or _HEADING.match(line) or PAGE_BREAK in line:
                break
            bullet = _BULLET.match(line)
            offset = bullet.end() if bullet else 0
            yield from _items(line[offset:], position + offset)
            position += len(line) + 1
    for match in _ALLERGIC_TO.finditer(text):
        yield match.start(1), match.end(1), match[1].strip()


def _items(listing: str, offset: int) -> Iterator[tuple[int, int, str]]:
    position = 0
    for separator in [*_LIST_SEPARATOR.finditer(listing), None]:
        end = separator.start() if separator else len(listing)
        piece = listing[position:end]
        item = piece.strip().rstrip(".").strip()
        if item:
            start = offset + position + piece.index(item)
            yield start, start + len(item), item
        if separator is None or _NONE_KNOWN.match(item):
            return
        position = separator.end()


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
