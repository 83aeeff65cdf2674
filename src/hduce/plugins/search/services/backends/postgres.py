"""PostgreSQL full-text search over `search_entry` (tsvector + GIN, ranked, highlighted)."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from hduce.core.events import EventBus
from hduce.core.registry import HealthStatus
from hduce.plugins.search.schemas import SearchHit
from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services._folding import fold, folded_words
from hduce.plugins.search.services._lexicon import Lexicon
from hduce.plugins.search.services._spelling import Speller
from hduce.plugins.search.services.backends.base import SearchQuery, unique
from hduce.plugins.search.services.backends.highlight import Highlighter
from hduce.plugins.search.services.backends.semantic import SemanticSearch
from hduce.plugins.search.services.backends.vectors import ChunkVectors
from hduce.plugins.search.store import WHOLE_WORD, KeywordStore, Stores


class PostgresSearch:
    """The embedded default backend; its table is also the record every backend rebuilds from."""

    def __init__(
        self,
        stores: Stores,
        events: EventBus | None = None,
        lexicon: Lexicon | None = None,
        speller: Speller | None = None,
        chunks: ChunkVectors | None = None,
    ) -> None:
        self._stores = stores
        self._events = events
        self._lexicon = lexicon or Lexicon("")
        self._speller = speller
        self.chunks = chunks
        self._semantic = SemanticSearch(stores.chunks)

    async def upsert(self, entries: Sequence[Entry]) -> list[Entry]:
        """Write entries unless a newer version is stored; returns those written."""
        batch = unique(entries)
        if not batch:
            return []
        columns = [list(column) for column in zip(*(_row(e) for e in batch), strict=True)]
        written = await self._stores.entries.upsert(columns)
        stored = [entry for entry in batch if (entry.kind, entry.ref_id) in written]
        if self.chunks:
            await self.chunks.write(stored)
        return stored

    async def delete(self, kind: str, ref_ids: Sequence[uuid.UUID]) -> None:
        """Remove entries whose source is gone."""
        if ref_ids:
            await self._stores.entries.delete(kind, ref_ids)

    async def prune(self, before: datetime) -> int:
        """Remove entries not written since `before`."""
        return len(await self.pruned(before))

    async def pruned(self, before: datetime) -> list[tuple[str, uuid.UUID]]:
        """Remove entries not written since `before`; returns their keys."""
        return await self._stores.entries.pruned(before)

    async def search(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        """One page of ranked, highlighted hits within `scope`, and their total (capped)."""
        if query.vector is None or query.mode == "keyword":
            return await self._keyword(query, scope)
        words = None
        if query.mode == "hybrid":
            words = KeywordHalf(self._stores.keyword, await self._parts(query.text, scope))
        return await self._semantic.search(query, scope, words)

    async def _keyword(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        parts = await self._parts(query.text, scope)
        rows, total = await self._stores.keyword.page(query, scope, parts)
        marks = Highlighter(parts)
        return [_hit(row, marks.snippet(row["snippet"])) for row in rows], total

    async def facets(self, query: SearchQuery, scope: Scope) -> dict[str, dict[str, int]]:
        """Counts of the hits the query's mode finds by each of `query.facets`.

        Keyword: the matches (at most `candidates`); semantic: the entries ranked by vector;
        hybrid: both together, as fused.
        """
        nearest = None
        if query.vector is not None and query.mode != "keyword":
            nearest = await self._semantic.found(query, scope)
        parts = [] if query.mode == "semantic" else await self._parts(query.text, scope)
        counted: dict[str, dict[str, int]] = {facet: {} for facet in query.facets}
        for row in await self._stores.keyword.facets(query, scope, parts, nearest):
            counted[row["facet"]][row["value"]] = row["n"]
        # Months read best in order; other facets stay most frequent first.
        if "date" in counted:
            counted["date"] = dict(sorted(counted["date"].items()))
        return counted

    async def suggest(self, prefix: str, scope: Scope, limit: int) -> list[str]:
        """Indexed words starting with `prefix` in entries within `scope`, most frequent first.

        Accents aside: "hel" completes to "héloïse" (the word as written, never its folded copy).
        """
        start = fold(prefix)
        found: dict[str, tuple[int, str]] = {}
        for lexeme, n in await self._stores.keyword.suggest(start, scope):
            if (key := fold(lexeme)).startswith(start):
                count, written = found.get(key, (0, key))
                found[key] = (max(count, n), lexeme if lexeme != key else written)
        ranked = sorted(found.values(), key=lambda f: (-f[0], len(f[1]), f[1]))
        return [written for _, written in ranked if written != prefix][:limit]

    async def _parts(self, text: str, scope: Scope) -> list[str]:
        """The query's parts: its lexicon terms with their synonyms, the other words corrected.

        Corrected against the words of the entries within `scope` only (`Speller`).

        Folded (`_folding`): the index holds each accented word's folded copy beside it.
        """
        rest, groups = self._lexicon.expand(text)
        if rest and self._speller:
            rest = await self._speller.correct(rest, scope)
        # What was typed first: it is scanned first, its synonyms only if it finds too few.
        typed = text.lower()
        ordered = (
            sorted(group, key=lambda alt: alt.lstrip(WHOLE_WORD) not in typed) for group in groups
        )
        parts = ([rest] if rest else []) + ["\t".join(group) for group in ordered]
        return [fold(part) for part in parts]

    async def health(self) -> HealthStatus:
        """Events not yet handed to the indexing tasks (no entry count: it counts patients)."""
        pending = await self._stores.entries.pending_events(self._watched())
        return HealthStatus(True, {"backend": "postgres", "pending_events": pending})

    def _watched(self) -> list[str]:
        subscriptions = self._events.subscriptions if self._events else []
        names = {s.event_type.name for s in subscriptions if s.task_name.startswith("search.")}
        return sorted(names)


class KeywordHalf:
    """The keyword ranking of a hybrid search (`semantic.Words`) for the query's parts."""

    def __init__(self, store: KeywordStore, parts: list[str]) -> None:
        self._store = store
        self._parts = parts

    async def ranked(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        """A page of hits best first, their snippets left empty, and the (capped) total."""
        rows, total = await self._store.page(query, scope, self._parts, snippets=False)
        return [_hit(row, "") for row in rows], total

    async def highlight(self, query: SearchQuery, hits: Sequence[SearchHit]) -> None:
        """Give `hits`, found by `ranked`, their highlighted snippets."""
        keys = [(hit.kind, hit.id) for hit in hits]
        snippets = await self._store.snippets(query, self._parts, keys)
        marks = Highlighter(self._parts)
        for hit in hits:
            # An entry removed since it was ranked keeps an empty snippet.
            hit.snippet = marks.snippet(snippets.get((hit.kind, hit.id), ""))


def _row(entry: Entry) -> tuple[object, ...]:
    return (
        entry.kind,
        entry.ref_id,
        entry.patient_id,
        entry.practitioner_id,
        entry.title,
        entry.body,
        msgspec.json.encode(entry.extra).decode(),
        entry.updated_at,
        entry.dated_at,
        # unnest() cannot take a 2-D array of uneven rows: one line per key, split in SQL.
        "\n".join(entry.entities),
        folded_words(entry.title),
        folded_words(entry.body),
    )


def _hit(row: Mapping[str, Any], snippet: str) -> SearchHit:
    """The hit of a ranked row, with its highlighted `snippet` (HTML)."""
    extra = row["extra"]
    return SearchHit(
        kind=row["kind"],
        id=row["ref_id"],
        title=row["title"],
        snippet=snippet,
        score=float(row["score"]),
        extra=msgspec.json.decode(extra) if isinstance(extra, str) else dict(extra),
    )
