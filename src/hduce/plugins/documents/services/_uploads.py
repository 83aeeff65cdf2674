"""Uploads: the body streamed to disk while hashed, its type sniffed, the row and event written."""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

from hduce.contracts.auth import Accounts, Role
from hduce.contracts.documents import DocumentKind, DocumentUploaded
from hduce.core.security import Principal
from hduce.plugins.documents.errors import (
    InvalidDocument,
    TypeMismatch,
    UnsupportedType,
    UploadTooLarge,
)
from hduce.plugins.documents.services._access import patient_for
from hduce.plugins.documents.services._files import WRITE_CHUNK, StagedFile
from hduce.plugins.documents.services._names import clean_title, default_title, safe_name
from hduce.plugins.documents.services._parts import DocumentParts
from hduce.plugins.documents.services._sniff import SNIFF_BYTES, label, sniff
from hduce.plugins.documents.store import DocumentRow

# Types that say nothing about the content (curl's --data-binary sends the form one).
UNDECLARED = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded"}
)
logger = logging.getLogger("hduce.documents")
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/tif": "image/tiff"}


class UploadRequest:
    """One upload as the route received it: metadata (names cleaned), the body still unread."""

    def __init__(
        self,
        body: AsyncIterator[bytes],
        *,
        declared_type: str | None,
        content_length: int | None,
        patient_id: uuid.UUID | None,
        title: str | None,
        kind: DocumentKind,
        filename: str | None,
        patient_source: str = "query",
    ) -> None:
        self.body = body
        self.declared_type = ALIASES.get(_media_type(declared_type), _media_type(declared_type))
        self.content_length = content_length
        self.patient_id = patient_id
        self.patient_source = patient_source
        """Where the request gives `patient_id`: `query`, or `body` for a form's field."""
        self.title = clean_title(title)
        self.kind = kind
        self.filename = safe_name(filename)


class Received:
    """A body written to a temporary file in the store: its digest, size and sniffed type."""

    def __init__(self, staged: StagedFile, sha256: str, content_type: str) -> None:
        self.staged = staged
        self.sha256 = sha256
        self.content_type = content_type
        self.placed = False
        """Whether the file was moved to its address (it was not there for other documents)."""


class Uploads:
    """Receives documents: constant memory, size cap, type sniffing, content-addressed files."""

    def __init__(self, parts: DocumentParts, accounts: Accounts) -> None:
        self._parts = parts
        self._accounts = accounts

    @property
    def max_size(self) -> int:
        """Largest file accepted, in bytes."""
        return self._parts.config.max_upload_size

    async def upload(
        self, principal: Principal, request: UploadRequest, *, ip: str | None = None
    ) -> DocumentRow:
        """Store the body for a patient, queue its extraction, audit; nothing stays on failure."""
        patient_id = patient_for(principal, request.patient_id, request.patient_source)
        await self._accounts.require(
            patient_id, Role.PATIENT, key="patient_id", source=request.patient_source
        )
        cap = self.max_size
        if request.content_length is not None and request.content_length > cap:
            raise UploadTooLarge(self._too_large())
        received = await self._receive(request)
        try:
            return await self._save(principal, request, patient_id, received, ip)
        except BaseException:
            received.staged.discard()  # a stored upload has left its temporary path already
            if received.placed:  # the file reached its address but the row did not: take it back
                await asyncio.shield(self._unplace(received.sha256))
            raise

    async def _save(
        self,
        principal: Principal,
        request: UploadRequest,
        patient_id: uuid.UUID,
        got: Received,
        ip: str | None,
    ) -> DocumentRow:
        async with self._parts.db.transaction():
            await self._parts.rows.lock_blob(got.sha256)
            got.placed = await asyncio.to_thread(self._parts.files.commit, got.staged, got.sha256)
            row = await self._parts.rows.insert(
                id=uuid.uuid4(),
                patient=patient_id,
                uploaded_by=principal.id,
                title=request.title or default_title(request.filename),
                kind=request.kind,
                filename=request.filename,
                content_type=got.content_type,
                size=got.staged.size,
                sha256=got.sha256,
            )
            await self._parts.events.publish(
                DocumentUploaded(
                    document_id=row.id,
                    patient_id=row.patient,
                    uploaded_by=row.uploaded_by,
                    kind=DocumentKind(row.kind),
                    content_type=row.content_type,
                    sha256=row.sha256,
                )
            )
            await self._parts.access_log.record("upload", principal.id, row, ip)
        return row

    async def _unplace(self, sha256: str) -> None:
        """Remove the stored file of a failed upload unless a document uses it by now.

        The transaction that placed it has ended (its lock with it): another upload of the same
        bytes may have found the file since, so the check and the removal run under the lock again.
        With no database to ask, the file stays: an orphan wastes space, a removal may lose data.
        """
        try:
            async with self._parts.db.transaction():
                await self._parts.rows.lock_blob(sha256)
                if await self._parts.rows.live_references(sha256) == 0:
                    await asyncio.to_thread(self._parts.files.remove, sha256)
        except Exception:
            logger.warning("a failed upload's file %s stays in the store", sha256, exc_info=True)

    async def _receive(self, request: UploadRequest) -> Received:
        cap = self.max_size
        buffer = bytearray()
        staged = self._parts.files.stage()
        content_type = ""  # set once the first bytes are sniffed
        total = 0
        try:
            async for chunk in request.body:
                total += len(chunk)
                if total > cap:
                    raise UploadTooLarge(self._too_large())
                buffer += chunk
                if not content_type:
                    if len(buffer) < SNIFF_BYTES:
                        continue
                    content_type = self._check_type(bytes(buffer[:SNIFF_BYTES]), request)
                if len(buffer) >= WRITE_CHUNK:
                    await asyncio.to_thread(staged.write, bytes(buffer))
                    buffer.clear()
            if not content_type:
                if not buffer:
                    raise InvalidDocument("the body is empty: send the document's bytes")
                content_type = self._check_type(bytes(buffer), request)
            sha256 = await asyncio.to_thread(staged.finish, bytes(buffer))
        except BaseException:
            staged.discard()
            raise
        return Received(staged, sha256, content_type)

    def _check_type(self, head: bytes, request: UploadRequest) -> str:
        allowed = self._parts.config.allowed_types
        sniffed = sniff(head)
        if request.declared_type.startswith("multipart/"):
            raise UnsupportedType(
                "send the file itself as the request body (not a multipart form), with "
                "`Content-Type: application/octet-stream` or the file's type; browser forms "
                "go to `POST /api/v1/documents/form`"
            )
        if sniffed is None or sniffed not in allowed:
            found = "a type HDuce does not recognise" if sniffed is None else label(sniffed)
            accepted = ", ".join(label(t) for t in allowed)
            raise UnsupportedType(f"the content is {found}; accepted: {accepted}")
        declared = request.declared_type
        if declared not in UNDECLARED and declared != sniffed:
            raise TypeMismatch(
                f"the request says `{declared}` but the content is {label(sniffed)}; send the "
                "right Content-Type or `application/octet-stream`"
            )
        return sniffed

    def _too_large(self) -> str:
        cap = self.max_size
        return f"documents may be at most {cap:,} bytes ({cap / 1024 / 1024:.1f} MiB)"


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()
