"""`search_vocabulary`: every indexed word that starts with a letter.

It names the words a typed prefix stands for (`_sql.WORDS_OF_PREFIX`) and the words a typo may
be corrected to (letters only, of any alphabet). `EntryStore.upsert` adds the words of the
entries it writes.
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
# Words starting with one of the first letters $1 (a typo seldom hits the first letter; its
# accented forms), of a length within the distance allowed. The words of letters only are kept
# in Python: the C collation's `[[:alpha:]]` knows the ASCII letters only, not é or ï. One index
# range per letter: `OFFSET 0` keeps the subquery apart (a plain join read the whole table, 0.9 s
# for 26 letters at 300,000 words against 10 ms).
NEIGHBOURS = f"""
SELECT v.word FROM unnest($1::text[]) AS first, LATERAL (
    SELECT word FROM search_vocabulary
    WHERE word >= first {_C} AND word < (first || {TOP}) {_C} AND length(word) BETWEEN $2 AND $3
    OFFSET 0
) AS v
"""


class VocabularyStore(SqlStore):
    """Finds unknown words and their neighbours (`EntryStore.upsert` adds the words)."""

    async def unknown(self, words: list[str]) -> list[str]:
        """The words no indexed word starts with."""
        return [row["w"] for row in await self.db.fetch(UNKNOWN, words)]

    async def neighbours(self, firsts: list[str], shortest: int, longest: int) -> list[str]:
        """Indexed words of letters only starting with one of `firsts`, of a length in the range."""
        rows = await self.db.fetch(NEIGHBOURS, firsts, shortest, longest)
        return [row["word"] for row in rows if row["word"].isalpha()]
