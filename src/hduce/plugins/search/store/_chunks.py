"""`search_chunk`: each entry's chunk vectors, written in bulk and searched nearest first."""

import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from hduce.core.sql_store import SqlStore
from hduce.plugins.search.store._sql import NAMING, Params, where

if TYPE_CHECKING:
    from hduce.plugins.search.services import Scope, SearchQuery

STORED = """
SELECT e.kind, e.ref_id, e.id, c.seq, c.text, c.model
FROM unnest($1::text[], $2::uuid[]) AS k (kind, ref_id)
JOIN search_entry e ON e.kind = k.kind AND e.ref_id = k.ref_id
LEFT JOIN search_chunk c ON c.entry_id = e.id
"""
# A chunk carries its entry's kind: each kind has its own HNSW index (`vector_index`).
WRITE = """
INSERT INTO search_chunk (entry_id, kind, seq, page, text, model, embedding)
SELECT new.entry_id, e.kind, new.seq, new.page, new.text, new.model, new.embedding::vector
FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[])
     AS new (entry_id, seq, page, text, model, embedding)
JOIN search_entry e ON e.id = new.entry_id
ON CONFLICT (entry_id, seq) DO UPDATE SET
    page = EXCLUDED.page, text = EXCLUDED.text, model = EXCLUDED.model,
    embedding = EXCLUDED.embedding
"""
TRIM = """
DELETE FROM search_chunk c USING unnest($1::uuid[], $2::int[]) AS t (entry_id, kept)
WHERE c.entry_id = t.entry_id AND c.seq >= t.kept
"""
VECTORS = """
SELECT e.kind, e.ref_id, c.embedding::text AS embedding
FROM unnest($1::text[], $2::uuid[]) AS k (kind, ref_id)
JOIN search_entry e ON e.kind = k.kind AND e.ref_id = k.ref_id
JOIN search_chunk c ON c.entry_id = e.id
ORDER BY e.id, c.seq
"""
# A staff scope asks each kind's HNSW index for a few more chunks than the entries wanted (a
# graph per kind: a shared one filled its candidates with the most common kind), the entries
# of other kinds naming the caller (`NAMING`) ranked exactly, then applies scope and filters.
# `EXACT` first selects the allowed entries, then ranks all of their chunks, so nothing of
# theirs is lost to the index's approximation (`ChunkStore.nearest` says when each is used).
# `{kind}` is a literal: a partial index is used only for a query that names its kind as written.
INDEXED = "WITH nearest AS MATERIALIZED ({lists})"
OF_KIND = """(
    SELECT c.entry_id, c.seq, c.page, c.text, c.embedding <=> $1::vector AS distance
    FROM search_chunk c WHERE c.kind = '{kind}' ORDER BY c.embedding <=> $1::vector LIMIT {pool}
)"""
OWN = """(
    SELECT c.entry_id, c.seq, c.page, c.text, c.embedding <=> $1::vector AS distance
    FROM search_chunk c JOIN search_entry e ON e.id = c.entry_id
    WHERE {naming} AND e.kind = ANY({kinds}::text[])
    ORDER BY (c.embedding <=> $1::vector) + 0 LIMIT {pool}
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
    SELECT DISTINCT ON (e.id) e.id, e.kind, e.ref_id, e.title, e.extra, e.updated_at, n.seq, n.page,
           n.text, n.distance
    FROM nearest n JOIN search_entry e ON e.id = n.entry_id
    WHERE {where}
    ORDER BY e.id, n.distance
) AS best ORDER BY distance, updated_at DESC LIMIT {limit}
"""
Key = tuple[str, uuid.UUID]


_KIND = re.compile(r"[a-z_]+")


def _literal(kind: str) -> str:
    """`kind`, checked to be safe to write into SQL as it is (kinds are the sources' names)."""
    if not _KIND.fullmatch(kind):
        raise ValueError(f"not an entry kind: {kind!r}")
    return kind


def vector_text(vector: Sequence[float]) -> str:
    """Pgvector's text form of a vector."""
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


