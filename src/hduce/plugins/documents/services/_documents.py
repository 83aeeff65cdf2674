"""Reading and changing documents: pages, one document, its file and text, edits, deletion."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from msgspec import UNSET
from msgspec.structs import asdict

from hduce.contracts.documents import (
    DocumentDeleted,
    DocumentKind,
    DocumentQuery,
    DocumentStatus,
    DocumentUpdated,
)
from hduce.core.errors import NotFound
from hduce.core.schemas import Page
from hduce.core.security import Principal
from hduce.plugins.documents.errors import InvalidDocument, NotExtracted
from hduce.plugins.documents.schemas import DocumentRead, DocumentUpdate, Entity
from hduce.plugins.documents.services._access import (
    ensure_may_delete,
    ensure_may_edit,
    ensure_reachable,
    ensure_reads_content,
    ensure_visible,
    reads_content,
    sees_all,
)
from hduce.plugins.documents.services._names import clean_title, download_name
from hduce.plugins.documents.services._parts import DocumentParts
from hduce.plugins.documents.services._sniff import TEXT, UTF8, text_charset
from hduce.plugins.documents.store import DocumentRow

DEFAULT_PAGE_SIZE = 50
UNFINISHED = frozenset({DocumentStatus.PENDING, DocumentStatus.PROCESSING})
DELETED_UNFINISHED = "deleted before its extraction finished"
"""The `error` of a document deleted while `pending` or `processing`: its final state."""


def to_read(row: DocumentRow, *, with_entities: bool = False) -> DocumentRead:
    """The API view of a document; entities only when asked for."""
    return DocumentRead.from_row(
        asdict(row),
        patient_id=row.patient,
        kind=DocumentKind(row.kind),
        status=DocumentStatus(row.status),
        entities=msgspec.json.decode(row.entities, type=list[Entity]) if with_entities else UNSET,
    )


class StoredFile(msgspec.Struct, frozen=True):
    """Where a document's bytes are, and how to name them in a download."""

    path: Path
    content_type: str
    filename: str
    charset: str = UTF8
    """Of a text file: UTF-8, or Latin-1 (accepted too) when its bytes are not UTF-8."""


