"""Settings of the search plugin (`[plugins.search]`)."""

from typing import Literal

from hduce.core.config import Positive, PositiveDuration, Section


class SearchConfig(Section):
    """Query limits, reindex batches and the optional Meilisearch server."""

    max_query_length: Positive = 200
    """Longest accepted `q` (and any other text parameter of a search), in characters."""
    default_page_size: Positive = 20
    """Hits per page when `limit` is not given."""
    max_page_size: Positive = 100
    """Largest accepted `limit`."""
    max_candidates: Positive = 2000
    """Most matches ranked and counted (those the index yields first); beyond, `total_capped`."""
    snippet_chars: int = 1000
    """Characters of a document's text, around the first match, a snippet is cut from."""
    synonyms_file: str = ""
    """A clinic's synonym lexicon (one comma-separated group a line); empty: the bundled one."""
    typo_tolerance: bool = True
    """Correct a word no indexed word starts with to the nearest indexed word (PostgreSQL)."""
    reindex_batch_size: Positive = 500
    """Source rows read and written per batch by `hduce search reindex`."""
    meilisearch_url: str = ""
    """Meilisearch base URL; empty means PostgreSQL full-text search (the embedded default)."""
    meilisearch_api_key: str = ""
    """Environment only (`MEILISEARCH_API_KEY`): the key sent as `Authorization: Bearer`."""
    meilisearch_index: str = "hduce"
    """The Meilisearch index uid holding every entry."""
    meilisearch_timeout: PositiveDuration = PositiveDuration(10)
    """How long a Meilisearch request (or a settings task) may take."""
    embedder: Literal["none", "local", "http"] = "none"
    """Semantic search: `none` (keyword only), `local` (MiniLM on CPU in an embedding process)
    or `http` (an OpenAI-compatible `/embeddings` endpoint)."""
    embedder_url: str = ""
    """`http` only: the API base, e.g. `http://127.0.0.1:11434/v1` (POST `<url>/embeddings`)."""
    embedder_model: str = "all-minilm"
    """`http` only: the `model` sent; it must answer 384 numbers per text."""
    embedder_api_key: str = ""
    """`http` only, environment only (`EMBEDDINGS_API_KEY`): sent as `Authorization: Bearer`."""
    embedder_batch_size: Positive = 32
    """Texts per model call (local) or per request (http)."""
    embedder_threads: Positive = 1
    """`local` only: onnxruntime threads of the embedding process."""
    embedder_precision: Literal["fp32", "int8"] = "fp32"
    """`local` only: `int8` runs the model with int8 weights, twice as fast with the same
    relevance on the relevance set; run `hduce search reindex` after changing it."""
    embedder_timeout: PositiveDuration = PositiveDuration(30)
    """How long one embedding call may take."""
    chunk_words: Positive = 180
    """Words per chunk (~256 model tokens for clinical English); chunks overlap."""
    chunk_overlap: int = 40
    """Words a chunk repeats from the one before."""
