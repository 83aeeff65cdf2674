"""Search backends: PostgreSQL full-text (the default) and Meilisearch."""

from hduce.plugins.search.backends.base import SearchBackend, SearchQuery
from hduce.plugins.search.backends.postgres import PostgresSearch

__all__ = ["PostgresSearch", "SearchBackend", "SearchQuery"]
