"""Embedding providers for semantic search: `none`, `local` (MiniLM on CPU) and `http`."""

from hduce.contracts.search import Embedder
from hduce.plugins.search.config import SearchConfig
from hduce.plugins.search.embedding.local import LocalEmbedder
from hduce.plugins.search.embedding.remote import HttpEmbedder


def embedder_for(config: SearchConfig, data_dir: str) -> Embedder | None:
    """The configured provider, or None for `none` (keyword search only)."""
    if config.embedder == "local":
        return LocalEmbedder(data_dir, config.embedder_threads, config.embedder_batch_size)
    if config.embedder == "http":
        return HttpEmbedder(
            config.embedder_url,
            config.embedder_model,
            config.embedder_api_key,
            config.embedder_batch_size,
            float(config.embedder_timeout),
        )
    return None
