"""The `local` provider: MiniLM in one embedding process; the event loop's process stays light."""

import asyncio
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from hduce.plugins.search.services.embedding.install import MODEL_NAME, Precision

_encoder = None  # the embedding process's Encoder, set by `_load`


def _load(data_dir: str, threads: int, batch_size: int, precision: Precision) -> None:
    global _encoder
    from hduce.plugins.search.services.embedding.encoder import Encoder
    from hduce.plugins.search.services.embedding.install import install

    built = install(data_dir, precision=precision)
    _encoder = Encoder(built, threads, batch_size, precision)


def _encode(texts: list[str]) -> np.ndarray:
    assert _encoder is not None
    return _encoder.encode(texts)


class LocalEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) run by onnxruntime in a child process started on use.

    `int8` runs the graph with int8 weights: twice as fast, vectors close to fp32's but not equal,
    so its name differs and a reindex re-embeds every chunk when a clinic switches.
    """

    dimensions = 384

    def __init__(
        self, data_dir: str, threads: int = 1, batch_size: int = 32, precision: Precision = "fp32"
    ) -> None:
        self.name = MODEL_NAME if precision == "fp32" else f"{MODEL_NAME}-{precision}"
        self._args = (data_dir, threads, batch_size, precision)
        self._pool: ProcessPoolExecutor | None = None

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One unit vector per text (the model is built into the data dir on first use)."""
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        vectors = await loop.run_in_executor(self._executor(), _encode, list(texts))
        return vectors.tolist()

    async def start(self) -> None:
        """Start the embedding process and load the model now rather than on the first call."""
        await self.embed(["warm up"])

    async def aclose(self) -> None:
        """Stop the embedding process."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                # Spawned, not forked: the parent runs an event loop and threads.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_load,
                initargs=self._args,
            )
        return self._pool
