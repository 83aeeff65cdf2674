"""The `document` table's rows: reads, inserts, changes and the lock on a stored file."""

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from hduce.core.sql_store import SqlStore

FIELDS = (
    "id",
    "patient",
    "uploaded_by",
    "title",
    "kind",
    "filename",
    "content_type",
    "size",
    "sha256",
    "status",
    "error",
    "note",
    "page_count",
    "entities",
    "attempts",
    "extracted_at",
    "deleted_at",
    "created_at",
    "updated_at",
)
COLUMNS = ", ".join(FIELDS)
INSERT = f"""
INSERT INTO document (id, patient, uploaded_by, title, kind, filename, content_type, size, sha256,
                      status, entities)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', '[]')
RETURNING {COLUMNS}
"""
# Two uploads of the same bytes, or an upload and a delete, take turns on the stored file.
LOCK_BLOB = "SELECT pg_advisory_xact_lock(hashtextextended('document:' || $1, 0))"


class DocumentRow(msgspec.Struct, frozen=True, kw_only=True):
    """One document as stored, without its text."""

    id: uuid.UUID
    patient: uuid.UUID
    uploaded_by: uuid.UUID
    title: str
    kind: str
    filename: str | None
    content_type: str
    size: int
    sha256: str
    status: str
    error: str | None
    note: str | None
    page_count: int | None
    entities: str
    attempts: int
    extracted_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime


def to_row(record: asyncpg.Record) -> DocumentRow:
    """The struct of one fetched record."""
    return DocumentRow(**{name: record[name] for name in FIELDS})


class DocumentStore(SqlStore):
    """Statements on the `document` table; each joins the current transaction if there is one."""

    async def insert(self, **values: Any) -> DocumentRow:
        """Insert a `pending` document."""
        record = await self.db.fetchrow(
            INSERT,
            values["id"],
            values["patient"],
            values["uploaded_by"],
            values["title"],
            values["kind"],
            values["filename"],
            values["content_type"],
            values["size"],
            values["sha256"],
        )
        assert record is not None
        return to_row(record)

    async def get(self, document_id: uuid.UUID, *, lock: bool = False) -> DocumentRow | None:
        """One document (deleted ones too), locked `FOR UPDATE` when asked."""
        query = f"SELECT {COLUMNS} FROM document WHERE id = $1" + (" FOR UPDATE" if lock else "")
        record = await self.db.fetchrow(query, document_id)
        return to_row(record) if record else None

    async def text(self, document_id: uuid.UUID) -> str | None:
        """The extracted text of one document."""
        record = await self.db.fetchrow("SELECT text FROM document WHERE id = $1", document_id)
        return record["text"] if record else None

    async def lock_blob(self, sha256: str) -> None:
        """Serialise changes to one stored file until the transaction ends."""
        await self.db.fetchrow(LOCK_BLOB, sha256)

    async def live_references(self, sha256: str) -> int:
        """How many documents not deleted still refer to the stored file."""
        record = await self.db.fetchrow(
            "SELECT count(*) AS n FROM document WHERE sha256 = $1 AND deleted_at IS NULL", sha256
        )
        return int(record["n"]) if record else 0

    async def update(self, document_id: uuid.UUID, **columns: Any) -> DocumentRow:
        """Set `columns` (and `updated_at`) on one document."""
        assignments = "".join(f", {name} = ${i}" for i, name in enumerate(columns, start=2))
        record = await self.db.fetchrow(
            f"UPDATE document SET updated_at = now(){assignments} WHERE id = $1 "
            f"RETURNING {COLUMNS}",
            document_id,
            *columns.values(),
        )
        assert record is not None
        return to_row(record)

    async def page(
        self, conditions: list[str], args: list[Any], limit: int, offset: int
    ) -> tuple[list[DocumentRow], int]:
        """Live documents matching `conditions` (`$n` placeholders), newest first, and the total."""
        clause = " AND ".join(["deleted_at IS NULL", *conditions])
        records = await self.db.fetch(
            f"SELECT {COLUMNS}, count(*) OVER () AS total FROM document WHERE {clause} "
            f"ORDER BY created_at DESC, id LIMIT {int(limit)} OFFSET {int(offset)}",
            *args,
        )
        if records:
            return [to_row(r) for r in records], int(records[0]["total"])
        total = await self.db.fetchrow(f"SELECT count(*) AS n FROM document WHERE {clause}", *args)
        return [], int(total["n"]) if total else 0