class Documents:
    """Document reads (content reads audited) and changes, limited to what the caller may do."""

    def __init__(self, parts: DocumentParts) -> None:
        self._parts = parts

    async def page(self, principal: Principal, query: DocumentQuery) -> Page[DocumentRead]:
        """Live documents matching the query, newest first; patients see only their own."""
        most = self._parts.config.max_page_size
        limit, offset = query.limit or min(DEFAULT_PAGE_SIZE, most), query.offset
        if limit > most:
            raise InvalidDocument.naming("limit", f"at most {most}")
        conditions: list[str] = []
        args: list[object] = []
        patient_id = query.patient_id
        if not sees_all(principal):
            if patient_id not in (None, principal.id):
                return Page[DocumentRead](items=[], total=0, limit=limit, offset=offset)
            patient_id = principal.id
        for condition, value in (
            ("patient =", patient_id),
            ("kind =", query.kind),
            ("status =", query.status),
            ("created_at >=", query.created_from),
            ("created_at <", query.created_before),
            ("updated_at >=", query.updated_from),
            ("updated_at <", query.updated_before),
        ):
            if value is not None:
                args.append(value)
                conditions.append(f"{condition} ${len(args)}")
        rows, total = await self._parts.rows.page(conditions, args, limit, offset)
        items = [to_read(row) for row in rows]
        return Page[DocumentRead](items=items, total=total, limit=limit, offset=offset)

    async def get(
        self, principal: Principal, document_id: uuid.UUID, *, ip: str | None = None
    ) -> DocumentRead:
        """One document; the patient's, a doctor's or a nurse's read adds entities (audited)."""
        row = ensure_visible(principal, await self._parts.rows.get(document_id))
        if not reads_content(principal, row):
            return to_read(row)
        await self._parts.access_log.record("read", principal.id, row, ip)
        return to_read(row, with_entities=True)

    async def file(
        self, principal: Principal, document_id: uuid.UUID, *, ip: str | None = None
    ) -> StoredFile:
        """The stored file of a document, for download (audited)."""
        row = await self._readable(principal, document_id)
        path = self._parts.files.path(row.sha256)
        if not await asyncio.to_thread(path.is_file):
            raise NotFound("the document's file is missing from the store")
        charset = await asyncio.to_thread(text_charset, path) if row.content_type == TEXT else UTF8
        await self._parts.access_log.record("download", principal.id, row, ip)
        name = download_name(row.filename or row.title, row.content_type)
        return StoredFile(path, row.content_type, name, charset)

    async def text(
        self, principal: Principal, document_id: uuid.UUID, *, ip: str | None = None
    ) -> str:
        """The extracted text, pages separated by form feeds (audited); 409 until extracted."""
        row = await self._readable(principal, document_id)
        if row.status != DocumentStatus.DONE:
            detail = f"extraction is {row.status}" + (f": {row.error}" if row.error else "")
            raise NotExtracted(detail)
        await self._parts.access_log.record("read_text", principal.id, row, ip)
        return await self._parts.rows.text(row.id) or ""

    async def update(
        self,
        principal: Principal,
        document_id: uuid.UUID,
        change: DocumentUpdate,
        *,
        ip: str | None = None,
    ) -> DocumentRead:
        """Change the title or kind (the uploader, doctors, nurses, admins; audited)."""
        columns: dict[str, object] = {} if change.kind is UNSET else {"kind": change.kind}
        if change.title is not UNSET:
            columns["title"] = clean_title(change.title)
            if not columns["title"]:
                raise InvalidDocument.naming(
                    "title", "nothing readable is left without its control characters", "body"
                )
        async with self._parts.db.transaction():
            row = ensure_reachable(principal, await self._parts.rows.get(document_id, lock=True))
            ensure_may_edit(principal, row)
            if columns:
                row = await self._parts.rows.update(row.id, **columns)
                await self._parts.events.publish(
                    DocumentUpdated(
                        document_id=row.id, patient_id=row.patient, updated_by=principal.id
                    )
                )
            await self._parts.access_log.record("update", principal.id, row, ip)
        return to_read(row, with_entities=reads_content(principal, row))

    async def delete(
        self, principal: Principal, document_id: uuid.UUID, *, ip: str | None = None
    ) -> None:
        """Soft-delete (the uploader, admins): metadata stays for the audit trail.

        Text and entities go, and the file too once no live document refers to it. One not
        yet extracted ends `failed` (its extraction's result is no longer stored).
        """
        async with self._parts.db.transaction():
            row = ensure_reachable(principal, await self._parts.rows.get(document_id, lock=True))
            ensure_may_delete(principal, row)
            await self._parts.rows.lock_blob(row.sha256)
            await self._parts.rows.update(
                row.id,
                deleted_at=datetime.now(UTC),
                deleted_by=principal.id,
                text=None,
                entities="[]",
                **(
                    {"status": DocumentStatus.FAILED, "error": DELETED_UNFINISHED}
                    if row.status in UNFINISHED
                    else {}
                ),
            )
            await self._parts.events.publish(
                DocumentDeleted(document_id=row.id, patient_id=row.patient, deleted_by=principal.id)
            )
            await self._parts.access_log.record("delete", principal.id, row, ip)
            if await self._parts.rows.live_references(row.sha256) == 0:
                await asyncio.to_thread(self._parts.files.remove, row.sha256)

    async def _readable(self, principal: Principal, document_id: uuid.UUID) -> DocumentRow:
        row = ensure_visible(principal, await self._parts.rows.get(document_id))
        ensure_reads_content(principal, row)
        return row
