"""Semantic and hybrid search over chunk vectors, permissions inside the query as for keywords."""

import html
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import msgspec

from hduce.core.db import HduceEngine
from hduce.plugins.search.access import Scope
from hduce.plugins.search.backends.base import SearchQuery
from hduce.plugins.search.backends.postgres_sql import Params, where
from hduce.plugins.search.backends.vectors import vector_text
from hduce.plugins.search.schemas import SearchHit

RRF_K = 60
"""Reciprocal-rank fusion's constant: a hit at rank r scores 1 / (60 + r) in each list."""
DEPTH = 100
"""Hits taken from each list before fusing (at least the page asked for)."""
SNIPPET = 300
# Unrestricted staff scopes use the HNSW index (a few more neighbours than asked, then the
# scope); a patient's or a filtered scope first selects the allowed entries, then ranks all of
# their chunks exactly, so nothing of theirs is lost to the index's approximation.
INDEXED = """
WITH nearest AS MATERIALIZED (
    SELECT c.entry_id, c.seq, c.page, c.text, c.embedding <=> $1::vector AS distance
    FROM search_chunk c ORDER BY c.embedding <=> $1::vector LIMIT {pool}
)"""
EXACT = """
WITH allowed AS MATERIALIZED (SELECT e.id FROM search_entry e WHERE {where}),
nearest AS MATERIALIZED (
    SELECT c.entry_id, c.seq, c.page, c.text, c.embedding <=> $1::vector AS distance
    FROM search_chunk c JOIN allowed a ON a.id = c.entry_id
    ORDER BY (c.embedding <=> $1::vector) + 0 LIMIT {pool}
)"""
BEST = """
SELECT * FROM (
    SELECT DISTINCT ON (e.id) e.kind, e.ref_id, e.title, e.extra, e.updated_at, n.seq, n.page,
           n.text, n.distance
    FROM nearest n JOIN search_entry e ON e.id = n.entry_id
    WHERE {where}
    ORDER BY e.id, n.distance
) AS best ORDER BY distance, updated_at DESC LIMIT {limit}
"""
Keyword = Callable[[SearchQuery, Scope], Awaitable[tuple[list[SearchHit], int]]]


class SemanticSearch:
    """Nearest chunks per entry, and their fusion with the keyword ranking."""

    def __init__(self, db: HduceEngine) -> None:
        self._db = db

    async def search(
        self, query: SearchQuery, scope: Scope, keyword: Keyword
    ) -> tuple[list[SearchHit], int]:
        """A page of `semantic` or `hybrid` hits, and how many were ranked."""
        depth = min(max(DEPTH, query.offset + query.limit), query.candidates)
        near = await self.nearest(query, scope, depth)
        if query.mode == "hybrid":
            words, total = await keyword(
                msgspec.structs.replace(query, limit=depth, offset=0), scope
            )
            near = fuse([words, near])
            total = max(total, len(near))
        else:
            total = len(near)
        return near[query.offset : query.offset + query.limit], total

    async def nearest(self, query: SearchQuery, scope: Scope, limit: int) -> list[SearchHit]:
        """Entries within `scope` whose best chunk is nearest the query's vector, best first."""
        assert query.vector is not None
        params = Params([])
        params.values[0] = vector_text(query.vector)
        condition = where(msgspec.structs.replace(query, text=""), scope, params)
        exact = not scope.every or query.filters.given
        pool = params.add(limit * 4)
        if exact:
            sql = EXACT.format(where=condition, pool=pool) + BEST.format(
                where="true", limit=params.add(limit)
            )
        else:
            sql = INDEXED.format(pool=pool) + BEST.format(where=condition, limit=params.add(limit))
        async with self._db.transaction():
            # The index looks at `ef_search` candidates: enough for the neighbours asked.
            await self._db.fetch(f"SET LOCAL hnsw.ef_search = {min(max(limit * 4, 40), 1000)}")
            rows = await self._db.fetch(sql, *params.values)
        return [_hit(row) for row in rows]


def fuse(rankings: Sequence[list[SearchHit]]) -> list[SearchHit]:
    """Reciprocal-rank fusion; a hit keeps the first list's snippet and the chunk it matched."""
    scores: dict[tuple[str, object], float] = {}
    merged: dict[tuple[str, object], SearchHit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            key = (hit.kind, hit.id)
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
            known = merged.get(key)
            if known is None:
                merged[key] = msgspec.structs.replace(hit)
            elif hit.chunk is not None:
                known.chunk, known.page = hit.chunk, hit.page
    order = sorted(merged, key=lambda key: scores[key], reverse=True)
    for key in order:
        merged[key].score = round(scores[key], 6)
    return [merged[key] for key in order]


def _hit(row: Mapping[str, Any]) -> SearchHit:
    extra = row["extra"]
    text = row["text"].partition("\n")[2] or row["text"]
    return SearchHit(
        kind=row["kind"],
        id=row["ref_id"],
        title=row["title"],
        snippet=html.escape(text[:SNIPPET]),
        score=round(1.0 - float(row["distance"]), 6),
        extra=msgspec.json.decode(extra) if isinstance(extra, str) else dict(extra),
        chunk=row["seq"],
        page=row["page"],
    )
