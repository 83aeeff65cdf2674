"""The documents API under `/api/v1/documents`."""

from hduce.plugins.documents.routes._documents import DocumentController
from hduce.plugins.documents.routes._form import form_upload_handler

__all__ = ["DocumentController", "form_upload_handler"]
