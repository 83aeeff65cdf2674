"""The documents services, built once per process and injected as `documents`."""

from dataclasses import dataclass

from hduce.plugins.documents.env import Env
from hduce.plugins.documents.extractor import Extraction
from hduce.plugins.documents.health import StorageHealth
from hduce.plugins.documents.pool import ExtractorPool
from hduce.plugins.documents.service import Documents
from hduce.plugins.documents.uploads import Uploads


@dataclass(frozen=True)
class DocumentServices:
    """Every service of the plugin, wired together."""

    uploads: Uploads
    documents: Documents
    extraction: Extraction
    health: StorageHealth
    pool: ExtractorPool

    @classmethod
    def build(cls, env: Env) -> "DocumentServices":
        """Wire the services around one environment (the process pool starts on first use)."""
        pool = ExtractorPool.from_config(env.config)
        return cls(
            uploads=Uploads(env),
            documents=Documents(env),
            extraction=Extraction(env, pool),
            health=StorageHealth(env),
            pool=pool,
        )
