"""Errors of the documents plugin, each with its HTTP status and problem slug."""

from hduce.core.errors import Conflict, HduceError, InvalidRequest


class UploadTooLarge(HduceError):
    """The body is bigger than `max_upload_size`."""

    status_code, slug, title = 413, "upload-too-large", "Upload too large"


class UnsupportedType(HduceError):
    """The bytes are of a type the clinic does not accept (or none we recognise)."""

    status_code, slug, title = 415, "unsupported-type", "Unsupported document type"


class TypeMismatch(HduceError):
    """The declared `Content-Type` says one thing, the bytes another."""

    status_code, slug, title = 415, "type-mismatch", "Content type does not match the content"


class InvalidDocument(InvalidRequest):
    """A well-formed request that cannot be accepted (empty body, not a patient, no patient)."""


class NotExtracted(Conflict):
    """The document's text is not available (extraction pending or failed)."""

    slug, title = "not-extracted", "Text not available"


class InsufficientStorage(HduceError):
    """The document store's file system is full; the upload is dropped and may be retried."""

    status_code, slug, title = 507, "insufficient-storage", "Insufficient storage"
