"""What the documents services share: database, file store, config, events and audit."""

import uuid
from dataclasses import dataclass

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.core.context import AppContext
from hduce.plugins.documents.config import DocumentsConfig
from hduce.plugins.documents.errors import InvalidDocument
from hduce.plugins.documents.storage import BlobStore
from hduce.plugins.documents.store import DocumentRow, DocumentStore


@dataclass(frozen=True)
class Env:
    """The shared parts of the documents services."""

    context: AppContext
    config: DocumentsConfig
    rows: DocumentStore
    blobs: BlobStore

    async def record_access(self, action: str, actor_id: uuid.UUID, row: DocumentRow) -> None:
        """Audit one access to a document, in the current transaction if there is one."""
        await self.context.registry.get(AuditLog).record(
            f"documents.{action}",
            actor_id=actor_id,
            subject_id=row.patient,
            detail={"document_id": str(row.id), "kind": row.kind},
        )

    async def ensure_patient(self, account_id: uuid.UUID) -> None:
        """422 unless `account_id` is a patient's account."""
        account = await self.context.registry.get(Accounts).get_account(account_id)
        if account is None or Role.PATIENT not in account.roles:
            raise InvalidDocument("patient_id does not name a patient's account")
