"""Typo correction: a word no indexed word starts with becomes the closest indexed word."""

import re
import unicodedata
from itertools import chain

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from hduce.plugins.search.store import VocabularyStore

# Shorter words are prefixes typed as they come ("metf"): never corrected.
_WORDS = re.compile(r"[^\W\d_]{5,40}")
# The Latin, Greek and Cyrillic blocks, where letters carry accents (é, ï, ü, й).
_ACCENTED_BLOCKS = (range(0xC0, 0x250), range(0x370, 0x500), range(0x1E00, 0x2000))


def distance_allowed(word: str) -> int:
    """One edit for words up to 6 letters, two beyond."""
    return 1 if len(word) <= 6 else 2


def unaccented(word: str) -> str:
    """`word` without its accents: fièvre → fievre, héloïse → heloise (ø, ß and œ stay)."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _accented_forms() -> dict[str, tuple[str, ...]]:
    """Each lower-case letter → its accented lower-case forms (e → è, é, ê, ë, …)."""
    forms: dict[str, list[str]] = {}
    for letter in map(chr, chain.from_iterable(_ACCENTED_BLOCKS)):
        base = unaccented(letter)
        if letter.islower() and base != letter and len(base) == 1:
            forms.setdefault(base, []).append(letter)
    return {base: tuple(accented) for base, accented in forms.items()}


_ACCENTED = _accented_forms()


class Speller:
    """Corrects words against `search_vocabulary`, the words of every indexed entry.

    Accents aside: an indexed word is as near as its letters without their accents are, so
    "heloise" and "héloise" become "héloïse", and "echographie" "échographie".
    """

    def __init__(self, vocabulary: VocabularyStore) -> None:
        self._vocabulary = vocabulary

    async def correct(self, text: str) -> str:
        """`text`, lower-cased, each word no indexed word starts with replaced by a near one."""
        text = text.lower()
        words = list(dict.fromkeys(_WORDS.findall(text)))
        if not words:
            return text
        for unknown in await self._vocabulary.unknown(words):
            allowed = distance_allowed(unknown)
            # The same first letter, with or without an accent.
            first = unaccented(unknown)[0]
            near = await self._vocabulary.neighbours(
                [first, *_ACCENTED.get(first, ())],
                len(unknown) - allowed,
                len(unknown) + allowed,
            )
            best = extractOne(
                unknown,
                near,
                scorer=Levenshtein.distance,
                processor=unaccented,
                score_cutoff=allowed,
            )
            if best:
                text = re.sub(rf"(?<!\w){re.escape(unknown)}(?!\w)", best[0], text)
        return text
