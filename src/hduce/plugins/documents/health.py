"""The `documents` health check: a writable store with room, OCR languages, unfinished work."""

import asyncio

from hduce.core.registry import HealthStatus
from hduce.plugins.documents.env import Env

COUNTS = """
SELECT status, count(*) AS n FROM document
WHERE deleted_at IS NULL AND status IN ('pending', 'processing', 'failed') GROUP BY status
"""


class StorageHealth:
    """Fails when files cannot be written or free space is below `storage_min_free`."""

    def __init__(self, env: Env) -> None:
        self._env = env

    async def check(self) -> HealthStatus:
        """Probe the store (a real write) and its free space; count documents by status."""
        blobs, config = self._env.blobs, self._env.config
        writable = await asyncio.to_thread(blobs.writable)
        free = await asyncio.to_thread(blobs.free)
        counts = {"pending": 0, "processing": 0, "failed": 0}
        for record in await self._env.context.db.fetch(COUNTS):
            counts[record["status"]] = int(record["n"])
        ocr = config.ocr_languages if config.ocr else "off"
        detail = {
            "writable": writable,
            "free": free,
            "min_free": config.storage_min_free,
            "ocr": ocr,
            **counts,
        }
        return HealthStatus(ok=writable and free >= config.storage_min_free, detail=detail)
