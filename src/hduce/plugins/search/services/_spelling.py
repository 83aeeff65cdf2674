"""Typo correction: a word no word of the caller's entries starts with becomes the nearest one."""

import re
from itertools import chain

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services._folding import fold
from hduce.plugins.search.store import VocabularyStore

# Shorter words are prefixes typed as they come ("metf"): never corrected.
_WORDS = re.compile(r"[^\W\d_]{5,40}")
# A token (what lies between spaces) with a digit, `@` or `.` is an address, a phone number or
# an id, typed exactly: "example" in "ana@example.test" never becomes a near indexed word.
_EXACT = re.compile(r"[\d@.]")
_TOKENS = re.compile(r"(\s+)")
# The Latin, Greek and Cyrillic blocks, where letters carry accents (é, ï, ü, й).
_ACCENTED_BLOCKS = (range(0xC0, 0x250), range(0x370, 0x500), range(0x1E00, 0x2000))


def distance_allowed(word: str) -> int:
    """One edit for words up to 6 letters, two beyond."""
    return 1 if len(word) <= 6 else 2


def _accented_forms() -> dict[str, tuple[str, ...]]:
    """Each lower-case letter → its accented lower-case forms (e → è, é, ê, ë, …)."""
    forms: dict[str, list[str]] = {}
    for letter in map(chr, chain.from_iterable(_ACCENTED_BLOCKS)):
        base = fold(letter)
        if letter.islower() and base != letter and len(base) == 1:
            forms.setdefault(base, []).append(letter)
    return {base: tuple(accented) for base, accented in forms.items()}


_ACCENTED = _accented_forms()


class Speller:
    """Corrects words against the words of the entries the caller may see.

    Only the caller's scope decides whether a word is corrected and to what: were it the whole
    index (`search_vocabulary`), a patient planting a near miss of a word in their own record
    would learn from a hit or a miss whether anyone else's record holds the word. The
    vocabulary proposes the near words; the entries within the scope decide.

    Accents aside: an indexed word is as near as its letters without their accents are, so
    "heloise" and "héloise" become "héloïse", and "echographie" "échographie".
    """

    def __init__(self, vocabulary: VocabularyStore) -> None:
        self._vocabulary = vocabulary

    async def correct(self, text: str, scope: Scope) -> str:
        """`text`, lower-cased, each word no word in `scope` starts with replaced by a near one.

        Only the words of tokens typed as words: never part of an address, a phone or an id.
        """
        tokens = _TOKENS.split(text.lower())
        free = [n for n, token in enumerate(tokens) if not _EXACT.search(token)]
        words = list(dict.fromkeys(w for n in free for w in _WORDS.findall(tokens[n])))
        known = await self._vocabulary.held(words, scope, prefix=True) if words else set()
        for unknown in (w for w in words if w not in known):
            if near := await self._nearest(unknown, scope):
                whole = re.compile(rf"(?<!\w){re.escape(unknown)}(?!\w)")
                for n in free:
                    tokens[n] = whole.sub(near, tokens[n])
        return "".join(tokens)

    async def _nearest(self, unknown: str, scope: Scope) -> str | None:
        """The word within `scope` nearest `unknown`, if one is near enough (ties: in C order)."""
        allowed = distance_allowed(unknown)
        # The same first letter, with or without an accent.
        first = fold(unknown)[0]
        near = await self._vocabulary.neighbours(
            [first, *_ACCENTED.get(first, ())],
            len(unknown) - allowed,
            len(unknown) + allowed,
        )
        found = extract(
            unknown,
            near,
            scorer=Levenshtein.distance,
            processor=fold,
            score_cutoff=allowed,
            limit=None,
        )
        ranked = [word for word, _, _ in sorted(found, key=lambda f: (f[1], f[0]))]
        held = await self._vocabulary.held(ranked, scope, prefix=False) if ranked else set()
        return next((word for word in ranked if word in held), None)
