"""The extraction pool: a few slots, each with a process of its own; a job waits for a free slot."""

import asyncio
from typing import Any

from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services.extraction._extract import ExtractionOptions
from hduce.plugins.documents.services.extraction._frames import Job
from hduce.plugins.documents.services.extraction._slot import (
    ExtractionStopped,
    ExtractionTimedOut,
    ExtractorCrashed,
    ExtractorKilled,
    ProcessLimits,
    Slot,
)

__all__ = [
    "ExtractionStopped",
    "ExtractionTimedOut",
    "ExtractorCrashed",
    "ExtractorKilled",
    "ExtractorPool",
]


class ExtractorPool:
    """Processes, not threads (PDFium is not thread-safe), started on first use."""

    def __init__(self, workers: int, limits: ProcessLimits) -> None:
        self._slots = [Slot(limits) for _ in range(max(1, workers))]
        self._free: asyncio.Queue[Slot] = asyncio.Queue()
        for slot in self._slots:
            self._free.put_nowait(slot)

    @classmethod
    def from_config(cls, config: DocumentsConfig) -> "ExtractorPool":
        """The pool `[plugins.documents]` describes."""
        limits = ProcessLimits(
            memory=config.extraction_memory_limit,
            recycle_after=config.extraction_recycle_after,
            recycle_resident=config.extraction_recycle_memory,
            idle=float(config.extraction_idle_timeout),
        )
        return cls(config.extraction_workers, limits)

    async def extract(
        self, path: str, content_type: str, options: ExtractionOptions, *, seconds: float
    ) -> dict[str, Any]:
        """Run `extract_file` in a free process, for at most `seconds` once it has started."""
        slot = await self._free.get()
        try:
            return await slot.run(
                Job(path=path, content_type=content_type, options=options), seconds
            )
        finally:
            self._free.put_nowait(slot)

    async def close(self) -> None:
        """Stop the processes (a running extraction is killed after a grace period)."""
        await asyncio.gather(*(slot.close() for slot in self._slots))
