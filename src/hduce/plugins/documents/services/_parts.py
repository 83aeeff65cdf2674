"""What the document services share: the rows, the files, and the audit of each access."""

import uuid
from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.core.db import Database
from hduce.core.events import EventBus
from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.services._files import BlobStore
from hduce.plugins.documents.store import DocumentRow, DocumentStore


class AccessLog:
    """Records `documents.<action>` entries about the document's patient."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    async def record(
        self, action: str, actor_id: uuid.UUID, row: DocumentRow, ip: str | None
    ) -> None:
        """Audit one access to a document from `ip`, in the current transaction if any."""
        await self._audit.record(
            f"documents.{action}",
            actor_id=actor_id,
            subject_id=row.patient,
            ip=ip,
            detail={"document_id": str(row.id), "kind": row.kind},
        )


@dataclass(frozen=True)
class DocumentParts:
    """The parts every document service uses, built once in `setup()`."""

    config: DocumentsConfig
    db: Database
    events: EventBus
    rows: DocumentStore
    files: BlobStore
    access_log: AccessLog
