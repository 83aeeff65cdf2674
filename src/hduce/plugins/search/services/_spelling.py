"""Typo correction: a word no indexed word starts with becomes the closest indexed word."""

import re

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from hduce.plugins.search.store import VocabularyStore

# Shorter words are prefixes typed as they come ("metf"): never corrected.
_WORDS = re.compile(r"[^\W\d_]{5,40}")


def distance_allowed(word: str) -> int:
    """One edit for words up to 6 letters, two beyond."""
    return 1 if len(word) <= 6 else 2


class Speller:
    """Corrects words against `search_vocabulary`, the words of every indexed entry."""

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
            near = await self._vocabulary.neighbours(
                unknown[0], len(unknown) - allowed, len(unknown) + allowed
            )
            best = extractOne(
                unknown,
                near,
                scorer=Levenshtein.distance,
                score_cutoff=allowed,
            )
            if best:
                text = re.sub(rf"(?<!\w){re.escape(unknown)}(?!\w)", best[0], text)
        return text
