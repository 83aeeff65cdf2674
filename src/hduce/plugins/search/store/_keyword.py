"""Full-text queries over `search_entry`: a ranked page, facet counts, word completions."""

from typing import TYPE_CHECKING

import asyncpg

from hduce.core.sql_store import SqlStore
from hduce.plugins.search.store._chunks import Key
from hduce.plugins.search.store._sql import (
    COUNT,
    HEADLINE,
    SEARCH,
    SNIPPET,
    SNIPPETS,
    SUGGEST,
    Params,
    facets_sql,
    first_word,
    matching,
    scope_condition,
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
        """A page of ranked rows, their snippets (empty without `snippets`); the total (capped)."""
        params = Params(parts)
        found, cap = matching(query, scope, params), params.add(query.candidates + 1)
        sql = SEARCH.format(
            found=found,
            cap=cap,
            limit=params.add(query.limit),
            offset=params.add(query.offset),
            snippet=_snippet(query, params) if snippets else "''",
        )
        rows = await self.db.fetch(sql, *params.values)
        if rows or not query.offset:
            return rows, int(rows[0]["total"]) if rows else 0
        params = Params(parts)
        count = COUNT.format(
            found=matching(query, scope, params), cap=params.add(query.candidates + 1)
        )
        return [], int(await self.db.fetchval(count, *params.values) or 0)

    async def snippets(
        self, query: "SearchQuery", parts: list[str], keys: "Sequence[Key]"
    ) -> dict[Key, str]:
        """The snippets `page` cuts, of the entries `keys` (kind, ref_id)."""
        if not keys:
            return {}
        params = Params(parts)
        kinds, ref_ids = params.add([k for k, _ in keys]), params.add([r for _, r in keys])
        sql = SNIPPETS.format(kinds=kinds, ref_ids=ref_ids, snippet=_snippet(query, params))
        rows = await self.db.fetch(sql, *params.values)
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

    async def suggest(self, prefix: str, scope: "Scope", limit: int) -> list[str]:
        """Indexed words starting with `prefix` in entries within `scope`, most frequent first."""
        condition, args = scope_condition(scope, 3)
        rows = await self.db.fetch(SUGGEST.format(scope=condition), prefix, limit, *args)
        return [row["lexeme"] for row in rows]


def _snippet(query: "SearchQuery", params: Params) -> str:
    """`SNIPPET` with its parameters: the query's first word, characters, highlight options."""
    word = first_word(" ".join(params.values[0]))
    return SNIPPET.format(
        word=params.add(word), chars=params.add(query.snippet_chars), headline=params.add(HEADLINE)
    )
