"""Search backends: PostgreSQL full-text (the default) and Meilisearch, with chunk vectors."""

from hduce.plugins.search.services.backends.base import SearchBackend, SearchQuery
from hduce.plugins.search.services.backends.meilisearch import MeilisearchSearch
from hduce.plugins.search.services.backends.postgres import PostgresSearch
from hduce.plugins.search.services.backends.vectors import ChunkVectors

__all__ = ["ChunkVectors", "MeilisearchSearch", "PostgresSearch", "SearchBackend", "SearchQuery"]
