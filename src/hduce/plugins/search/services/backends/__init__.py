"""Search backends: PostgreSQL full-text (the default) and Meilisearch, with chunk vectors.

The Meilisearch backend (`backends.meilisearch`) is imported only where it is configured: its
SDK costs about 25 MB and 0.2 s of every start.
"""

from hduce.plugins.search.services.backends.base import SearchBackend, SearchQuery
from hduce.plugins.search.services.backends.postgres import PostgresSearch
from hduce.plugins.search.services.backends.vectors import ChunkVectors

__all__ = ["ChunkVectors", "PostgresSearch", "SearchBackend", "SearchQuery"]
