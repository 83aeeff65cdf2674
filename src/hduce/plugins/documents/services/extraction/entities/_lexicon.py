"""Whole-word, case-insensitive lookup of many names at once: Aho-Corasick over folded text."""

import re
from collections.abc import Iterator, Mapping

import ahocorasick

_SEPARATOR = re.compile(r"[^\w ]|_")
"""What `fold` turns into a space (a space is one already: not replacing it is faster)."""
_LENGTH_BITS = 7
MAX_NAME = (1 << _LENGTH_BITS) - 3
"""Longest folded name a lexicon holds (its length is packed with its value)."""


def fold(text: str) -> str:
    """`text` lower-cased, every separator a space, one space added each side.

    Offsets stay put: character `i` of `text` is character `i + 1` of the folded text.
    """
    lowered = text.lower()
    if len(lowered) != len(text):  # a few capitals lower-case to two characters (İ)
        lowered = "".join(character.lower()[0] for character in text)
    return f" {_SEPARATOR.sub(' ', lowered)} "


def fold_name(name: str) -> str:
    """A name as the lexicon keys it: folded, words separated by single spaces."""
    return " ".join(fold(name).split())


class Lexicon:
    """Names mapped to small ints, found as whole words in folded text."""

    def __init__(self, names: Mapping[str, int]) -> None:
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for name, value in names.items():
            if 0 < len(name) <= MAX_NAME:
                key = f" {name} "
                self._automaton.add_word(key, value << _LENGTH_BITS | len(key))
        self._automaton.make_automaton()

    def find(self, folded: str) -> Iterator[tuple[int, int, int]]:
        """(start, end, value) of every name in `folded`, as offsets into the unfolded text."""
        mask = (1 << _LENGTH_BITS) - 1
        for last, packed in self._automaton.iter(folded):
            yield last - (packed & mask) + 1, last - 1, packed >> _LENGTH_BITS
