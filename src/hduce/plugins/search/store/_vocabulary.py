"""`search_vocabulary`: every indexed word that starts with a letter.

It names the words a typed prefix stands for (`_sql.WORDS_OF_PREFIX`) and the words a typo may
be corrected to (letters only). `EntryStore.upsert` adds the words of the entries it writes.
"""

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
# Same first letter (a typo seldom hits it), length within the distance allowed, letters only.
NEIGHBOURS = f"""
SELECT word FROM search_vocabulary
WHERE word >= $1 {_C} AND word < ($1 || {TOP}) {_C} AND length(word) BETWEEN $2 AND $3
  AND word ~ '^[[:alpha:]]+$'
"""


class VocabularyStore(SqlStore):
    """Finds unknown words and their neighbours (`EntryStore.upsert` adds the words)."""

    async def unknown(self, words: list[str]) -> list[str]:
        """The words no indexed word starts with."""
        return [row["w"] for row in await self.db.fetch(UNKNOWN, words)]

    async def neighbours(self, first: str, shortest: int, longest: int) -> list[str]:
        """Indexed words starting with `first`, of a length in the range."""
        rows = await self.db.fetch(NEIGHBOURS, first, shortest, longest)
        return [row["word"] for row in rows]
