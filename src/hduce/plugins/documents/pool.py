"""The process pool extraction runs in: created on first use, replaced if a worker dies."""

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from hduce.plugins.documents.extraction import ExtractionOptions, extract_file


class ExtractorCrashed(RuntimeError):
    """A worker process died while extracting (e.g. PDFium crashed on a malformed file)."""


class ExtractionTimedOut(RuntimeError):
    """An extraction ran longer than allowed; its worker process was killed."""


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

    async def extract(
        self, path: str, content_type: str, options: ExtractionOptions, *, seconds: float
    ) -> dict[str, Any]:
        """Run `extract_file` in a worker process, for at most `seconds`."""
        pool = self._pool()
        running = asyncio.get_running_loop().run_in_executor(
            pool, extract_file, path, content_type, options
        )
        try:
            return await asyncio.wait_for(running, seconds)
        except TimeoutError:
            # A process stuck in PDFium cannot be interrupted: end the pool, start afresh.
            await self._kill(pool)
            raise ExtractionTimedOut(f"extraction took longer than {seconds:g} s") from None
        except BrokenProcessPool:
            await self._kill(pool)
            raise ExtractorCrashed("the extraction process crashed on this file") from None

    async def _kill(self, pool: ProcessPoolExecutor) -> None:
        if self._executor is pool:
            self._executor = None
        for process in list((pool._processes or {}).values()):
            process.kill()
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    async def close(self) -> None:
        """Stop the worker processes (waits for running extractions)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
