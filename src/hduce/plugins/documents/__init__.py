"""The documents plugin: streamed uploads, content-addressed files, text and entity extraction."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hduce.core.plugin import HducePlugin
from hduce.plugins.documents.config import DocumentsConfig, storage_root

if TYPE_CHECKING:
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler

    from hduce.core.context import AppContext


class DocumentsPlugin(HducePlugin):
    """Medical documents: upload, metadata, status, download, extraction of text and entities."""

    name = "documents"
    description = "Medical documents: upload, download, extracted text and medical entities"
    requires = ("audit", "auth")
    config_type = DocumentsConfig

    def setup(self, context: AppContext) -> None:
        """Check the OCR models, build the services, subscribe extraction, provide contracts."""
        from hduce.contracts.audit import AuditLog
        from hduce.contracts.auth import Accounts
        from hduce.contracts.documents import DocumentReader, DocumentShelf
        from hduce.core.personal_data import RowQueries
        from hduce.plugins.documents import handlers
        from hduce.plugins.documents.analytics import document_figures
        from hduce.plugins.documents.personal_data import DOCUMENT_DATA, JSON_COLUMNS
        from hduce.plugins.documents.services import BlobStore, DocumentServices
        from hduce.plugins.documents.services.extraction import ExtractionOptions, check_models
        from hduce.plugins.documents.store import Stores

        super().setup(context)
        env = self.env
        check_models(ExtractionOptions.from_config(env.config).ocr)
        files = BlobStore(storage_root(env.config, env.settings.data_dir).absolute())
        files.secure()
        stores = Stores.over(env.db)
        self.services = DocumentServices.build(
            env, stores, files, accounts=env.require(Accounts), audit=env.require(AuditLog)
        )
        handlers.subscribe(env.events, self.services)
        env.registry.provide(DocumentReader, stores.summaries)
        env.registry.provide(DocumentShelf, self.services.shelf)
        env.registry.add_health_check("documents", self.services.health.check)
        env.registry.add_analytics_source("documents", partial(document_figures, stores.reports))
        document_data = RowQueries(env.db, DOCUMENT_DATA, JSON_COLUMNS)
        env.registry.add_personal_data_source("documents", document_data)
        env.registry.add_closer(self.services.pool.close)

    def backup_folder(self, data_dir: Path) -> Path:
        """The document store: its files are backed up and restored with the database."""
        assert isinstance(self.config, DocumentsConfig)
        return storage_root(self.config, data_dir)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/documents` routes."""
        from hduce.plugins.documents.routes import DocumentController, form_upload_handler

        assert isinstance(self.config, DocumentsConfig)
        return (DocumentController, form_upload_handler(self.config.max_upload_size))

    def lifespans(self) -> Sequence[Any]:
        """Requeue documents whose extraction task was dead-lettered, while the web app runs."""
        from hduce.core.plugin import running_lifespan

        return (running_lifespan(self.services.stuck),)

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `documents`."""
        return self.provide_as_name(self.services)
