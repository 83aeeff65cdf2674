"""The `documents` health check: a writable store with room, OCR languages, unfinished work."""

import asyncio

from hduce.core.registry import HealthStatus
from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services._files import BlobStore
from hduce.plugins.documents.store import ReportStore


class StorageHealth:
    """Fails when files cannot be written or free space is below `storage_min_free`."""

    def __init__(self, config: DocumentsConfig, files: BlobStore, reports: ReportStore) -> None:
        self._config = config
        self._files = files
        self._reports = reports

    async def check(self) -> HealthStatus:
        """Probe the store (a real write) and its free space; count documents by status."""
        config = self._config
        writable = await asyncio.to_thread(self._files.writable)
        free = await asyncio.to_thread(self._files.free)
        counts = await self._reports.unfinished()
        ocr = config.ocr_languages if config.ocr else "off"
        detail = {
            "writable": writable,
            "free": free,
            "min_free": config.storage_min_free,
            "ocr": ocr,
            **counts,
        }
        return HealthStatus(ok=writable and free >= config.storage_min_free, detail=detail)
