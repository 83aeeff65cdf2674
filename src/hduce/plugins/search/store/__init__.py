"""All SQL of the search plugin, run through `env.db` (it joins the caller's transaction)."""

from dataclasses import dataclass

from hduce.core.stores import StoreBundle
from hduce.plugins.search.store._chunks import ChunkRows, ChunkStore, vector_text
from hduce.plugins.search.store._entries import EntryStore
from hduce.plugins.search.store._keyword import KeywordStore
from hduce.plugins.search.store._reindex import ReindexCursors
from hduce.plugins.search.store._sql import MARK_END, MARK_START, WHOLE_WORD
from hduce.plugins.search.store._vocabulary import VocabularyStore


@dataclass(frozen=True)
class Stores(StoreBundle):
    """Every store of the plugin, over one `Database`."""

    entries: EntryStore
    keyword: KeywordStore
    chunks: ChunkStore
    vocabulary: VocabularyStore
    cursors: ReindexCursors


__all__ = [
    "MARK_END",
    "MARK_START",
    "WHOLE_WORD",
    "ChunkRows",
    "ChunkStore",
    "EntryStore",
    "KeywordStore",
    "ReindexCursors",
    "Stores",
    "VocabularyStore",
    "vector_text",
]
