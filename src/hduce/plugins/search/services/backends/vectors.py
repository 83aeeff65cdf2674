"""Chunk vectors kept equal to each entry's text: unchanged chunks are not re-embedded."""

import uuid
from collections.abc import Sequence

from hduce.contracts.search import Embedder
from hduce.plugins.search.services._chunking import Chunk, chunks
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.store import ChunkRows, ChunkStore

Key = tuple[str, uuid.UUID]


class ChunkVectors:
    """Cuts written entries into chunks, embeds the new ones and stores them."""

    def __init__(
        self, store: ChunkStore, embedder: Embedder, words: int = 180, overlap: int = 40
    ) -> None:
        self._store = store
        self.embedder = embedder
        self._words, self._overlap = words, overlap

    async def write(self, entries: Sequence[Entry]) -> int:
        """Embed and store the chunks of written entries; returns how many were embedded."""
        if not entries:
            return 0
        ids: dict[Key, uuid.UUID] = {}
        stored: dict[tuple[uuid.UUID, int], tuple[str, str]] = {}
        for row in await self._store.stored([(e.kind, e.ref_id) for e in entries]):
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
            rows = ChunkRows(
                entry_ids=[entry_id for entry_id, _ in fresh],
                seqs=[chunk.seq for _, chunk in fresh],
                pages=[chunk.page for _, chunk in fresh],
                texts=[chunk.text for _, chunk in fresh],
                model=model,
                vectors=vectors,
            )
            await self._store.write(rows)
        if kept:
            await self._store.trim(kept)
        return len(fresh)

    async def vectors(self, keys: Sequence[Key]) -> dict[Key, list[list[float]]]:
        """The stored chunk vectors of each entry, in chunk order."""
        return await self._store.vectors(keys)
