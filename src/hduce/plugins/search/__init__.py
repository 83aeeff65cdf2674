"""The search plugin: one permission-aware search over patients, appointments and documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import rich_click as click

from hduce.core.config import Finding
from hduce.core.plugin import HducePlugin
from hduce.plugins.search.config import SearchConfig

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext
    from hduce.core.registry import HealthStatus
    from hduce.plugins.search.services import ReindexReport, SearchBackend, Source
    from hduce.plugins.search.store import Stores


class SearchPlugin(HducePlugin):
    """PostgreSQL full-text search by default, Meilisearch when `meilisearch_url` is set."""

    name = "search"
    description = "Permission-aware search over patients, appointments and documents"
    requires = ("audit", "users", "appointments")
    after = ("documents",)
    config_type = SearchConfig

    def setup(self, context: AppContext) -> None:
        """Choose the backend, subscribe every source's indexing tasks, add the health check."""
        from hduce.contracts.audit import AuditLog
        from hduce.contracts.search import Finder
        from hduce.plugins.search import handlers
        from hduce.plugins.search.services import Indexer, Lexicon, SearchService, embedder_for
        from hduce.plugins.search.store import Stores

        super().setup(context)
        env, config = self.env, self.search_config
        stores = Stores.over(env.db)
        self.lexicon = Lexicon.load(config.synonyms_file)
        self.embedder = embedder_for(config, env.settings.data_dir)
        if self.embedder is not None:
            env.registry.add_closer(self.embedder.aclose)
        self.backend = self._backend(stores)
        self.indexer = Indexer(stores.entries, stores.cursors, self.backend, self._sources())
        handlers.subscribe(env.events, self.indexer)
        self.service = SearchService(
            config,
            self.backend,
            self.indexer.readers,
            self.lexicon,
            self.embedder,
            db=env.db,
            events=env.events,
            audit=env.require(AuditLog),
        )
        env.registry.provide(Finder, self.service)
        env.registry.add_health_check("search", self._health)

    @property
    def search_config(self) -> SearchConfig:
        """This plugin's settings."""
        assert isinstance(self.config, SearchConfig)
        return self.config

    def _sources(self) -> list[Source]:
        from hduce.contracts.appointments import AppointmentReader
        from hduce.contracts.documents import DocumentReader
        from hduce.contracts.users import DemographicsReader
        from hduce.plugins.search.services import AppointmentSource, DocumentSource, PatientSource

        env = self.env
        people = env.require(DemographicsReader)
        sources: list[Source] = [
            PatientSource(people),
            AppointmentSource(env.require(AppointmentReader), people),
        ]
        if env.registry.provides(DocumentReader):
            sources.append(DocumentSource(env.require(DocumentReader), people))
        return sources

    def _backend(self, stores: Stores) -> SearchBackend:
        from hduce.plugins.search.services import ChunkVectors, PostgresSearch, Speller

        config, env = self.search_config, self.env
        speller = Speller(stores.vocabulary) if config.typo_tolerance else None
        chunks = None
        if self.embedder is not None:
            words, overlap = config.chunk_words, config.chunk_overlap
            chunks = ChunkVectors(stores.chunks, self.embedder, words, overlap)
        record = PostgresSearch(stores, env.events, self.lexicon, speller, chunks)
        if not config.meilisearch_url:
            return record
        from hduce.plugins.search.services.backends.meilisearch import MeilisearchSearch

        meili = MeilisearchSearch(config, record)
        env.registry.add_closer(meili.aclose)
        return meili

    async def _health(self) -> HealthStatus:
        return await self.backend.health()

    async def reindex(
        self, progress: Callable[[int], None] = lambda _: None, *, restart: bool = False
    ) -> ReindexReport:
        """Rebuild the whole index from the sources (`hduce search reindex`), resuming if cut."""
        batch = self.search_config.reindex_batch_size
        return await self.indexer.reindex(batch, progress, restart=restart)

    async def reindex_total(self, *, restart: bool = False) -> int:
        """Entries `reindex` will read (the progress bar's total)."""
        return await self.indexer.left_to_index(restart=restart)

    def unsafe_settings(self) -> list[Finding]:
        """Meilisearch reached without a key."""
        config = self.search_config
        if not config.meilisearch_url or config.meilisearch_api_key:
            return []
        message = (
            "`plugins.search.meilisearch_api_key` is empty: anyone who reaches Meilisearch reads "
            "the index of patients and documents (MEILISEARCH_API_KEY)"
        )
        return [Finding("plugins.search.meilisearch_api_key", message)]

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """Add `hduce search reindex` and `hduce models install`."""
        from hduce.plugins.search.cli import models_group, search_group

        cli.add_command(search_group)
        cli.add_command(models_group)

    def lifespans(self) -> Sequence[Any]:
        """Load the embedding model in the background as the web app starts."""
        from hduce.plugins.search.services.embedding.warming import warming

        embedder = self.embedder
        return () if embedder is None else (lambda _app: warming(embedder),)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`GET /search` and `GET /search/suggest`."""
        from hduce.plugins.search.routes import SearchController

        return (SearchController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the search service as `search`."""
        return self.provide_as_name(self.service)
