"""Embedding providers for semantic search: `none`, `local` (MiniLM on CPU) and `http`.

A provider's module is imported only when it is the one configured: both need numpy, which a
keyword-only clinic's server never loads.
"""

from hduce.contracts.search import Embedder
from hduce.core.config import ConfigError
from hduce.plugins.search.config import SearchConfig


def embedder_for(config: SearchConfig, data_dir: str) -> Embedder | None:
    """The configured provider, or None for `none` (keyword search only)."""
    if config.embedder == "local":
        from hduce.plugins.search.services.embedding.local import LocalEmbedder

        return LocalEmbedder(
            data_dir,
            config.embedder_threads,
            config.embedder_batch_size,
            config.embedder_precision,
        )
    if config.embedder == "http":
        if not config.embedder_url:
            key = "plugins.search.embedder_url"
            raise ConfigError(f"`{key}`: the http embedder needs the API's URL", key=key)
        from hduce.plugins.search.services.embedding.remote import HttpEmbedder

        return HttpEmbedder(
            config.embedder_url,
            config.embedder_model,
            config.embedder_api_key,
            config.embedder_batch_size,
            float(config.embedder_timeout),
        )
    return None
