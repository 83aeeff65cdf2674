"""The search plugin: one permission-aware search over patients, appointments and documents."""

from collections.abc import Callable, Sequence

import rich_click as click
from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.documents import DocumentReader
from hduce.core.context import AppContext
from hduce.core.plugin import HducePlugin
from hduce.core.registry import HealthStatus
from hduce.plugins.search.backends import PostgresSearch, SearchBackend
from hduce.plugins.search.backends.meilisearch import MeilisearchSearch
from hduce.plugins.search.backends.vectors import ChunkStore
from hduce.plugins.search.cli import models_group, search_group
from hduce.plugins.search.config import SearchConfig
from hduce.plugins.search.embedding import embedder_for
from hduce.plugins.search.indexer import Indexer, ReindexReport
from hduce.plugins.search.lexicon import Lexicon
from hduce.plugins.search.routes import SearchController
from hduce.plugins.search.service import SearchService
from hduce.plugins.search.sources.appointments import AppointmentSource
from hduce.plugins.search.sources.base import Source
from hduce.plugins.search.sources.documents import DocumentSource
from hduce.plugins.search.sources.patients import PatientSource
from hduce.plugins.search.spelling import Speller


class SearchPlugin(HducePlugin):
    """PostgreSQL full-text search by default, Meilisearch when `meilisearch_url` is set."""

    name = "search"
    description = "Permission-aware search over patients, appointments and documents"
    requires = ("audit", "users", "appointments")
    after = ("documents",)
    config_type = SearchConfig

    def setup(self, context: AppContext) -> None:
        """Choose the backend, subscribe every source's indexing tasks, add the health check."""
        super().setup(context)
        assert isinstance(self.config, SearchConfig)
        sources: list[Source] = [
            PatientSource(context.registry),
            AppointmentSource(context.registry),
        ]
        if context.registry.provides(DocumentReader):
            sources.append(DocumentSource(context.registry))
        self.lexicon = Lexicon.load(self.config.synonyms_file)
        self.embedder = embedder_for(self.config, context.settings.data_dir)
        if self.embedder is not None:
            context.registry.add_closer(self.embedder.aclose)
        self.backend = self._backend(context, self.config)
        self.indexer = Indexer(context.db, self.backend, sources)
        for source in sources:
            source.subscribe(context.events, self.indexer)
        self.service = SearchService(
            self.config, self.backend, self.indexer.readers, context, self.lexicon, self.embedder
        )
        context.registry.add_health_check("search", self._health)

    def _backend(self, context: AppContext, config: SearchConfig) -> SearchBackend:
        speller = Speller(context.db) if config.typo_tolerance else None
        chunks = None
        if self.embedder is not None:
            chunks = ChunkStore(context.db, self.embedder, config.chunk_words, config.chunk_overlap)
        record = PostgresSearch(context.db, context.events, self.lexicon, speller, chunks)
        if not config.meilisearch_url:
            return record
        meili = MeilisearchSearch(config, record)
        context.registry.add_closer(meili.aclose)
        return meili

    async def _health(self) -> HealthStatus:
        return await self.backend.health()

    async def reindex(
        self, progress: Callable[[int], None] = lambda _: None, *, restart: bool = False
    ) -> ReindexReport:
        """Rebuild the whole index from the sources (`hduce search reindex`), resuming if cut."""
        assert isinstance(self.config, SearchConfig)
        batch = self.config.reindex_batch_size
        return await self.indexer.reindex(batch, progress, restart=restart)

    @classmethod
    def on_cli_init(cls, cli: click.Group) -> None:
        """Add `hduce search reindex` and `hduce models install`."""
        cli.add_command(search_group)
        cli.add_command(models_group)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """`GET /search`."""
        return (SearchController,)

    def dependencies(self) -> dict[str, Provide]:
        """Provide `search_service`."""
        return {"search_service": Provide(self._provide, sync_to_thread=False, use_cache=True)}

    def _provide(self) -> SearchService:
        return self.service
