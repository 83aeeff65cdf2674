"""Vital signs, lab values and ICD-10 codes."""

import re

from hduce.plugins.documents.services.extraction.entities._model import (
    Builder,
    decimal,
    normalize_unit,
    number,
)

LABS = {
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
    "potassium": (r"potassium|K\+?", r"mmol/L|mEq/L"),
    "sodium": (r"sodium|Na\+?", r"mmol/L|mEq/L"),
    "tsh": (r"TSH", r"mIU/L|mU/L|µIU/mL|uIU/mL"),
    "egfr": (r"eGFR", r"mL/min(?:/1[.,]73\s*m[2²])?"),
    "crp": (r"CRP|C-reactive\s+protein", r"mg/L"),
}


def pair(unit: str) -> Builder:
    """Blood pressure `high/low`, when plausible."""

    def build(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
        high, low = int(match["high"]), int(match["low"])
        if not (50 <= high <= 300 and 20 <= low <= 200 and low < high):
            return None
        return f"{high}/{low}", None, unit

    return build


def measure(unit: str | None = None, low: float = 0, high: float = 1e9) -> Builder:
    """One amount in `[low, high]`, in `unit` or the unit written."""

    def build(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
        amount = number(match["amount"])
        if not low <= amount <= high:
            return None
        found = unit or normalize_unit(match["unit"])
        return decimal(match["amount"]), amount, found

    return build


def temperature(match: re.Match[str]) -> tuple[str, float | None, str | None] | None:
    """A body temperature in °C or °F, when plausible."""
    amount, scale = number(match["amount"]), match["unit"].upper()
    plausible = 30 <= amount <= 45 if scale == "C" else 86 <= amount <= 113
    return (f"{amount:g}", amount, f"°{scale}") if plausible else None


_COMPARATORS = {"\u2264": "<=", "\u2265": ">="}
"""One spelling per comparator, FHIR's (`<`, `<=`, `>=`, `>`)."""


def lab(name: str) -> Builder:
    """A lab value named `name`, with its unit.

    One given as a bound (`CRP <5 mg/L`) has its comparator and amount in its value (`crp <5`).
    """

    def build(match: re.Match[str]) -> tuple[str, float | None, str | None]:
        amount, unit = number(match["amount"]), normalize_unit(match["unit"])
        if comparator := match["comparator"]:
            bound = _COMPARATORS.get(comparator, comparator) + decimal(match["amount"])
            return f"{name} {bound}", amount, unit
        return name, amount, unit

    return build


def icd10(match: re.Match[str]) -> tuple[str, float | None, str | None]:
    """An ICD-10 code, upper case."""
    return match["code"].upper(), None, None


BP_LABELLED = re.compile(
    r"\b(?:BP|B/P|blood\s+pressure)\s*+[:=]?\s*+(?P<high>\d{2,3})\s*/\s*(?P<low>\d{2,3})"
    r"(?:\s*mm\s?Hg\b)?",
    re.IGNORECASE,
)
BP_UNIT = re.compile(r"\b(?P<high>\d{2,3})\s*/\s*(?P<low>\d{2,3})\s*mm\s?Hg\b", re.IGNORECASE)
_BEATS = r"(?:bpm|beats\s*/\s*min|beats\s+per\s+minute)\b"
HR_UNIT = re.compile(rf"\b(?P<amount>\d{{2,3}})\s*{_BEATS}", re.IGNORECASE)
HR_LABEL = re.compile(
    rf"\b(?:HR|heart\s+rate|pulse(?:\s+rate)?)\s*+[:=]?\s*+(?P<amount>\d{{2,3}})\b(?:\s*{_BEATS})?",
    re.IGNORECASE,
)
TEMP_DEGREES = re.compile(
    r"\b(?P<amount>\d{2,3}(?:[.,]\d{1,2})?)\s*+(?:°|º|deg(?:rees)?)\s*+(?P<unit>[CF])\b",
    re.IGNORECASE,
)
TEMP_LABEL = re.compile(
    r"\btemp(?:erature)?\s*+[:=]?\s*+(?P<amount>\d{2,3}(?:[.,]\d{1,2})?)\s*(?P<unit>[CF])\b",
    re.IGNORECASE,
)
SPO2 = re.compile(
    r"\b(?:SpO2|SpO₂|SaO2|O2\s*sat(?:uration)?|oxygen\s+saturation|sats?)\s*+[:=]?\s*+"
    r"(?P<amount>\d{2,3})\s*%",
    re.IGNORECASE,
)
# `\b` before the letter, written after it: a pattern that starts with a letter class is scanned
# for by the regex engine, one that starts with `\b` is tried at every position of the text.
ICD10_DOTTED = re.compile(r"(?P<code>[A-TV-Z](?<!\w[A-TV-Z])[0-9][0-9AB]\.[0-9A-TV-Z]{1,4})\b")
ICD10_PLAIN = re.compile(r"\b(?P<code>[A-TV-Z][0-9][0-9AB])\b")
