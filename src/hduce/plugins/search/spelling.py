"""Typo correction: a word no indexed word starts with becomes the closest indexed word."""

import re

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from hduce.core.db import HduceEngine

# Shorter words are prefixes typed as they come ("metf"): never corrected.
_WORDS = re.compile(r"[^\W\d_]{5,40}")
# Ranges rather than LIKE: the planner cannot use the index for a LIKE over a parameter; under
# the C collation every word starting with w sorts between w and w followed by the top code point.
TOP = "chr(1114111)"
_C = 'COLLATE "C"'
UNKNOWN = f"""
SELECT w FROM unnest($1::text[]) AS w
WHERE NOT EXISTS (
    SELECT 1 FROM search_vocabulary v WHERE v.word >= w {_C} AND v.word < (w || {TOP}) {_C}
)
"""
# Same first letter (a typo seldom hits it), length within the distance allowed.
NEIGHBOURS = f"""
SELECT word FROM search_vocabulary
WHERE word >= $1 {_C} AND word < ($1 || {TOP}) {_C} AND length(word) BETWEEN $2 AND $3
"""
VOCABULARY = """
INSERT INTO search_vocabulary (word)
SELECT DISTINCT lexeme FROM search_entry e, unnest(e.document) AS t
WHERE e.kind = ANY($1::text[]) AND e.ref_id = ANY($2::uuid[])
  AND lexeme ~ '^[[:alpha:]]{4,40}$'
ORDER BY lexeme
ON CONFLICT DO NOTHING
"""


def distance_allowed(word: str) -> int:
    """One edit for words up to 6 letters, two beyond."""
    return 1 if len(word) <= 6 else 2


class Speller:
    """Corrects words against `search_vocabulary`, the words of every indexed entry."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def correct(self, text: str) -> str:
        """`text`, lower-cased, each word no indexed word starts with replaced by a near one."""
        text = text.lower()
        words = list(dict.fromkeys(_WORDS.findall(text)))
        if not words:
            return text
        for row in await self._db.fetch(UNKNOWN, words):
            unknown = row["w"]
            allowed = distance_allowed(unknown)
            rows = await self._db.fetch(
                NEIGHBOURS, unknown[0], len(unknown) - allowed, len(unknown) + allowed
            )
            best = extractOne(
                unknown,
                [r["word"] for r in rows],
                scorer=Levenshtein.distance,
                score_cutoff=allowed,
            )
            if best:
                text = re.sub(rf"(?<!\w){re.escape(unknown)}(?!\w)", best[0], text)
        return text
