"""Meilisearch backend: queries go to Meilisearch; `search_entry` stays the record behind it."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.models.search import Hybrid
from meilisearch_python_sdk.models.settings import MeilisearchSettings, UserProvidedEmbedder

from hduce.core.registry import HealthStatus
from hduce.plugins.search.config import SearchConfig
from hduce.plugins.search.schemas import SearchHit
from hduce.plugins.search.services._access import Scope
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services.backends.base import SearchQuery, marked_to_html
from hduce.plugins.search.services.backends.postgres import PostgresSearch
from hduce.plugins.search.store import MARK_END, MARK_START

SETTINGS = MeilisearchSettings(
    searchable_attributes=["title", "body"],
    filterable_attributes=["kind", "patient_id", "practitioner_id"],
    displayed_attributes=["id", "kind", "ref_id", "title", "body", "extra"],
)
EMBEDDER = "default"
SEMANTIC_RATIO = {"semantic": 1.0, "hybrid": 0.5}
"""Meilisearch's own mix of vector and keyword ranking per mode."""


class MeilisearchTaskFailed(RuntimeError):
    """Meilisearch refused an indexing task (the indexing task is retried, then dead-lettered)."""


def document_id(kind: str, ref_id: uuid.UUID) -> str:
    """A Meilisearch document id (letters, digits, `-` and `_` only)."""
    return f"{kind}-{ref_id}"


def scope_filter(scope: Scope) -> str:
    """The caller's scope as a Meilisearch filter expression."""
    clauses = []
    if scope.every:
        clauses.append(f"kind IN [{_quoted(scope.every)}]")
    if scope.own:
        user = scope.user_id
        naming = f"(patient_id = '{user}' OR practitioner_id = '{user}')"
        clauses.append(f"({naming} AND kind IN [{_quoted(scope.own)}])")
    return " OR ".join(clauses)


