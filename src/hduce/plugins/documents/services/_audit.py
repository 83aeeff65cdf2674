"""The audit trail of document accesses: who read, downloaded or changed which document."""

import uuid

from hduce.contracts.audit import AuditLog
from hduce.plugins.documents.store import DocumentRow


class AccessLog:
    """Records `documents.<action>` entries about the document's patient."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    async def record(self, action: str, actor_id: uuid.UUID, row: DocumentRow) -> None:
        """Audit one access to a document, in the current transaction if there is one."""
        await self._audit.record(
            f"documents.{action}",
            actor_id=actor_id,
            subject_id=row.patient,
            detail={"document_id": str(row.id), "kind": row.kind},
        )
