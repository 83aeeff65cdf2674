"""Keeps the index equal to the sources: refresh on events, rebuild on demand."""

import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence

import msgspec

from hduce.plugins.search.services.backends import SearchBackend
from hduce.plugins.search.services.sources.base import Source
from hduce.plugins.search.store import EntryStore, ReindexCursors

logger = logging.getLogger("hduce.search")

REFRESH_BATCH = 500


class ReindexReport(msgspec.Struct, frozen=True):
    """What a full rebuild did."""

    written: dict[str, int]
    pruned: int
    seconds: float
    resumed: bool = False
    """Whether it went on from where an interrupted rebuild stopped."""


class Indexer:
    """Writes what the sources say now, so redelivered or late events never regress an entry."""

    def __init__(
        self,
        entries: EntryStore,
        cursors: ReindexCursors,
        backend: SearchBackend,
        sources: Sequence[Source],
    ) -> None:
        self._entries = entries
        self._cursors = cursors
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
        for kind, ref_id in await self._entries.mentions(person_id):
            by_kind[kind].append(ref_id)
        for kind, ids in by_kind.items():
            if kind in self.sources:
                await self.refresh(kind, ids)

    async def refresh_matching(self, kind: str, key: str, value: str) -> None:
        """Refresh the entries of `kind` whose display field `key` is `value` (e.g. a type id)."""
        ids = await self._entries.matching(kind, key, value)
        for start in range(0, len(ids), REFRESH_BATCH):
            await self.refresh(kind, ids[start : start + REFRESH_BATCH])

    async def left_to_index(self, *, restart: bool = False) -> int:
        """Entries a rebuild will read: every kind an interrupted one did not finish."""
        done = (
            set()
            if restart
            else {k for k, row in (await self._cursors.left()).items() if row["done"]}
        )
        return sum([await s.count() for kind, s in self.sources.items() if kind not in done])

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
            await self._cursors.clear()
        cursors = await self._cursors.left()
        resumed = bool(cursors)
        since = min((row["started_at"] for row in cursors.values()), default=None)
        cursors.update(await self._cursors.begin(list(self.sources), since))
        written: dict[str, int] = {}
        for kind, source in self.sources.items():
            written[kind], after = 0, cursors[kind]["after"]
            while not cursors[kind]["done"]:
                entries, after = await source.page(after, batch_size)
                count = len(await self._backend.upsert(entries))
                await self._cursors.advance(kind, after, after is None)
                written[kind] += count
                progress(count)
                if after is None:
                    break
        started = min(row["started_at"] for row in cursors.values())
        pruned = await self._backend.prune(started)
        await self._cursors.clear()
        seconds = round(time.perf_counter() - began, 3)
        report = ReindexReport(written, pruned, seconds, resumed)
        logger.info("search index rebuilt: %s", report)
        return report
