"""The documents plugin: streamed uploads, content-addressed files, text and entity extraction."""

from collections.abc import Sequence

from litestar.di import Provide
from litestar.types import ControllerRouterHandler

from hduce.contracts.documents import DocumentReader, DocumentShelf, DocumentUploaded
from hduce.core.context import AppContext
from hduce.core.personal_data import RowQueries
from hduce.core.plugin import HducePlugin
from hduce.plugins.documents.analytics import DocumentAnalytics
from hduce.plugins.documents.config import DocumentsConfig, storage_root
from hduce.plugins.documents.env import Env
from hduce.plugins.documents.extraction import ExtractionOptions
from hduce.plugins.documents.ocr import check_models
from hduce.plugins.documents.personal_data import DOCUMENT_DATA, JSON_COLUMNS
from hduce.plugins.documents.reader import DocumentSummaries
from hduce.plugins.documents.routes import DocumentController, form_upload_handler
from hduce.plugins.documents.services import DocumentServices
from hduce.plugins.documents.shelf import Shelf
from hduce.plugins.documents.storage import BlobStore
from hduce.plugins.documents.store import DocumentStore


class DocumentsPlugin(HducePlugin):
    """Medical documents: upload, metadata, status, download, extraction of text and entities."""

    name = "documents"
    description = "Medical documents: upload, download, extracted text and medical entities"
    requires = ("audit", "auth")
    config_type = DocumentsConfig

    def setup(self, context: AppContext) -> None:
        """Check the OCR models, build the services, subscribe extraction, provide contracts."""
        super().setup(context)
        assert isinstance(self.config, DocumentsConfig)
        check_models(ExtractionOptions.from_config(self.config).ocr)
        root = storage_root(self.config, context.settings.data_dir)
        blobs = BlobStore(root.absolute())
        blobs.secure()
        env = Env(context, self.config, DocumentStore(context.db), blobs)
        self.services = DocumentServices.build(env)
        context.events.subscribe(
            DocumentUploaded, self.services.extraction.handle, task_name="documents.extract"
        )
        context.registry.provide(DocumentReader, DocumentSummaries(context.db))
        context.registry.provide(
            DocumentShelf, Shelf(self.services.documents, self.services.uploads)
        )
        context.registry.add_health_check("documents", self.services.health.check)
        context.registry.add_analytics_source("documents", DocumentAnalytics(context.db).figures)
        document_data = RowQueries(context.db, DOCUMENT_DATA, JSON_COLUMNS)
        context.registry.add_personal_data_source("documents", document_data)
        context.registry.add_closer(self.services.pool.close)

    def route_handlers(self) -> Sequence[ControllerRouterHandler]:
        """The `/documents` routes."""
        assert isinstance(self.config, DocumentsConfig)
        return (DocumentController, form_upload_handler(self.config.max_upload_size))

    def dependencies(self) -> dict[str, Provide]:
        """Provide the services as `documents`."""
        return {"documents": Provide(self._provide, sync_to_thread=False, use_cache=True)}

    def _provide(self) -> DocumentServices:
        return self.services
