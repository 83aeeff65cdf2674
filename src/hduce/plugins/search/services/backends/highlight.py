"""A hit's snippet: its text cut to a few fragments around the query's words, words marked.

PostgreSQL's `ts_headline` did this inside the page query, parsing every hit's text once more
(about 0.1 ms per 1,000 characters: a third of a selective search). The page query now returns
the text it cuts around the first word (`store._sql.WINDOW`) and this marks it: each query word
is found with a plain substring search: 20 to 30 microseconds a snippet.
"""

import re
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from hduce.plugins.search.services._folding import fold
from hduce.plugins.search.services.backends.base import marked_to_html
from hduce.plugins.search.store import MARK_END, MARK_START, WHOLE_WORD

# The words of PostgreSQL's `simple` parser: runs of letters and digits.
_WORD = re.compile(r"[^\W_]+")
_REST_OF_WORD = re.compile(r"[^\W_]*")
FRAGMENT_CHARS = 200
"""Characters in one fragment, about 30 words (and the most a text shown whole may have)."""
MAX_FRAGMENTS = 2
LEAD_CHARS = 40
"""Characters kept before a fragment's first marked word."""
FIRST_CHARS = 80
"""A text none of the query's words is in shows its first characters, about 10 words."""
DELIMITER = " ... "


class Span(NamedTuple):
    """Characters `start` to `end` (exclusive) of a text."""

    start: int
    end: int


class Fragment(NamedTuple):
    """A span of a text and how many marked words it holds."""

    marked: int
    span: Span


class Highlighter:
    """Marks the words the query's parts match: as prefixes, or whole for `=` alternatives.

    `parts` are `store._sql`'s: each part's alternatives separated by tabs. Words are compared
    folded (`_folding.fold`), as the index finds them: "muller" marks "Müller" and "müller"
    marks "Muller".
    """

    def __init__(self, parts: Iterable[str]) -> None:
        words: dict[str, bool] = {}
        for part in parts:
            for alternative in part.split("\t"):
                whole = alternative.startswith(WHOLE_WORD)
                for word in _WORD.findall(fold(alternative.lower())):
                    words[word] = words.get(word, True) and whole
        self._searches = [(re.compile(re.escape(word)), whole) for word, whole in words.items()]

    def snippet(self, text: str) -> str:
        """HTML: `text` escaped, whole if short, else cut to fragments; query words in `<mark>`."""
        found = self._found(text)
        if len(text) <= FRAGMENT_CHARS:
            spans = [Span(0, len(text))]
        elif not found:
            spans = [_snapped(text, Span(0, FIRST_CHARS), [])]
        else:
            spans = [_snapped(text, f.span, found) for f in _fragments(found, len(text))]
        return marked_to_html(DELIMITER.join(_marked(text, found, span) for span in spans))

    def _found(self, text: str) -> list[Span]:
        """The words of `text` to mark, in order."""
        folded, places = _folded(text)
        spans = set()
        for search, whole in self._searches:
            for match in search.finditer(folded):
                start = match.start()
                if start and folded[start - 1].isalnum():
                    continue
                end = _REST_OF_WORD.match(folded, match.end()).end()  # type: ignore[union-attr]
                if not whole or end == match.end():
                    spans.add(Span(places[start], places[end]) if places else Span(start, end))
        return sorted(spans)


_FOLDED: dict[int, str] = {code: chr(code).lower() for code in range(128)}
"""Each character met so far, lower-cased and folded: "" for an accent alone, "ss" for "ß"."""
_UNEVEN: set[str] = set()
"""The characters met so far that fold to other than one character."""


def _folded(text: str) -> tuple[str, list[int] | None]:
    """`text` lower-cased and folded, with the place in `text` of each folded character.

    The places end with `len(text)`; they are None when they are the same (no character
    folded to none or to several).
    """
    if text.isascii():
        return text.lower(), None
    letters = set(text)
    for letter in letters:
        if ord(letter) not in _FOLDED:
            _FOLDED[ord(letter)] = folded = fold(letter.lower())
            if len(folded) != 1:
                _UNEVEN.add(letter)
    if _UNEVEN.isdisjoint(letters):
        return text.translate(_FOLDED), None
    pieces, places = [], []
    for at, letter in enumerate(text):
        piece = _FOLDED[ord(letter)]
        pieces.append(piece)
        places += [at] * len(piece)
    places.append(len(text))
    return "".join(pieces), places


def _fragments(found: list[Span], length: int) -> list[Fragment]:
    """Windows from each unmarked word on, the `MAX_FRAGMENTS` with most marks, in text order."""
    ends = [span.end for span in found]
    windows: list[Fragment] = []
    n = earliest = 0
    while n < len(found):
        start = max(earliest, min(found[n].start - LEAD_CHARS, length - FRAGMENT_CHARS))
        end = max(min(length, start + FRAGMENT_CHARS), found[n].end)
        covered = bisect_right(ends, end, n) - n
        windows.append(Fragment(covered, Span(start, end)))
        n, earliest = n + covered, end
    best = sorted(windows, key=lambda window: -window.marked)[:MAX_FRAGMENTS]
    return sorted(best, key=lambda window: window.span.start)


def _snapped(text: str, span: Span, found: list[Span]) -> Span:
    """`span` shrunk to whole words, from a word's first letter (never losing a marked word)."""
    start, end = span
    if start and text[start - 1].isalnum():
        start = _REST_OF_WORD.match(text, start).end()  # type: ignore[union-attr]
    first = _WORD.search(text, start, end)
    start = first.start() if first else start
    if end < len(text) and text[end].isalnum():
        end = max(text.rfind(" ", start, end), text.rfind("\n", start, end), start)
    inside = [s for s in found if span.start <= s.start and s.end <= span.end]
    if inside:
        start, end = min(start, inside[0].start), max(end, inside[-1].end)
    return Span(start, len(text[:end].rstrip()))


def _marked(text: str, found: list[Span], span: Span) -> str:
    """`text[span]`, the `found` words within it between the highlight markers."""
    pieces, at = [], span.start
    for word in found:
        if span.start <= word.start and word.end <= span.end:
            pieces += [text[at : word.start], MARK_START, text[word.start : word.end], MARK_END]
            at = word.end
    pieces.append(text[at : span.end])
    return "".join(pieces)