class ChunkRows(msgspec.Struct, frozen=True):
    """Chunks to write, column by column."""

    entry_ids: list[uuid.UUID]
    seqs: list[int]
    pages: list[int | None]
    texts: list[str]
    model: str
    vectors: list[list[float]]


class ChunkStore(SqlStore):
    """Reads and writes chunk rows; finds the chunks nearest a vector."""

    async def stored(self, keys: Sequence[Key]) -> list[asyncpg.Record]:
        """Each entry's id with its stored chunks (kind, ref_id, id, seq, text, model)."""
        return await self.db.fetch(STORED, [k for k, _ in keys], [r for _, r in keys])

    async def write(self, rows: ChunkRows) -> None:
        """Insert or replace chunks."""
        await self.db.execute(
            WRITE,
            rows.entry_ids,
            rows.seqs,
            rows.pages,
            rows.texts,
            [rows.model] * len(rows.entry_ids),
            [vector_text(vector) for vector in rows.vectors],
        )

    async def trim(self, kept: dict[uuid.UUID, int]) -> None:
        """Drop each entry's chunks beyond the number it keeps."""
        await self.db.execute(TRIM, list(kept), list(kept.values()))

    async def vectors(self, keys: Sequence[Key]) -> dict[Key, list[list[float]]]:
        """The stored chunk vectors of each entry, in chunk order."""
        found: dict[Key, list[list[float]]] = {}
        if not keys:
            return found
        rows = await self.db.fetch(VECTORS, [k for k, _ in keys], [r for _, r in keys])
        for row in rows:
            vector = [float(x) for x in row["embedding"].strip("[]").split(",")]
            found.setdefault((row["kind"], row["ref_id"]), []).append(vector)
        return found

    async def nearest(
        self, query: "SearchQuery", scope: "Scope", limit: int
    ) -> list[asyncpg.Record]:
        """Entries within `scope` whose best chunk is nearest the query's vector, best first.

        A scope of no kind read in full (a patient's; a doctor's of appointments alone), or a
        staff search for one patient, ranks the allowed chunks exactly.
        Other staff searches ask the HNSW indexes, their filters applied to what the indexes
        found; when that leaves fewer than `limit` entries (a narrow date or entity filter),
        the allowed chunks are ranked exactly instead. Ranking every chunk a broad filter
        allows would read the whole table (1.7 s at 100,000 documents).
        """
        assert query.vector is not None
        if not scope.every or query.filters.patient_id:
            return await self._ranked(query, scope, limit, exact=True)
        rows = await self._ranked(query, scope, limit, exact=False)
        if query.filters.given and len(rows) < limit:
            return await self._ranked(query, scope, limit, exact=True)
        return rows

    async def _ranked(
        self, query: "SearchQuery", scope: "Scope", limit: int, *, exact: bool
    ) -> list[asyncpg.Record]:
        """The best `limit` entries, of all allowed chunks (`exact`) or of the indexes' nearest."""
        assert query.vector is not None
        params = Params([])
        params.values[0] = vector_text(query.vector)
        condition = where(msgspec.structs.replace(query, text=""), scope, params)
        pool = params.add(limit * 4)
        if exact:
            sql = EXACT.format(where=condition, pool=pool) + BEST.format(
                where="true", limit=params.add(limit)
            )
        else:
            lists = [OF_KIND.format(kind=_literal(kind), pool=pool) for kind in scope.every]
            if scope.own:
                user, kinds = params.add(scope.user_id), params.add(list(scope.own))
                naming = NAMING.format(user=user)
                lists.append(OWN.format(naming=naming, kinds=kinds, pool=pool))
            sql = INDEXED.format(lists="\nUNION ALL\n".join(lists)) + BEST.format(
                where=condition, limit=params.add(limit)
            )
        async with self.db.transaction():
            # The index looks at `ef_search` candidates: enough for the neighbours asked.
            await self.db.execute(f"SET LOCAL hnsw.ef_search = {min(max(limit * 4, 40), 1000)}")
            return await self.db.fetch(sql, *params.values)
