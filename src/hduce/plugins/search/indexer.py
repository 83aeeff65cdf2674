"""Keeps the index equal to the sources: refresh on events, rebuild on demand."""

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence

import msgspec

from hduce.core.db import HduceEngine
from hduce.plugins.search.backends import SearchBackend
from hduce.plugins.search.sources.base import Source

logger = logging.getLogger("hduce.search")

MENTIONS = (
    "SELECT kind, ref_id FROM search_entry WHERE kind <> 'patient' "
    "AND (patient_id = $1 OR practitioner_id = $1)"
)


MATCHING = "SELECT ref_id FROM search_entry WHERE kind = $1 AND extra->>$2 = $3"
REFRESH_BATCH = 500
# One row per kind while a rebuild runs: where it got to, so an interrupted run resumes.
CURSORS = "SELECT kind, started_at, after, done FROM search_reindex"
BEGIN = """
INSERT INTO search_reindex (kind, started_at)
SELECT kind, coalesce($2::timestamptz, now()) FROM unnest($1::text[]) AS kind
ON CONFLICT (kind) DO NOTHING
RETURNING kind, started_at, after, done
"""
ADVANCE = "UPDATE search_reindex SET after = $2, done = $3 WHERE kind = $1"
FINISH = "DELETE FROM search_reindex"


class ReindexReport(msgspec.Struct, frozen=True):
    """What a full rebuild did."""

    written: dict[str, int]
    pruned: int
    seconds: float
    resumed: bool = False
    """Whether it went on from where an interrupted rebuild stopped."""


class Indexer:
    """Writes what the sources say now, so redelivered or late events never regress an entry."""

    def __init__(self, db: HduceEngine, backend: SearchBackend, sources: Sequence[Source]) -> None:
        self._db = db
        self._backend = backend
        self.sources = {source.kind: source for source in sources}

    @property
    def readers(self) -> dict[str, frozenset[str]]:
        """Staff roles that see every entry, by kind."""
        return {kind: source.readers for kind, source in self.sources.items()}

    async def refresh(self, kind: str, ids: Sequence[uuid.UUID]) -> None:
        """Re-read `ids` from their source; write them, or delete those that are gone."""
        entries = await self.sources[kind].entries(ids)
        await self._backend.upsert(entries)
        present = {entry.ref_id for entry in entries}
        await self._backend.delete(kind, [ref for ref in ids if ref not in present])

    async def refresh_mentions(self, person_id: uuid.UUID) -> None:
        """Refresh the entries naming a person (their appointments) after a profile change."""
        by_kind: dict[str, list[uuid.UUID]] = defaultdict(list)
        for row in await self._db.fetch(MENTIONS, person_id):
            by_kind[row["kind"]].append(row["ref_id"])
        for kind, ids in by_kind.items():
            if kind in self.sources:
                await self.refresh(kind, ids)

    async def refresh_matching(self, kind: str, key: str, value: str) -> None:
        """Refresh the entries of `kind` whose display field `key` is `value` (e.g. a type id)."""
        ids = [row["ref_id"] for row in await self._db.fetch(MATCHING, kind, key, value)]
        for start in range(0, len(ids), REFRESH_BATCH):
            await self.refresh(kind, ids[start : start + REFRESH_BATCH])

    async def reindex(
        self,
        batch_size: int,
        progress: Callable[[int], None] = lambda _: None,
        *,
        restart: bool = False,
    ) -> ReindexReport:
        """Rewrite every entry from the sources, then drop entries no source produced.

        Resumes an interrupted rebuild from its cursors unless `restart`; a page written again
        after a crash is harmless. `progress` hears how many entries each page wrote.
        """
        began = time.perf_counter()
        if restart:
            await self._db.execute(FINISH)
        cursors = {row["kind"]: row for row in await self._db.fetch(CURSORS)}
        resumed = bool(cursors)
        since = min((row["started_at"] for row in cursors.values()), default=None)
        for row in await self._db.fetch(BEGIN, list(self.sources), since):
            cursors[row["kind"]] = row
        written: dict[str, int] = {}
        for kind, source in self.sources.items():
            written[kind], after = 0, cursors[kind]["after"]
            while not cursors[kind]["done"]:
                entries, after = await source.page(after, batch_size)
                count = len(await self._backend.upsert(entries))
                await self._db.execute(ADVANCE, kind, after, after is None)
                written[kind] += count
                progress(count)
                if after is None:
                    break
        started = min(row["started_at"] for row in cursors.values())
        pruned = await self._backend.prune(started)
        await self._db.execute(FINISH)
        seconds = round(time.perf_counter() - began, 3)
        report = ReindexReport(written, pruned, seconds, resumed)
        logger.info("search index rebuilt: %s", report)
        return report
