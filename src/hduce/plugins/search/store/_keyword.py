"""Full-text queries over `search_entry`: a ranked page, facet counts, word completions."""

from typing import TYPE_CHECKING

import asyncpg

from hduce.core.sql_store import SqlStore
from hduce.plugins.search.store._sql import (
    COUNT,
    HEADLINE,
    SEARCH,
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
        self, query: "SearchQuery", scope: "Scope", parts: list[str]
    ) -> tuple[list[asyncpg.Record], int]:
        """One page of ranked rows with their snippets, and the (capped) total."""
        params = Params(parts)
        found, cap = matching(query, scope, params), params.add(query.candidates + 1)
        sql = SEARCH.format(
            found=found,
            cap=cap,
            limit=params.add(query.limit),
            offset=params.add(query.offset),
            word=params.add(first_word(" ".join(parts))),
            chars=params.add(query.snippet_chars),
            headline=params.add(HEADLINE),
        )
        rows = await self.db.fetch(sql, *params.values)
        if rows or not query.offset:
            return rows, int(rows[0]["total"]) if rows else 0
        params = Params(parts)
        count = COUNT.format(
            found=matching(query, scope, params), cap=params.add(query.candidates + 1)
        )
        return [], int(await self.db.fetchval(count, *params.values) or 0)

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