class MeilisearchSearch:
    """Writes go to `search_entry` first (the version check happens there), then to Meilisearch."""

    def __init__(self, config: SearchConfig, record: PostgresSearch) -> None:
        self._config = config
        self._record = record
        self._client: AsyncClient | None = None
        self._configured = False

    @property
    def client(self) -> AsyncClient:
        """The HTTP client, created on first use (inside the running loop)."""
        if self._client is None:
            self._client = AsyncClient(
                self._config.meilisearch_url,
                self._config.meilisearch_api_key or None,
                timeout=int(self._config.meilisearch_timeout),
            )
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def ensure_index(self) -> None:
        """Create the index if needed and apply its settings (once per process)."""
        if self._configured:
            return
        index = await self.client.get_or_create_index(self._config.meilisearch_index, "id")
        settings = SETTINGS
        if self._record.chunks is not None:
            # A dict, not `Embedders(...)` (the SDK's model refuses it).
            embedders = {EMBEDDER: UserProvidedEmbedder(dimensions=384)}
            settings = SETTINGS.model_copy(update={"embedders": embedders})
        await self._settled(await index.update_settings(settings))
        self._configured = True

    async def _settled(self, task: Any) -> None:
        """Wait for an index task; raise `MeilisearchTaskFailed` when Meilisearch failed it."""
        done = await self.client.wait_for_task(
            task.task_uid, timeout_in_ms=self._timeout_ms, raise_for_status=False
        )
        if done.status != "succeeded":
            raise MeilisearchTaskFailed(
                f"Meilisearch task {task.task_uid} {done.status}: {done.error}"
            )

    async def upsert(self, entries: Sequence[Entry]) -> list[Entry]:
        """Write to `search_entry`, then push what was written to Meilisearch."""
        written = await self._record.upsert(entries)
        if written:
            await self.ensure_index()
            documents = [_document(entry) for entry in written]
            if self._record.chunks is not None:
                vectors = await self._record.chunks.vectors([(e.kind, e.ref_id) for e in written])
                for entry, document in zip(written, documents, strict=True):
                    # Every chunk's vector: Meilisearch ranks the document by its nearest one.
                    found = vectors.get((entry.kind, entry.ref_id))
                    document["_vectors"] = {EMBEDDER: found or None}
            await self._settled(await self._index().add_documents(documents, "id"))
        return written

    async def delete(self, kind: str, ref_ids: Sequence[uuid.UUID]) -> None:
        """Remove entries from `search_entry` and Meilisearch."""
        await self._record.delete(kind, ref_ids)
        if ref_ids:
            await self.ensure_index()
            await self._settled(
                await self._index().delete_documents([document_id(kind, ref) for ref in ref_ids])
            )

    async def prune(self, before: datetime) -> int:
        """Remove entries not rewritten since `before` from both stores."""
        gone = await self._record.pruned(before)
        if gone:
            await self.ensure_index()
            await self._settled(
                await self._index().delete_documents([document_id(k, ref) for k, ref in gone])
            )
        return len(gone)

    async def search(self, query: SearchQuery, scope: Scope) -> tuple[list[SearchHit], int]:
        """Ask Meilisearch, the scope as a filter, matches highlighted with our markers.

        Filtered searches are answered from the record, which holds dates and entity keys.
        """
        if query.filters.given:
            return await self._record.search(query, scope)
        await self.ensure_index()
        semantic = {}
        if query.vector is not None and query.mode in SEMANTIC_RATIO:
            ratio = SEMANTIC_RATIO[query.mode]
            semantic = {
                "vector": list(query.vector),
                "hybrid": Hybrid(semantic_ratio=ratio, embedder=EMBEDDER),
            }
        result = await self._index().search(
            query.text,
            **semantic,
            offset=query.offset,
            limit=query.limit,
            filter=scope_filter(scope),
            attributes_to_highlight=["title", "body"],
            attributes_to_crop=["body"],
            crop_length=30,
            highlight_pre_tag=MARK_START,
            highlight_post_tag=MARK_END,
            show_ranking_score=True,
        )
        hits = [_hit(hit) for hit in result.hits]
        return hits, int(result.estimated_total_hits or len(hits))

    async def facets(self, query: SearchQuery, scope: Scope) -> dict[str, dict[str, int]]:
        """Counted in the record, the same way as with the PostgreSQL backend."""
        return await self._record.facets(query, scope)

    async def suggest(self, prefix: str, scope: Scope, limit: int) -> list[str]:
        """Taken from the record's words, the same way as with the PostgreSQL backend."""
        return await self._record.suggest(prefix, scope, limit)

    async def health(self) -> HealthStatus:
        """Meilisearch's own health, and the record's figures."""
        detail = {**(await self._record.health()).detail, "backend": "meilisearch"}
        try:
            status = (await self.client.health()).status
        except Exception as exc:
            return HealthStatus(False, {**detail, "error": repr(exc)})
        return HealthStatus(status == "available", {**detail, "status": status})

    def _index(self) -> Any:
        return self.client.index(self._config.meilisearch_index)

    @property
    def _timeout_ms(self) -> int:
        return int(self._config.meilisearch_timeout * 1000)


def _quoted(kinds: Sequence[str]) -> str:
    return ", ".join(f"'{kind}'" for kind in kinds)


def _document(entry: Entry) -> dict[str, Any]:
    return {
        "id": document_id(entry.kind, entry.ref_id),
        "kind": entry.kind,
        "ref_id": str(entry.ref_id),
        "patient_id": str(entry.patient_id) if entry.patient_id else None,
        "practitioner_id": str(entry.practitioner_id) if entry.practitioner_id else None,
        "title": entry.title,
        "body": entry.body,
        "extra": entry.extra,
    }


def _hit(hit: dict[str, Any]) -> SearchHit:
    formatted = hit.get("_formatted") or hit
    snippet = "\n".join(part for part in (formatted.get("title"), formatted.get("body")) if part)
    return SearchHit(
        kind=hit["kind"],
        id=uuid.UUID(hit["ref_id"]),
        title=hit["title"],
        snippet=marked_to_html(snippet),
        score=float(hit.get("_rankingScore") or 0.0),
        extra=hit.get("extra") or {},
    )
