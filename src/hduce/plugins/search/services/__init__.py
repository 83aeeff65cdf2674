"""The search plugin's services: searching, indexing, backends, sources, lexicon, embedders."""

from hduce.plugins.search.services._access import Scope, scope_for
from hduce.plugins.search.services._entries import Entry
from hduce.plugins.search.services._indexer import Indexer, ReindexReport
from hduce.plugins.search.services._lexicon import Lexicon
from hduce.plugins.search.services._search import MODES, SearchService, performed
from hduce.plugins.search.services._spelling import Speller
from hduce.plugins.search.services.backends import (
    ChunkVectors,
    PostgresSearch,
    SearchBackend,
    SearchQuery,
)
from hduce.plugins.search.services.embedding import embedder_for
from hduce.plugins.search.services.sources import (
    AppointmentSource,
    DocumentSource,
    PatientSource,
    Source,
)

__all__ = [
    "MODES",
    "AppointmentSource",
    "ChunkVectors",
    "DocumentSource",
    "Entry",
    "Indexer",
    "Lexicon",
    "PatientSource",
    "PostgresSearch",
    "ReindexReport",
    "Scope",
    "SearchBackend",
    "SearchQuery",
    "SearchService",
    "Source",
    "Speller",
    "embedder_for",
    "performed",
    "scope_for",
]
