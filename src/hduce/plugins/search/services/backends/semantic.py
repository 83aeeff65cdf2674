"""Semantic and hybrid search over chunk vectors, permissions inside the query as for keywords."""

import html
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

from hduce.plugins.search.schemas import SearchHit
from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services.backends.base import SearchQuery
from hduce.plugins.search.store import ChunkStore

RRF_K = 60
"""Reciprocal-rank fusion's constant: a hit at rank r scores 1 / (60 + r) in each list."""
DEPTH = 100
"""Hits taken from each list before fusing (at least the page asked for)."""
SNIPPET = 300


class Words(Protocol):
    """The keyword half of a hybrid search."""

    async def ranked(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        """A page of hits best first, their snippets left empty, and the (capped) total."""

    async def highlight(self, query: SearchQuery, hits: Sequence[SearchHit]) -> None:
        """Give `hits`, found by `ranked`, their highlighted snippets."""


class SemanticSearch:
    """Nearest chunks per entry, and their fusion with the keyword ranking."""

    def __init__(self, chunks: ChunkStore) -> None:
        self._chunks = chunks

    async def search(
        self, query: SearchQuery, scope: Scope, words: Words | None = None
    ) -> tuple[list[SearchHit], int]:
        """A page of `semantic` hits, or with `words` of `hybrid` ones; how many were ranked.

        Only the hits of the page the words found are highlighted (the others show the chunk
        they matched), not every hit the fusion ranked.
        """
        depth = self.depth(query)
        near = await self.nearest(query, scope, depth)
        if words is None:
            return near[query.offset : query.offset + query.limit], len(near)
        found, total = await words.ranked(
            msgspec.structs.replace(query, limit=depth, offset=0), scope
        )
        fused = fuse([found, near])
        page = fused[query.offset : query.offset + query.limit]
        keys = {(hit.kind, hit.id) for hit in found}
        await words.highlight(query, [hit for hit in page if (hit.kind, hit.id) in keys])
        return page, max(total, len(fused))

    async def nearest(self, query: SearchQuery, scope: Scope, limit: int) -> list[SearchHit]:
        """Entries within `scope` whose best chunk is nearest the query's vector, best first."""
        return [_hit(row) for row in await self._chunks.nearest(query, scope, limit)]

    async def found(self, query: SearchQuery, scope: Scope) -> list[uuid.UUID]:
        """The entry ids (`search_entry.id`) `search` ranks by vector for `query`."""
        return [row["id"] for row in await self._chunks.nearest(query, scope, self.depth(query))]

    @staticmethod
    def depth(query: SearchQuery) -> int:
        """How many entries each list ranks: `DEPTH`, or more for a deep page, within the cap."""
        return min(max(DEPTH, query.offset + query.limit), query.candidates)


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
