"""Full-text queries over `search_entry`: a ranked page, facet counts, word completions."""

from typing import TYPE_CHECKING

import asyncpg

from hduce.core.sql_store import SqlStore
from hduce.plugins.search.store._chunks import Key
from hduce.plugins.search.store._sql import (
    COUNT,
    SEARCH,
    SNIPPETS,
    SUGGEST,
    WINDOW,
    Params,
    facets_sql,
    first_word,
    matching,
    scope_condition,
    score,
)

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from hduce.plugins.search.services import Scope, SearchQuery


class KeywordStore(SqlStore):
    """Runs the PostgreSQL backend's full-text queries; `parts` as `store._sql` describes."""

    async def page(
        self, query: "SearchQuery", scope: "Scope", parts: list[str], *, snippets: bool = True
    ) -> tuple[list[asyncpg.Record], int]:
        """A page of ranked rows, their snippet texts (or none); the total (capped).

        The snippet texts are `WINDOW`s, to be highlighted (`services.backends.highlight`).
        """
        params = Params(parts)
        found, cap = matching(query, scope, params), params.add(query.candidates + 1)
        sql = SEARCH.format(
            found=found,
            score=score(params),
            cap=cap,
            limit=params.add(query.limit),
            offset=params.add(query.offset),
            snippet=_window(query, params) if snippets else "''",
        )
        rows = await self.db.fetch(sql, *params.values)
        if rows or not query.offset:
            return rows, int(rows[0]["total"]) if rows else 0
        params = Params(parts)
        count = COUNT.format(
            found=matching(query, scope, params), score="", cap=params.add(query.candidates + 1)
        )
        return [], int(await self.db.fetchval(count, *params.values) or 0)

    async def snippets(
        self, query: "SearchQuery", parts: list[str], keys: "Sequence[Key]"
    ) -> dict[Key, str]:
        """The snippet texts `page` cuts, of the entries `keys` (kind, ref_id)."""
        if not keys:
            return {}
        kinds, ref_ids = [k for k, _ in keys], [r for _, r in keys]
        word = first_word(" ".join(parts))
        rows = await self.db.fetch(SNIPPETS, kinds, ref_ids, word, query.snippet_chars)
        return {(row["kind"], row["ref_id"]): row["snippet"] for row in rows}

    async def facets(
        self,
        query: "SearchQuery",
        scope: "Scope",
        parts: list[str],
        nearest: "Sequence[uuid.UUID] | None" = None,
    ) -> list[asyncpg.Record]:
        """Rows (facet, value, n) counting the hits by each of `query.facets` (see `facets_sql`)."""
        sql, args = facets_sql(query, scope, parts, nearest)
        return await self.db.fetch(sql, *args)

    async def suggest(self, folded: str, scope: "Scope") -> list[tuple[str, int]]:
        """Words of entries within `scope` (see `SUGGEST`), each with the entries holding it."""
        condition, args = scope_condition(scope, 2)
        rows = await self.db.fetch(SUGGEST.format(scope=condition), folded, *args)
        return [(row["lexeme"], row["n"]) for row in rows]


def _window(query: "SearchQuery", params: Params) -> str:
    """`WINDOW` with its parameters: the query's first word, the characters to cut."""
    word = first_word(" ".join(params.values[0]))
    return WINDOW.format(word=params.add(word), chars=params.add(query.snippet_chars))
