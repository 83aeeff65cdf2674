"""The `documents` health check: a writable store, OCR languages, unfinished and failed work."""

import asyncio

from hduce.core.registry import HealthStatus
from hduce.plugins.documents.env import Env

COUNTS = """
SELECT status, count(*) AS n FROM document
WHERE deleted_at IS NULL AND status IN ('pending', 'processing', 'failed') GROUP BY status
"""


class StorageHealth:
    """Fails when files cannot be written; reports pending, processing and failed documents."""

    def __init__(self, env: Env) -> None:
        self._env = env

    async def check(self) -> HealthStatus:
        """Probe the store and count documents by status."""
        writable = await asyncio.to_thread(self._env.blobs.writable)
        counts = {"pending": 0, "processing": 0, "failed": 0}
        for record in await self._env.context.db.fetch(COUNTS):
            counts[record["status"]] = int(record["n"])
        config = self._env.config
        ocr = config.ocr_languages if config.ocr else "off"
        # No storage path: the details say whether it works, not where the files are.
        detail = {"writable": writable, "ocr": ocr, **counts}
        return HealthStatus(ok=writable, detail=detail)
