"""Allergies: `Allergies:` lines or lists under such a heading, and "allergic to …"."""

import re
from collections.abc import Iterator

from hduce.plugins.documents.services.extraction.entities._model import PAGE_BREAK

NONE_KNOWN = re.compile(
    r"^(?:nkda|nka|none(?:\s+known)?|nil(?:\s+known)?|no\s+known(?:\s+drug)?\s+allerg(?:y|ies))$",
    re.IGNORECASE,
)
_NUMBER = r"(?:\d++[.)]|\(\d++\)|\d++[ \t]++[-\u2013](?=[ \t]))"
_MARK = rf"[-•*·‣]|{_NUMBER}"
"""A list item's bullet or number ("1.", "1)", "(1)", "1 -")."""
_SECTION = rf"(?:{_NUMBER}|(?:[IVX]{{1,5}}|[A-Z])[.)](?=[ \t]))"
"""A section's number: as a list item's, or a roman numeral or a letter ("II.", "B.")."""
_HEADING_TAIL = (
    r"(?:patient(?:'s)?\s+)?(?:known\s+)?(?:drug\s+)?allerg(?:y|ies)"
    r"(?:[ \t]*(?:[/&]|and)[ \t]*(?:intolerances?|sensitivit(?:y|ies)|(?:adverse\s+)?reactions?))?"
    r"(?:\s*\([^)\n]*\))?[ \t]*+(?:[:\-\u2013\u2014]|{bare})[ \t]*(?P<items>.*)$"
)
_ALLERGY_HEADINGS = tuple(
    re.compile(lead + _HEADING_TAIL.format(bare=bare), re.IGNORECASE | re.MULTILINE)
    for lead, bare in (
        (rf"^[ \t]*+(?:(?:[-•*·‣]|(?P<number>{_SECTION}))[ \t]*+)?", "$"),
        (r"[.;!?][ \t]++", r"(?!)"),
    )
)
"""An `Allergies:` heading ("Allergies/intolerances -", "Patient allergies:") and the rest of its
line. It opens its line, after blanks, a bullet or a number ("1. Allergies:", "(1) Allergies:",
"1 - Allergies:", "II. Allergies:", "B. Allergies:"), or a sentence after another ("PMH: asthma.
Allergies:"); one opening its line may be the whole line, without a colon ("Allergies", its list
below). Below a numbered one, a numbered line is the next section ("2. Medications:"), not an
allergen. (Two patterns: one with both leads is five
times slower, as it cannot skip to where one starts.)"""
_NUMBERED = re.compile(rf"[ \t]*{_SECTION}")
_ALLERGIC_TO = re.compile(r"\ballergic\s+to\s+([^\W\d][\w\- ]{1,40}?)(?=\s*[.,;\n(]|$)", re.I)
_LIST_LINES = 10
"""Lines under an empty `Allergies:` heading read as its list, at most."""
_BULLET = re.compile(rf"^[ \t]*(?:{_MARK})?[ \t]*")
_LIST_SEPARATOR = re.compile(r"[,;]|\band\b", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]*[A-Za-z][A-Za-z /&]{1,40}:")
_LISTING_END = re.compile(r"\.(?=\s|$)|(?:(?<=[\w)])|;)[ \t]+[A-Z][a-z]+(?: [a-z]+){0,2}:")
"""Where a listing stops: its sentence's end, or a heading after a word or a semicolon ("codeine
Current medications:", "codeine; Medications:"; not "latex, Penicillin: rash")."""


def allergies(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, item) of every allergy named in `text`."""
    for header in _headings(text):
        if header["items"].strip():
            yield from _items(header["items"], header.start("items"))
            continue
        numbered = header.groupdict().get("number") is not None
        for position, line in _lines(text, header.end() + 1, _LIST_LINES):
            if not line.strip() or _HEADING.match(line) or PAGE_BREAK in line:
                break
            if numbered and _NUMBERED.match(line):
                break
            bullet = _BULLET.match(line)
            offset = bullet.end() if bullet else 0
            items = list(_items(line[offset:], position + offset))
            yield from items
            if items and NONE_KNOWN.match(items[-1][2]):
                break  # nothing is listed after "NKDA": the lines below are another section
    for match in _ALLERGIC_TO.finditer(text):
        yield match.start(1), match.end(1), match[1].strip()


def _headings(text: str) -> list[re.Match[str]]:
    """The allergy headings of `text`, in its order.

    One found by both patterns ("1. Allergies:" also follows a point) counts once, as the first
    pattern found it.
    """
    found: dict[int, re.Match[str]] = {}
    for pattern in _ALLERGY_HEADINGS:
        for heading in pattern.finditer(text):
            found.setdefault(heading.start("items"), heading)
    return [found[start] for start in sorted(found)]


def _lines(text: str, position: int, count: int) -> Iterator[tuple[int, str]]:
    """(offset, line) of the first `count` lines from `position`, read no further."""
    for _ in range(count):
        end = text.find("\n", position)
        yield position, text[position : len(text) if end < 0 else end]
        if end < 0:
            return
        position = end + 1


def _items(listing: str, offset: int) -> Iterator[tuple[int, int, str]]:
    if end := _LISTING_END.search(listing):
        listing = listing[: end.start()]
    position = 0
    for separator in [*_LIST_SEPARATOR.finditer(listing), None]:
        end = separator.start() if separator else len(listing)
        piece = listing[position:end]
        item = piece.strip().rstrip(".").strip()
        if item:
            start = offset + position + piece.index(item)
            yield start, start + len(item), item
        if separator is None or NONE_KNOWN.match(item):
            return
        position = separator.end()
