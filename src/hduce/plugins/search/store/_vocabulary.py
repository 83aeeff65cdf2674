"""`search_vocabulary`: every indexed word that starts with a letter, and the caller's words.

It names the words a typed prefix stands for (`_sql.WORDS_OF_PREFIX`) and the words a typo may
be corrected to (letters only, of any alphabet). `EntryStore.upsert` adds the words of the
entries it writes and nothing removes them: a word of a deleted entry stays. Whether a word is
known, and which near word a typo becomes, is therefore asked of the entries within the
caller's scope (`held`): the vocabulary only proposes.
"""

from typing import TYPE_CHECKING

from hduce.core.sql_store import SqlStore
from hduce.plugins.search.store._sql import Params, entries_of, scope_condition

if TYPE_CHECKING:
    from hduce.plugins.search.services import Scope

# Ranges rather than LIKE: the planner cannot use the index for a LIKE over a parameter; under
# the C collation every word starting with w sorts between w and w followed by the top code point.
TOP = "chr(1114111)"
_C = 'COLLATE "C"'
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
# Which of the words $1 an entry within the caller's scope ({entries}, {scope}) holds: as a
# word ($2 '') or as the start of one ($2 ':*'). Never the whole index: a patient must not learn
# from a correction whether another patient's record holds a word.
HELD = """
SELECT w FROM unnest($1::text[]) AS w
WHERE EXISTS (
    SELECT 1 FROM {entries}
    WHERE e.document @@ to_tsquery('simple', quote_literal(w) || $2) AND ({scope})
)
"""


class VocabularyStore(SqlStore):
    """Finds a typo's neighbours, and which words the caller's entries hold."""

    async def neighbours(self, firsts: list[str], shortest: int, longest: int) -> list[str]:
        """Indexed words of letters only starting with one of `firsts`, of a length in the range.

        Of the whole index, deleted entries' words included: see `held`.
        """
        rows = await self.db.fetch(NEIGHBOURS, firsts, shortest, longest)
        return [row["word"] for row in rows if row["word"].isalpha()]

    async def held(self, words: list[str], scope: "Scope", *, prefix: bool) -> set[str]:
        """Those of `words` an entry within `scope` holds (with `prefix`, a word starting so)."""
        params = Params(words)
        params.add(":*" if prefix else "")
        entries = entries_of(scope, params)
        condition, args = scope_condition(scope, len(params.values) + 1)
        sql = HELD.format(entries=entries, scope=condition)
        return {row["w"] for row in await self.db.fetch(sql, *params.values, *args)}
