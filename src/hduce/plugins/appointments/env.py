"""What the appointments services share: context, config, transactions, audit and messages."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresTransaction

from hduce.contracts.audit import AuditLog
from hduce.contracts.auth import Accounts, Role
from hduce.contracts.notifications import Category, Notifier
from hduce.core.context import AppContext
from hduce.core.events import EventBus
from hduce.plugins.appointments.config import AppointmentsConfig
from hduce.plugins.appointments.errors import InvalidRequest


@dataclass(frozen=True)
class Env:
    """The shared parts of the appointments services."""

    context: AppContext
    config: AppointmentsConfig

    @property
    def events(self) -> EventBus:
        """The event bus (writes into the outbox of the current transaction)."""
        return self.context.events

    def transaction(self) -> PostgresTransaction:
        """A transaction (joining the current one if there is one)."""
        return self.context.db.transaction()

    async def audit(
        self,
        action: str,
        *,
        actor_id: uuid.UUID | None,
        subject_id: uuid.UUID | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append an access to clinical data to the audit log, in the current transaction."""
        await self.context.registry.get(AuditLog).record(
            action, actor_id=actor_id, subject_id=subject_id, detail=detail
        )

    async def require_patient(self, patient_id: uuid.UUID) -> None:
        """Refuse an id that is not a patient's account (422)."""
        entry = await self.context.registry.get(Accounts).get_account(patient_id)
        if entry is None or Role.PATIENT not in entry.roles:
            raise InvalidRequest("patient_id is not a patient's account")

    async def notify(self, patient_id: uuid.UUID, template: str, data: Mapping[str, Any]) -> None:
        """Queue a message to a patient in the current transaction."""
        notifier = self.context.registry.get(Notifier)
        await notifier.notify(patient_id, template, data, Category.APPOINTMENTS)
