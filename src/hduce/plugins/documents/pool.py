"""The process pool extraction runs in: created on first use, replaced if a worker dies."""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from hduce.plugins.documents.extraction import extract_file


class ExtractorCrashed(RuntimeError):
    """A worker process died while extracting (e.g. PDFium crashed on a malformed file)."""


class ExtractorPool:
    """A small pool of spawned processes; PDFium is not thread-safe, so never threads."""

    def __init__(self, workers: int) -> None:
        self._workers = max(1, workers)
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn: a fork of a process running an event loop and database pools is not safe.
            context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(self._workers, mp_context=context)
        return self._executor

    async def extract(self, path: str, content_type: str, date_order: str) -> dict[str, Any]:
        """Run `extract_file` in a worker process."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._pool(), extract_file, path, content_type, date_order
            )
        except BrokenProcessPool:
            await self.close()
            raise ExtractorCrashed("the extraction process crashed on this file") from None

    async def close(self) -> None:
        """Stop the worker processes (waits for running extractions)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
