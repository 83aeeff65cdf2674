"""Chunk vectors in `search_chunk`: written with their entries, searched nearest first."""

import uuid
from collections.abc import Sequence

from hduce.contracts.search import Embedder
from hduce.core.db import HduceEngine
from hduce.plugins.search.chunks import Chunk, chunks
from hduce.plugins.search.entries import Entry

STORED = """
SELECT e.kind, e.ref_id, e.id, c.seq, c.text, c.model
FROM unnest($1::text[], $2::uuid[]) AS k (kind, ref_id)
JOIN search_entry e ON e.kind = k.kind AND e.ref_id = k.ref_id
LEFT JOIN search_chunk c ON c.entry_id = e.id
"""
WRITE = """
INSERT INTO search_chunk (entry_id, seq, page, text, model, embedding)
SELECT entry_id, seq, page, text, model, embedding::vector
FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[], $6::text[])
     AS new (entry_id, seq, page, text, model, embedding)
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
Key = tuple[str, uuid.UUID]


def vector_text(vector: Sequence[float]) -> str:
    """Pgvector's text form of a vector."""
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


class ChunkStore:
    """Keeps each entry's chunk vectors equal to its text; unchanged chunks are not re-embedded."""

    def __init__(
        self, db: HduceEngine, embedder: Embedder, words: int = 180, overlap: int = 40
    ) -> None:
        self._db = db
        self.embedder = embedder
        self._words, self._overlap = words, overlap

    async def write(self, entries: Sequence[Entry]) -> int:
        """Embed and store the chunks of written entries; returns how many were embedded."""
        if not entries:
            return 0
        kinds, refs = [e.kind for e in entries], [e.ref_id for e in entries]
        ids: dict[Key, uuid.UUID] = {}
        stored: dict[tuple[uuid.UUID, int], tuple[str, str]] = {}
        for row in await self._db.fetch(STORED, kinds, refs):
            ids[(row["kind"], row["ref_id"])] = row["id"]
            if row["seq"] is not None:
                stored[(row["id"], row["seq"])] = (row["text"], row["model"])
        model = self.embedder.name
        fresh: list[tuple[uuid.UUID, Chunk]] = []
        kept: dict[uuid.UUID, int] = {}
        for entry in entries:
            entry_id = ids.get((entry.kind, entry.ref_id))
            if entry_id is None:
                continue
            cut = chunks(entry, self._words, self._overlap)
            kept[entry_id] = len(cut)
            fresh += [
                (entry_id, c) for c in cut if stored.get((entry_id, c.seq)) != (c.text, model)
            ]
        if fresh:
            vectors = await self.embedder.embed([chunk.text for _, chunk in fresh])
            await self._db.fetch(
                WRITE,
                [entry_id for entry_id, _ in fresh],
                [chunk.seq for _, chunk in fresh],
                [chunk.page for _, chunk in fresh],
                [chunk.text for _, chunk in fresh],
                [model] * len(fresh),
                [vector_text(vector) for vector in vectors],
            )
        if kept:
            await self._db.fetch(TRIM, list(kept), list(kept.values()))
        return len(fresh)

    async def vectors(self, keys: Sequence[Key]) -> dict[Key, list[list[float]]]:
        """The stored chunk vectors of each entry, in chunk order."""
        found: dict[Key, list[list[float]]] = {}
        if not keys:
            return found
        rows = await self._db.fetch(VECTORS, [k for k, _ in keys], [r for _, r in keys])
        for row in rows:
            vector = [float(x) for x in row["embedding"].strip("[]").split(",")]
            found.setdefault((row["kind"], row["ref_id"]), []).append(vector)
        return found
