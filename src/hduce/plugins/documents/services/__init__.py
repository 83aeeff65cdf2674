"""The documents services, built once per process and injected as `documents`."""

from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts
from hduce.core.plugin_env import PluginEnv
from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services._documents import Documents, to_read
from hduce.plugins.documents.services._files import BlobStore
from hduce.plugins.documents.services._health import StorageHealth
from hduce.plugins.documents.services._parts import AccessLog, DocumentParts
from hduce.plugins.documents.services._shelf import Shelf
from hduce.plugins.documents.services._uploads import UploadRequest, Uploads
from hduce.plugins.documents.services.extraction import (
    Extraction,
    ExtractorPool,
    StuckExtractions,
)
from hduce.plugins.documents.store import Stores


@dataclass(frozen=True)
class DocumentServices:
    """Every service of the plugin, wired together."""

    uploads: Uploads
    documents: Documents
    extraction: Extraction
    stuck: StuckExtractions
    shelf: Shelf
    health: StorageHealth
    pool: ExtractorPool

    @classmethod
    def build(
        cls,
        env: PluginEnv[DocumentsConfig],
        stores: Stores,
        files: BlobStore,
        accounts: Accounts,
        audit: AuditLog,
    ) -> "DocumentServices":
        """Wire the services around the env, the stores, the file store and the contracts used.

        The extraction processes start on first use.
        """
        pool = ExtractorPool.from_config(env.config)
        parts = DocumentParts(
            config=env.config,
            db=env.db,
            events=env.events,
            rows=stores.documents,
            files=files,
            access_log=AccessLog(audit),
        )
        documents, uploads = Documents(parts), Uploads(parts, accounts)
        extraction = Extraction(env, stores.extraction, files, pool)
        stuck = StuckExtractions(env, stores.extraction, extraction)
        return cls(
            uploads=uploads,
            documents=documents,
            extraction=extraction,
            stuck=stuck,
            shelf=Shelf(documents, uploads),
            health=StorageHealth(env.config, files, stores.reports),
            pool=pool,
        )


__all__ = ["BlobStore", "DocumentServices", "UploadRequest", "to_read"]
