"""`search_vocabulary`: the words of every indexed entry, for typo correction."""

import uuid
from collections.abc import Sequence

from hduce.core.sql_store import SqlStore

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
ADD = """
INSERT INTO search_vocabulary (word)
SELECT DISTINCT lexeme FROM search_entry e, unnest(e.document) AS t
WHERE e.kind = ANY($1::text[]) AND e.ref_id = ANY($2::uuid[])
  AND lexeme ~ '^[[:alpha:]]{4,40}$'
ORDER BY lexeme
ON CONFLICT DO NOTHING
"""


class VocabularyStore(SqlStore):
    """Adds the words of written entries; finds unknown words and their neighbours."""

    async def add(self, kinds: Sequence[str], ref_ids: Sequence[uuid.UUID]) -> None:
        """Add the words of these entries (4 to 40 letters)."""
        await self.db.execute(ADD, list(set(kinds)), list(ref_ids))

    async def unknown(self, words: list[str]) -> list[str]:
        """The words no indexed word starts with."""
        return [row["w"] for row in await self.db.fetch(UNKNOWN, words)]

    async def neighbours(self, first: str, shortest: int, longest: int) -> list[str]:
        """Indexed words starting with `first`, of a length in the range."""
        rows = await self.db.fetch(NEIGHBOURS, first, shortest, longest)
        return [row["word"] for row in rows]
